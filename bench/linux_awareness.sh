#!/usr/bin/env bash
# Linux awareness: the same three questions asked of a live kernel (the lab's
# linux scenario: Debian's 6.1, KASLR on) by elscope and by the kernel's own
# gdb scripts (scripts/gdb, bench/kernel-gdb-scripts.sh) in gdb-multiarch, and
# of a dump of the same machine by drgn 0.0.22:
#   tasks     elscope ps -t          gdb lx-ps                    drgn for_each_task
#   modules   elscope mod --sysroot  gdb lx-lsmod + lx-symbols D  drgn the modules list
#   log       elscope log            gdb lx-dmesg                 drgn get_dmesg
# (D: the sysroot's lib/modules/KVER; lx-symbols loads the .ko of every
# loaded module from there, elscope mod loads the same .ko from --sysroot.)
#
# Measured, live, straight to QEMU's stub:
#   elscope  wall time from launch to answer, and the command's own time,
#            round trips and bytes from --stats (median of RUNS runs)
#   gdb      the command's own time (python time.time() around it; median
#            of RUNS runs) and the whole session's wall time
# Through bench/delay_proxy.py with 0 ms (counting only): the protocol
# packets the client sends (= round trips) and the bytes of both directions
# (packets, acks, framing) for the command alone: a session that runs it
# minus a session that only connects (elscope -x /dev/null; gdb: symbols,
# scripts, target remote). Through delay_proxy.py with 1 ms per unit,
# serial mode (a probe that needs 1 ms per packet): both tools' command
# times again (one run).
# drgn: wall time of `drgn -q -c CORE -s VMLINUX SCRIPT` (median of RUNS).
# drgn 0.0.22 cannot read a QEMU dump-guest-memory core as lab/lab dump
# writes it (one PT_LOAD with vaddr = paddr: "recursive address translation;
# page table may be missing from core dump"), so the script gives the core
# two more PT_LOAD headers over the same bytes, the kernel image's and the
# linear map's virtual addresses from its VMCOREINFO (kimage_voffset,
# PHYS_OFFSET, VA_BITS), as a kdump core would have.
#
# The answers must agree: the same non-zero PIDs (elscope also lists each
# CPU's idle task, lx-ps only swapper/0, drgn's for_each_task none), the same
# module names (and lx-symbols and elscope both loading a .ko for each), the
# same last log line; the script stops with a message if they do not.
# Prints a Markdown table and the commands.
#
# usage: bench/linux_awareness.sh [ELSCOPE] [RUNS]   (default build/elscope, 3)
set -euo pipefail

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
LAB=$REPO/lab/lab
ELSCOPE=${1:-$REPO/build/elscope}
RUNS=${2:-3}
ELSCOPE=$(realpath "$ELSCOPE")
[ -x "$ELSCOPE" ] || { echo "linux_awareness: no elscope at $ELSCOPE" >&2; exit 1; }
for tool in gdb-multiarch drgn python3; do
    command -v "$tool" >/dev/null || { echo "linux_awareness: $tool not found (scripts/setup-deps)" >&2; exit 1; }
done
die() { echo "linux_awareness: $*" >&2; exit 1; }

tmp=$(mktemp -d "${TMPDIR:-/tmp}/elscope-awareness.XXXXXX")
was_up=0
if grep -q '^linux  *running' <<<"$("$LAB" status)"; then was_up=1; fi
PROXIES=()
cleanup() {
    local p
    for p in "${PROXIES[@]}"; do kill "$p" 2>/dev/null || true; done
    rm -rf -- "$tmp"
    [ "$was_up" = 1 ] || "$LAB" down linux >/dev/null 2>&1 || true
}
trap cleanup EXIT

out=$("$LAB" up linux) || die "lab/lab up linux failed"
GDB_PORT=$(sed -n 's/^GDB_PORT=//p' <<<"$out")
VMLINUX=$(sed -n 's/^VMLINUX=//p' <<<"$out")
SYSROOT=$(sed -n 's/^SYSROOT=//p' <<<"$out")
KVER=$(sed -n 's/^KVER=//p' <<<"$out")
MODDIR=$SYSROOT/lib/modules/$KVER
GDB_SCRIPTS=$("$REPO/bench/kernel-gdb-scripts.sh")

# gdb runs in an empty directory: lx-symbols also scans the current
# directory for .ko files, and reloads vmlinux by a name ending in "vmlinux"
# (or ./vmlinux); the link gives it that name.
cd "$tmp"
ln -s "$VMLINUX" "$tmp/vmlinux"
mkdir "$tmp/out"

slid=$("$ELSCOPE" "gdb:127.0.0.1:$GDB_PORT" --vmlinux "$VMLINUX" -c 'sym init_task' | cut -d ' ' -f 1)
link=$(gdb-multiarch -nx -batch -ex 'info address init_task' "$VMLINUX" | grep -o '0x[0-9a-f]*' | head -n 1)
SLIDE=$(printf '0x%x' $((slid - link)))
# 6.1's lx-symbols reloads vmlinux with a plain "symbol-file FILE", which
# puts it back at its link addresses; under KASLR everything after that
# fails. This shim (sourced after the scripts) adds the slide to it.
cat >"$tmp/slide.py" <<EOF
import gdb, time
_slide = "$SLIDE"
_execute = gdb.execute
def _execute_slid(cmd, *args, **kwargs):
    words = cmd.split()
    if len(words) == 2 and words[0] == "symbol-file":
        cmd = "symbol-file -o %s %s" % (_slide, words[1])
    return _execute(cmd, *args, **kwargs)
gdb.execute = _execute_slid
EOF

# The dump for drgn, with virtual PT_LOADs added in place (see above).
"$LAB" dump linux "$tmp/vm.elf" 2>/dev/null || die "lab/lab dump linux failed"
PYTHONPATH="$REPO/lab" python3 - "$tmp/vm.elf" <<'PY' || die "cannot add virtual segments to the dump"
import struct, sys
from corefile import PT_LOAD, program_headers, vmcoreinfo
with open(sys.argv[1], "r+b") as f:
    info = vmcoreinfo(f)
    eh, headers = program_headers(f)
    eh = bytearray(eh)
    phnum = len(headers)
    phdrs = [raw for raw, *_ in headers]
    loads = [(off, pa, filesz, memsz)
             for _, p_type, off, pa, filesz, memsz in headers if p_type == PT_LOAD]
    M = 1 << 64
    kimage_voffset = int(info["NUMBER(kimage_voffset)"], 16)
    phys_offset = int(info["NUMBER(PHYS_OFFSET)"], 16)
    page_offset = M - (1 << int(info["NUMBER(VA_BITS)"]))
    new = [struct.pack("<IIQQQQQQ", 1, 7, off, va, pa, filesz, memsz, 0)
           for off, pa, filesz, memsz in loads
           for va in ((pa + kimage_voffset) % M, (pa - phys_offset + page_offset) % M)]
    f.seek(0, 2)
    end = f.tell()
    table = (end + 7) // 8 * 8
    f.write(b"\0" * (table - end) + b"".join(phdrs) + b"".join(new))
    struct.pack_into("<Q", eh, 32, table)
    struct.pack_into("<H", eh, 56, phnum + len(new))
    f.seek(0)
    f.write(eh)
PY
cat >"$tmp/ps.py" <<'EOF'
from drgn.helpers.linux.pid import for_each_task
for t in for_each_task(prog):
    print(t.pid.value_(), t.comm.string_().decode())
EOF
cat >"$tmp/mod.py" <<'EOF'
from drgn.helpers.linux.list import list_for_each_entry
for m in list_for_each_entry("struct module", prog["modules"].address_of_(), "list"):
    print(m.name.string_().decode(), hex(m.core_layout.base.value_()), m.core_layout.size.value_())
EOF
cat >"$tmp/log.py" <<'EOF'
import sys
from drgn.helpers.linux.printk import get_dmesg
sys.stdout.write(get_dmesg(prog).decode(errors="replace"))
EOF

# Two proxies to the stub: counting (0 ms) and a 1 ms serial probe.
start_proxy() { # start_proxy NAME DELAY_MS: sets PORT_<NAME>
    python3 "$REPO/bench/delay_proxy.py" --delay-ms "$2" --mode serial \
        --stats "$tmp/$1.json" "127.0.0.1:$GDB_PORT" >"$tmp/$1.out" 2>"$tmp/$1.err" &
    PROXIES+=($!)
    local i
    for ((i = 0; i < 50; i++)); do
        grep -q '^PORT=' "$tmp/$1.out" 2>/dev/null && break
        sleep 0.1
    done
    printf -v "PORT_$1" '%s' "$(sed -n 's/^PORT=//p' "$tmp/$1.out")"
    : >>"$tmp/$1.json"
}
start_proxy p0 0
start_proxy p1 1
[ -n "$PORT_p0" ] && [ -n "$PORT_p1" ] || die "delay_proxy.py did not start"

now() { date +%s.%N; }
M=$tmp/m.tsv # tool question mode metric value
: >"$M"
rec() { printf '%s\t%s\t%s\t%s\t%s\n' "$@" >>"$M"; }

# The proxy's record of the session that just ended: "packets bytes".
proxy_last() { # proxy_last NAME LINES_BEFORE
    local i
    for ((i = 0; i < 100; i++)); do
        [ "$(wc -l <"$tmp/$1.json")" -gt "$2" ] && break
        sleep 0.05
    done
    tail -n 1 "$tmp/$1.json" | python3 -c '
import json, sys
r = json.load(sys.stdin)
print(r["client->stub"]["packets"], r["client->stub"]["bytes"] + r["stub->client"]["bytes"])'
}

ELS_CMD_ps="ps -t"; ELS_CMD_mod="mod"; ELS_CMD_log="log"
els_args() { # els_args Q PORT: the command line, in the array CMD
    local var=ELS_CMD_$1
    CMD=("$ELSCOPE" "gdb:127.0.0.1:$2" --vmlinux "$VMLINUX" --stats)
    [ "$1" != mod ] || CMD+=(--sysroot "$SYSROOT")
    CMD+=(-c "${!var}")
}
GDB_CMDS_ps=(lx-ps); GDB_CMDS_mod=(lx-lsmod "lx-symbols $MODDIR"); GDB_CMDS_log=(lx-dmesg)
gdb_args() { # gdb_args Q|- PORT: the command line, in the array CMD
    CMD=(gdb-multiarch -nx -batch -ex 'add-auto-load-safe-path /'
        -ex "symbol-file -o $SLIDE $tmp/vmlinux" -ex "source $GDB_SCRIPTS"
        -ex "source $tmp/slide.py" -ex "target remote 127.0.0.1:$2")
    [ "$1" != - ] || return 0
    local var="GDB_CMDS_$1[@]" c
    CMD+=(-ex 'python t0 = time.time()')
    for c in "${!var}"; do CMD+=(-ex "$c"); done
    CMD+=(-ex 'python print("LXTIME=%.4f" % (time.time() - t0))')
}

# elscope: one session; records wall, ms, rt, bytes under MODE.
run_els() { # run_els Q PORT MODE
    els_args "$1" "$2"
    local t0 t1 line
    t0=$(now)
    "${CMD[@]}" >"$tmp/out/els.$1.$3" 2>"$tmp/err" || die "elscope ${CMD[*]}: $(head -n 3 "$tmp/err")"
    t1=$(now)
    line=$(grep '^stats: ' "$tmp/err" | tail -n 1)
    rec elscope "$1" "$3" wall "$(echo "$t1 - $t0" | bc)"
    rec elscope "$1" "$3" ms "$(sed -E 's/.* ([0-9.]+) ms$/\1/' <<<"$line")"
    rec elscope "$1" "$3" rt "$(sed -E 's/^stats: [^:]*: ([0-9]+) round trips.*/\1/' <<<"$line")"
    rec elscope "$1" "$3" bytes "$(sed -E 's/.* ([0-9]+) bytes out, ([0-9]+) bytes in.*/\1 \2/' <<<"$line" | awk '{ print $1 + $2 }')"
}
run_gdb() { # run_gdb Q PORT MODE
    gdb_args "$1" "$2"
    local t0 t1 lx
    t0=$(now)
    "${CMD[@]}" >"$tmp/out/gdb.$1.$3" 2>&1 || true
    t1=$(now)
    lx=$(sed -n 's/^LXTIME=//p' "$tmp/out/gdb.$1.$3")
    [ -n "$lx" ] || die "gdb's $1 gave no time: $(grep -m 3 -iE 'error|exception' "$tmp/out/gdb.$1.$3")"
    ! grep -qE 'Python Exception|^Error|Cannot access memory' "$tmp/out/gdb.$1.$3" ||
        die "gdb's $1 failed: $(grep -m 3 -E 'Python Exception|^Error|Cannot access memory' "$tmp/out/gdb.$1.$3")"
    rec gdb "$1" "$3" wall "$(echo "$t1 - $t0" | bc)"
    rec gdb "$1" "$3" ms "$(echo "$lx * 1000" | bc)"
}
# Packets and bytes of the command alone, through the counting proxy.
count() { # count TOOL Q
    local n a b
    n=$(wc -l <"$tmp/p0.json")
    if [ "$1" = elscope ]; then
        "$ELSCOPE" "gdb:127.0.0.1:$PORT_p0" --vmlinux "$VMLINUX" -x /dev/null >/dev/null 2>&1
    else
        gdb_args - "$PORT_p0"
        "${CMD[@]}" >/dev/null 2>&1 || true
    fi
    a=$(proxy_last p0 "$n")
    n=$(wc -l <"$tmp/p0.json")
    if [ "$1" = elscope ]; then run_els "$2" "$PORT_p0" proxy0; else run_gdb "$2" "$PORT_p0" proxy0; fi
    b=$(proxy_last p0 "$n")
    rec "$1" "$2" proxy0 packets $((${b% *} - ${a% *}))
    rec "$1" "$2" proxy0 pbytes $((${b#* } - ${a#* }))
}

for q in ps mod log; do
    echo "linux_awareness: $q" >&2
    for ((i = 0; i <= RUNS; i++)); do # run 0 warms the page cache
        run_els "$q" "$GDB_PORT" "$([ $i = 0 ] && echo warm || echo direct)"
        run_gdb "$q" "$GDB_PORT" "$([ $i = 0 ] && echo warm || echo direct)"
        t0=$(now)
        drgn -q -c "$tmp/vm.elf" -s "$VMLINUX" "$tmp/$q.py" >"$tmp/out/drgn.$q" 2>"$tmp/err" ||
            die "drgn $q: $(tail -n 1 "$tmp/err")"
        t1=$(now)
        [ $i = 0 ] || rec drgn "$q" core wall "$(echo "$t1 - $t0" | bc)"
    done
    count elscope "$q"
    count gdb "$q"
    run_els "$q" "$PORT_p1" proxy1
    run_gdb "$q" "$PORT_p1" proxy1
done

# The answers.
o=$tmp/out
awk 'NR > 1 && $1 != 0 { print $1 }' "$o/els.ps.direct" | sort -n >"$tmp/pids.els"
awk '$1 ~ /^0x/ && $2 != 0 { print $2 }' "$o/gdb.ps.direct" | sort -n >"$tmp/pids.gdb"
awk '$1 != 0 { print $1 }' "$o/drgn.ps" | sort -n >"$tmp/pids.drgn"
cmp -s "$tmp/pids.els" "$tmp/pids.gdb" || die "tasks: elscope and lx-ps differ: $(diff "$tmp/pids.els" "$tmp/pids.gdb" | head -n 5 | tr '\n' ' ')"
cmp -s "$tmp/pids.els" "$tmp/pids.drgn" || die "tasks: elscope and drgn differ: $(diff "$tmp/pids.els" "$tmp/pids.drgn" | head -n 5 | tr '\n' ' ')"
n_els=$(($(wc -l <"$o/els.ps.direct") - 1))
n_gdb=$(grep -c '^0x' "$o/gdb.ps.direct")
n_drgn=$(wc -l <"$o/drgn.ps")
n_pids=$(wc -l <"$tmp/pids.els")
awk 'NR > 1 { print $1 }' "$o/els.mod.direct" | sort >"$tmp/mods.els"
awk '$1 ~ /^0x/ { print $2 }' "$o/gdb.mod.direct" | sort >"$tmp/mods.gdb"
awk '{ print $1 }' "$o/drgn.mod" | sort >"$tmp/mods.drgn"
cmp -s "$tmp/mods.els" "$tmp/mods.gdb" && cmp -s "$tmp/mods.els" "$tmp/mods.drgn" ||
    die "modules differ: elscope $(tr '\n' ' ' <"$tmp/mods.els"), lx-lsmod $(tr '\n' ' ' <"$tmp/mods.gdb"), drgn $(tr '\n' ' ' <"$tmp/mods.drgn")"
n_mods=$(wc -l <"$tmp/mods.els")
ko_els=$(awk 'NR > 1 && $NF == "ko"' "$o/els.mod.direct" | wc -l)
ko_gdb=$(grep -c '^loading @' "$o/gdb.mod.direct" || true)
[ "$ko_els" = "$n_mods" ] && [ "$ko_gdb" = "$n_mods" ] ||
    die "module symbols: elscope loaded $ko_els .ko, lx-symbols $ko_gdb, of $n_mods modules"
last() { grep -E '^\[ *[0-9]+\.[0-9]+\]' "$1" | tail -n 1; }
l_els=$(last "$o/els.log.direct"); l_gdb=$(last "$o/gdb.log.direct"); l_drgn=$(last "$o/drgn.log")
[ -n "$l_els" ] && [ "$l_els" = "$l_gdb" ] && [ "$l_els" = "$l_drgn" ] ||
    die "last log lines differ: elscope '$l_els', lx-dmesg '$l_gdb', drgn '$l_drgn'"
n_log_els=$(grep -cE '^\[ *[0-9]+\.[0-9]+\]' "$o/els.log.direct")
n_log_gdb=$(grep -cE '^\[ *[0-9]+\.[0-9]+\]' "$o/gdb.log.direct")
n_log_drgn=$(grep -cE '^\[ *[0-9]+\.[0-9]+\]' "$o/drgn.log")

echo "Answers agree: tasks: the same $n_pids non-zero PIDs (rows: elscope $n_els, lx-ps $n_gdb, drgn $n_drgn);"
echo "modules: the same $n_mods ($(tr '\n' ' ' <"$tmp/mods.els" | sed 's/ $//')), a .ko loaded for each by elscope and lx-symbols;"
echo "log: the same last line '$l_els' (lines: elscope $n_log_els, lx-dmesg $n_log_gdb, drgn $n_log_drgn)."
echo "KASLR slide $SLIDE; $RUNS runs each after one warm-up (median)."
echo
python3 - "$M" <<'PY'
import statistics, sys
m = {}
for line in open(sys.argv[1]):
    tool, q, mode, metric, value = line.rstrip("\n").split("\t")
    m.setdefault((tool, q, mode, metric), []).append(float(value))
def med(tool, q, mode, metric):
    v = m.get((tool, q, mode, metric))
    return statistics.median(v) if v else float("nan")
names = {"ps": "tasks (ps -t / lx-ps)", "mod": "modules + symbols (mod / lx-lsmod + lx-symbols)", "log": "log (log / lx-dmesg)"}
print("| question | tool | round trips | bytes | command s | wall s | command s, 1 ms/packet |")
print("|---|---|---:|---:|---:|---:|---:|")
for q in ("ps", "mod", "log"):
    for tool in ("elscope", "gdb"):
        print("| %s | %s | %d | %d | %.3f | %.2f | %.3f |" % (
            names[q], "elscope" if tool == "elscope" else "gdb + scripts/gdb",
            med(tool, q, "proxy0", "packets"), med(tool, q, "proxy0", "pbytes"),
            med(tool, q, "direct", "ms") / 1000, med(tool, q, "direct", "wall"),
            med(tool, q, "proxy1", "ms") / 1000))
    print("| %s | drgn 0.0.22 (core) | | | | %.2f | |" % (names[q], med("drgn", q, "core", "wall")))
print()
print("| question | gdb/elscope round trips | bytes | command time | command time, 1 ms | elscope own --stats round trips, bytes | drgn/elscope wall |")
print("|---|---:|---:|---:|---:|---|---:|")
for q in ("ps", "mod", "log"):
    r = lambda metric, mode: med("gdb", q, mode, metric) / med("elscope", q, mode, metric)
    print("| %s | %.1fx | %.1fx | %.1fx | %.1fx | %d, %d | %.1fx |" % (
        q, r("packets", "proxy0"), r("pbytes", "proxy0"), r("ms", "direct"), r("ms", "proxy1"),
        med("elscope", q, "direct", "rt"), med("elscope", q, "direct", "bytes"),
        med("drgn", q, "core", "wall") / med("elscope", q, "direct", "wall")))
PY
echo
echo "Commands (PORT: the stub, or a delay_proxy.py in front of it):"
els_args ps PORT; echo "  ${CMD[*]}"
els_args mod PORT; echo "  ${CMD[*]}"
els_args log PORT; echo "  ${CMD[*]}"
gdb_args ps PORT; echo "  ${CMD[*]}"
echo "  (mod: -ex lx-lsmod -ex 'lx-symbols $MODDIR'; log: -ex lx-dmesg)"
echo "  drgn -q -c DUMP -s $VMLINUX {ps,mod,log}.py"
