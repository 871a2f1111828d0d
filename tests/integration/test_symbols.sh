#!/usr/bin/env bash
# Symbols of the live kernel: elscope finds the KASLR slide from the vector
# base and vmlinux, then `sym NAME` equals the kernel's own /proc/kallsyms
# for several functions, `sym ADDR` of CPU 0's PC names a function with a
# source line, and init_task (not in kallsyms: no CONFIG_KALLSYMS_ALL) holds
# "swapper" at its slid address. A workload function gets its source line
# from the sysroot's binary at the load base of /proc/PID/maps.
# shellcheck source-path=SCRIPTDIR
. "$(dirname "$0")/lib.sh"

lab_up linux
[ -f "${VMLINUX:-/nonexistent}" ] || fail "lab/lab up linux gave no VMLINUX"

"$LAB" exec linux 'echo 0 > /proc/sys/kernel/kptr_restrict' >/dev/null ||
    fail "could not set kptr_restrict"
names=(vectors schedule cpu_do_idle start_kernel do_idle vfs_read)
pattern=$(printf ' %s$|' "${names[@]}")
"$LAB" exec linux "grep -E '${pattern%|}' /proc/kallsyms" >"$T/kallsyms" ||
    fail "lab/lab exec linux: reading /proc/kallsyms failed"
tr -d '\r' <"$T/kallsyms" >"$T/kallsyms.txt"

cmds=()
for n in "${names[@]}"; do
    cmds+=(-c "sym $n")
done
run_elscope "$T/out" "$T/err" "$TARGET" --vmlinux "$VMLINUX" --json \
    "${cmds[@]}" -c 'regs pc' ||
    fail "elscope sym failed: $(tail -n 1 "$T/err")"

for n in "${names[@]}"; do
    want=$(awk -v n="$n" '$3 == n { print $1; exit }' "$T/kallsyms.txt")
    [ -n "$want" ] || fail "/proc/kallsyms has no $n (kptr_restrict?)"
    got=$(python3 -c 'import json, sys
for l in open(sys.argv[1]):
    o = json.loads(l)
    if o.get("symbol") == sys.argv[2]:
        print(o["address"][2:]); break' "$T/out" "$n")
    [ "$got" = "$want" ] || fail "sym $n: elscope says 0x$got, /proc/kallsyms ffff...$want"
    note "sym $n = 0x$got as in /proc/kallsyms"
done

# The PC of CPU 0 names a function, with a source line.
pc=$(tail -n 1 "$T/out" | python3 -c 'import json, sys; print(json.load(sys.stdin)["pc"])')
run_elscope "$T/pc" "$T/err" "$TARGET" --vmlinux "$VMLINUX" --json -c "sym $pc" ||
    fail "sym $pc failed: $(tail -n 1 "$T/err")"
python3 - "$T/pc" "$pc" <<'EOF' || fail "sym of the PC: $(cat "$T/pc")"
import json, sys
o = json.load(open(sys.argv[1]))
assert o["address"] == sys.argv[2], o
assert o["symbol"] and o["offset"] < o["size"], o
assert o["file"] and o["line"] > 0, o
print("# PC %s is %s+%#x at %s:%d" % (sys.argv[2], o["symbol"], o["offset"], o["file"], o["line"]), file=sys.stderr)
EOF

# init_task: its bytes at the slid address hold the comm "swapper".
run_elscope "$T/it" "$T/err" "$TARGET" --vmlinux "$VMLINUX" --json -c 'sym init_task' ||
    fail "sym init_task failed: $(tail -n 1 "$T/err")"
read -r addr size < <(python3 -c 'import json, sys; o = json.load(open(sys.argv[1])); print(o["address"], o["size"])' "$T/it")
run_elscope "$T/x" "$T/err" "$TARGET" --json -c "x $addr $size" ||
    fail "x $addr $size failed: $(tail -n 1 "$T/err")"
python3 -c 'import json, sys; d = bytes.fromhex(json.load(open(sys.argv[1]))["data"]); sys.exit(b"swapper" not in d)' "$T/x" ||
    fail "init_task at $addr does not hold 'swapper'"
note "init_task at $addr holds 'swapper'"

# A module's symbols from its .ko, its sections placed where the kernel's
# /sys/module/dummy/sections says: the functions equal /proc/kallsyms.
ko=$(find -L "$SYSROOT/lib/modules" -name dummy.ko | head -n 1)
[ -f "$ko" ] || fail "no dummy.ko under $SYSROOT/lib/modules"
"$LAB" exec linux 'cd /sys/module/dummy/sections && for f in .*; do [ -f "$f" ] && echo "$f $(cat "$f")"; done; grep "\[dummy\]" /proc/kallsyms' |
    tr -d '\r' >"$T/dummy" || fail "reading dummy's sections failed"
place=()
while read -r sec addr; do place+=(--section "$sec=$addr"); done < <(awk 'NF == 2 && $1 ~ /^\./' "$T/dummy")
[ "${#place[@]}" -ge 6 ] || fail "dummy has too few sections: $(cat "$T/dummy")"
nmod=0
while read -r addr _ name _; do
    run_elscope "$T/m" "$T/err" "$TARGET" --json -c "sym --file $ko ${place[*]} $name" ||
        fail "sym --file dummy.ko $name: $(tail -n 1 "$T/err")"
    got=$(python3 -c 'import json,sys; print(json.load(sys.stdin)["address"][2:])' <"$T/m")
    [ "$got" = "$addr" ] || fail "dummy.ko $name: elscope 0x$got, /proc/kallsyms $addr"
    nmod=$((nmod + 1))
done < <(awk '$4 == "[dummy]" && $2 ~ /^[tT]$/ && $3 !~ /^\$/' "$T/dummy")
[ "$nmod" -ge 3 ] || fail "only $nmod functions of dummy in /proc/kallsyms"
note "dummy.ko: $nmod functions at the addresses of /proc/kallsyms once its ${#place[@]}/2 sections are placed"

# A wrong vmlinux: the slide does not verify, and says so.
[ -n "${SYSROOT:-}" ] || fail "lab/lab up linux gave no SYSROOT"
lib="$SYSROOT/usr/lib/libelswork.so"
if run_elscope "$T/bad" "$T/err" "$TARGET" --vmlinux "$lib" -c 'sym elswork_step'; then
    fail "a shared library taken as vmlinux was not refused"
fi
grep -q 'KASLR slide' "$T/err" || fail "no KASLR error for a wrong vmlinux: $(cat "$T/err")"

# A workload function at the library's load base in a mapped process.
maps=$(grep -l 'libelswork.so' "$TRUTH"/host/maps/*.txt | head -n 1)
[ -n "$maps" ] || fail "no process of the truth maps libelswork.so"
base=0x$(awk '/libelswork.so/ && $3 == "00000000" { split($1, r, "-"); print r[1]; exit }' "$maps")
run_elscope "$T/w" "$T/err" "$TARGET" --json \
    -c "sym --file $lib --base $base elswork_step" ||
    fail "sym --file failed: $(tail -n 1 "$T/err")"
python3 - "$T/w" <<'EOF' || fail "workload symbol: $(cat "$T/w")"
import json, sys
o = json.load(open(sys.argv[1]))
assert o["file"].endswith("libelswork.c") and o["line"] > 0, o
EOF
# Xen: xen-syms names Xen's own code. Addresses agree with Xen's System.map
# (from the same -dbg package), and the PC of a CPU caught in Xen (EL2) is
# named as a function that covers it.
# shellcheck disable=SC2317 # called from the EXIT trap
xen_cleanup() {
    [ -n "${ELSCOPE_IT_KEEP_LAB:-}" ] || "$LAB" down xen >/dev/null 2>&1 || true
    it_cleanup
}
trap xen_cleanup EXIT
out=$("$LAB" up xen) || fail "lab/lab up xen failed"
XEN_TARGET=$(sed -n 's/^TARGET=//p' <<<"$out")
XSYMS=$(sed -n 's/^XEN_SYMS=//p' <<<"$out")
XMAP=$(sed -n 's/^XEN_MAP=//p' <<<"$out")
if [ ! -f "$XSYMS" ] || [ ! -f "$XMAP" ]; then fail "lab/lab up xen gave no XEN_SYMS/XEN_MAP"; fi
for name in start_xen do_softirq startup_cpu_idle_loop; do
    want=$(awk -v n="$name" '$3 == n { print $1; exit }' "$XMAP")
    [ -n "$want" ] || fail "$name is not in $XMAP"
    run_elscope "$T/xs" "$T/err" "$XEN_TARGET" --xen "$XSYMS" --json -c "sym $name" ||
        fail "sym $name: $(tail -n 1 "$T/err")"
    got=$(python3 -c 'import json,sys; print(json.load(sys.stdin)["address"])' <"$T/xs")
    [ $((got)) -eq $((want)) ] || fail "sym $name gives $got, Xen's System.map $want"
done
named=""
for _ in $(seq 30); do
    run_elscope "$T/xr" "$T/err" "$XEN_TARGET" --json --keep-halted -c halt -c 'regs --cpu 0 pc cpsr' ||
        fail "regs on xen: $(tail -n 1 "$T/err")"
    read -r pc el < <(sed -n 2p "$T/xr" | python3 -c 'import json,sys; d=json.load(sys.stdin); print(d["pc"], int(d["cpsr"],16)>>2&3)')
    if [ "$el" = 2 ]; then
        run_elscope "$T/xp" "$T/err" "$XEN_TARGET" --xen "$XSYMS" --json --keep-halted -c "sym $pc" ||
            fail "sym $pc (Xen's PC): $(tail -n 1 "$T/err")"
        python3 - "$T/xp" "$pc" <<'PY' || fail "Xen's PC $pc: $(cat "$T/xp")"
import json, sys
o = json.load(open(sys.argv[1]))
pc = int(sys.argv[2], 16)
start = int(o["symbol_address"], 16)
assert o["symbol"] and start <= pc < start + max(o["size"], 1), o
PY
        named=$pc
    fi
    run_elscope "$T/xc" "$T/err" "$XEN_TARGET" -c cont || fail "cont: $(tail -n 1 "$T/err")"
    [ -z "$named" ] || break
    sleep 0.2
done
[ -n "$named" ] || fail "no CPU was caught in Xen (EL2) in 30 tries"
note "xen-syms: start_xen, do_softirq, startup_cpu_idle_loop as in System.map; Xen's PC $named named"

# Each guest's kernel (--guest ID=VMLINUX): its slide is found through a CPU
# that last ran it (stage 1 of the guest, stage 2 of Xen), and its
# functions equal that guest's own /proc/kallsyms. The lab's VMIDs are
# dom0 1 and dom1 2 (Xen hands them out in creation order).
XVMLINUX=$(sed -n 's/^VMLINUX=//p' <<<"$out")
# same_as_kallsyms JSON KALLSYMS: the three `sym --json` answers in JSON are
# at the addresses the guest's own /proc/kallsyms lines give.
same_as_kallsyms() {
    python3 - "$1" "$2" <<'PY'
import json, sys
want = {l.split()[2]: l.split()[0] for l in open(sys.argv[2]) if l.strip()}
got = [json.loads(l) for l in open(sys.argv[1])]
assert len(got) == 3, got
for o in got:
    assert o["address"][2:] == want[o["symbol"]], (o, want)
PY
}
for vm in 0 1; do
    "$LAB" exec "xen:dom$vm" 'grep -w -e schedule -e do_idle -e vfs_read /proc/kallsyms' |
        tr -d '\r' >"$T/gk$vm" || fail "kallsyms of dom$vm"
    [ "$(wc -l <"$T/gk$vm")" -eq 3 ] || fail "dom$vm kallsyms: $(cat "$T/gk$vm")"
done
if run_elscope "$T/g" "$T/err" "$XEN_TARGET" --guest "0=$XVMLINUX" -c 'sym --vm 0 schedule'; then
    fail "sym --vm 0 without a CPU guessed one"
fi
grep -q 'give --xen XEN_SYMS, or --cpu N' "$T/err" || fail "sym --vm without --cpu: $(cat "$T/err")"
seen=""
for _ in $(seq 40); do
    run_elscope "$T/v" "$T/err" "$XEN_TARGET" --json --keep-halted -c halt -c 'regs --cpu 0 VTTBR_EL2' -c 'regs --cpu 1 VTTBR_EL2' ||
        fail "regs VTTBR_EL2: $(tail -n 1 "$T/err")"
    for cpu in 0 1; do
        vmid=$(( $(sed -n "$((cpu + 2))p" "$T/v" | python3 -c 'import json,sys; print(json.load(sys.stdin)["VTTBR_EL2"])') >> 48 ))
        vm=$((vmid - 1))
        case " $seen " in *" $vm "*) continue ;; esac
        [ "$vm" = 0 ] || [ "$vm" = 1 ] || continue
        cmds=()
        for n in schedule do_idle vfs_read; do cmds+=(-c "sym --vm $vm --cpu $cpu $n"); done
        run_elscope "$T/gs" "$T/err" "$XEN_TARGET" --keep-halted --json \
            --guest "0=$XVMLINUX" --guest "1=$XVMLINUX" "${cmds[@]}" ||
            fail "sym --vm $vm --cpu $cpu: $(tail -n 1 "$T/err")"
        same_as_kallsyms "$T/gs" "$T/gk$vm" || fail "dom$vm symbols differ from its kallsyms"
        seen="$seen $vm"
        note "dom$vm (VMID $vmid, CPU $cpu): schedule, do_idle, vfs_read as in its /proc/kallsyms"
    done
    run_elscope "$T/xc" "$T/err" "$XEN_TARGET" -c cont || fail "cont: $(tail -n 1 "$T/err")"
    [ "$(wc -w <<<"$seen")" -lt 2 ] || break
    sleep 0.2
done
[ "$(wc -w <<<"$seen")" -eq 2 ] || fail "only VMs '$seen' were seen on a CPU in 40 tries"
# With Xen's symbols no CPU need be named: the VM's own context (a CPU
# running it, else its vCPU's saved registers) gives the slide.
for vm in 0 1; do
    cmds=()
    for n in schedule do_idle vfs_read; do cmds+=(-c "sym --vm $vm $n"); done
    run_elscope "$T/gs" "$T/err" "$XEN_TARGET" --json --xen "$XSYMS" \
        --guest "0=$XVMLINUX" --guest "1=$XVMLINUX" "${cmds[@]}" ||
        fail "sym --vm $vm with --xen: $(tail -n 1 "$T/err")"
    same_as_kallsyms "$T/gs" "$T/gk$vm" || fail "dom$vm symbols (--xen, no --cpu) differ from its kallsyms"
    note "dom$vm with --xen and no --cpu: schedule, do_idle, vfs_read as in its /proc/kallsyms"
done
exit 0
