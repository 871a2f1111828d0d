#!/usr/bin/env bash
# ps against the target itself, on linux and linux-el2 (live) and on a dump
# of linux: every task of the boot truth $TRUTH/host/ps.tsv (from
# /proc/PID/task/TID/stat) is in `ps -t --json` with the same pid, tgid,
# ppid, state and comm. The workload (init, mtwork and its threads
# mtwork-w0..w3, mapper) must match the boot truth exactly (but a worker
# caught computing between its sleeps is R, not S). The others may
# have changed since boot: they are compared against `truth ps` read from
# /proc just before elscope looks. What is left out, and why:
#  - kworkers' comm: /proc appends the workqueue they run ("-events"),
#    task_struct.comm has the name only; their state changes all the time.
#    Kernel threads' names longer than 15 characters: /proc gives the full
#    name (kthread's full_name), comm its first 15 characters.
#  - the shell and anything whose state changed between boot and now (boot
#    truth vs the fresh /proc read): the state is compared only for tasks
#    whose two /proc reads agree.
#  - tasks that have exited since boot (not in the fresh read).
# Then: while `busy` spins, ps marks it current on a CPU; and ps on copies of
# the dump with the task list broken (a loop to the task itself, a loop to
# an earlier task, a pointer to unmapped memory) ends within seconds with
# the tasks before the break, one stderr line and a nonzero exit.
# shellcheck source-path=SCRIPTDIR
. "$(dirname "$0")/lib.sh"

# shellcheck disable=SC2317 # called from the EXIT trap
cleanup() {
    "$LAB" exec linux 'busy stop' >/dev/null 2>&1 || true
    [ -n "${ELSCOPE_IT_KEEP_LAB:-}" ] || "$LAB" down linux-el2 >/dev/null 2>&1 || true
    it_cleanup
}
trap cleanup EXIT

# compare WHAT PSJSON FRESH: elscope's ps -t --json against the boot truth
# and a fresh `truth ps`.
compare() {
    local out
    out=$(python3 - "$TRUTH/host/ps.tsv" "$3" "$2" <<'EOF'
import json, sys

def tsv(path):
    rows = {}
    lines = open(path).read().splitlines()
    for l in lines[1:]:
        pid, tgid, ppid, state, comm = l.split("\t")
        rows[int(pid)] = dict(tgid=int(tgid), ppid=int(ppid), state=state,
                              comm=comm)
    return rows

boot, fresh = tsv(sys.argv[1]), tsv(sys.argv[2])
els = {t["pid"]: t for t in json.load(open(sys.argv[3])) if t["pid"] > 0}
workload = ("init", "mtwork", "mapper")
bad, checked, exact = [], 0, 0
for pid, b in sorted(boot.items()):
    e = els.get(pid)
    is_work = b["comm"] in workload or b["comm"].startswith("mtwork-w")
    if is_work:
        exact += 1
        if not e:
            bad.append("workload pid %d (%s) missing" % (pid, b["comm"]))
            continue
        for k in ("tgid", "ppid", "state", "comm"):
            # A worker computes between its sleeps: caught running, it is R.
            if (k == "state" and e[k] == "R"
                    and b["comm"].startswith("mtwork-w")):
                continue
            if e[k] != b[k]:
                bad.append("pid %d %s: elscope %r, boot truth %r"
                           % (pid, k, e[k], b[k]))
        continue
    f = fresh.get(pid)
    if not f or f["comm"] != b["comm"] and not b["comm"].startswith("kworker/"):
        continue  # exited (and maybe the pid reused) since boot
    if not e:
        bad.append("pid %d (%s) missing" % (pid, b["comm"]))
        continue
    checked += 1
    comm = f["comm"]
    if comm.startswith("kworker/"):
        comm = comm.split("-")[0]
    comm = comm[:15]  # /proc gives kthreads' full names, comm holds 15
    if e["comm"] != comm:
        bad.append("pid %d comm: elscope %r, /proc %r" % (pid, e["comm"], comm))
    for k in ("tgid", "ppid"):
        if e[k] != f[k]:
            bad.append("pid %d %s: elscope %r, /proc %r" % (pid, k, e[k], f[k]))
    if (not comm.startswith("kworker/") and comm != "sh"
            and b["state"] == f["state"] and e["state"] != f["state"]):
        bad.append("pid %d (%s) state: elscope %s, /proc %s (boot and now)"
                   % (pid, comm, e["state"], f["state"]))
if bad:
    sys.exit("; ".join(bad[:8]))
print("%d workload tasks exact, %d others agree with /proc" % (exact, checked))
EOF
    ) || fail "$1: $out"
    note "$1: $out"
}

live_check() { # live_check SCENARIO
    "$LAB" exec "$1" 'truth ps' >"$T/fresh.tsv" 2>&1 || fail "$1: truth ps: $(head -n 1 "$T/fresh.tsv")"
    run_elscope "$T/ps.json" "$T/e" "$TARGET" --vmlinux "$VMLINUX" --json -c 'ps -t' ||
        fail "$1: ps -t: $(head -n 1 "$T/e")"
    compare "$1 live" "$T/ps.json" "$T/fresh.tsv"
}

lab_up linux-el2
live_check linux-el2
lab_up linux
live_check linux

# A dump of linux.
"$LAB" exec linux 'truth ps' >"$T/fresh.tsv" 2>&1 || fail "truth ps: $(head -n 1 "$T/fresh.tsv")"
"$LAB" dump linux "$T/linux.core" >"$T/dump.log" 2>&1 || fail "lab dump: $(tail -n 1 "$T/dump.log")"
CORE="core:$T/linux.core"
run_elscope "$T/ps.json" "$T/e" "$CORE" --vmlinux "$VMLINUX" --json -c 'ps -t' ||
    fail "dump: ps -t: $(head -n 1 "$T/e")"
compare "linux dump" "$T/ps.json" "$T/fresh.tsv"

# busy: ps marks it current on a CPU (at EL0 or in the kernel for it).
"$LAB" exec linux 'busy start' >"$T/busy" 2>&1 || fail "cannot start busy: $(head -n 1 "$T/busy")"
busy=$(tr -dc 0-9 <"$T/busy")
[ -n "$busy" ] || fail "busy start printed no pid"
on=""
for _ in $(seq 20); do
    run_elscope "$T/o" "$T/e" "$TARGET" --vmlinux "$VMLINUX" --json -c ps || fail "ps: $(head -n 1 "$T/e")"
    on=$(python3 -c '
import json, sys
for t in json.load(open(sys.argv[1])):
    if t["pid"] == int(sys.argv[2]) and t["current_on"] is not None:
        print(t["current_on"])' "$T/o" "$busy")
    [ -z "$on" ] || break
    sleep 0.2
done
[ -n "$on" ] || fail "in 20 halts ps never marked busy (pid $busy) current on a CPU"
note "ps marks busy (pid $busy) current on CPU $on"
"$LAB" exec linux 'busy stop' >/dev/null 2>&1 || true

# Broken task lists on a copy of the dump. The physical address of a
# task's tasks.next comes from elscope's vtop on the dump; the file offset
# from the core's program headers.
probe=""
for p in "$REPO/build/tests/types_probe" "$(dirname "$ELSCOPE")/tests/types_probe"; do
    [ -x "$p" ] && probe=$p
done
[ -n "$probe" ] || fail "no types_probe binary next to elscope (meson builds it in build/tests)"
off=$("$probe" "$VMLINUX" task_struct.tasks.next 2>/dev/null | sed -n 's/.* offset=\([0-9]*\) .*/\1/p')
[ -n "$off" ] || fail "types_probe gave no offset of task_struct.tasks"
task_of() { # task_of COMM: the task_struct address of COMM in $T/ps.json
    python3 -c '
import json, sys
print(next(t["task"] for t in json.load(open(sys.argv[1])) if t["comm"] == sys.argv[2]))' "$T/ps.json" "$1"
}
mapper=$(task_of mapper)
kthreadd=$(task_of kthreadd)
next_va=$(printf '0x%x' $((mapper + off)))
# task_structs are in the linear map: PA = VA - PAGE_OFFSET + PHYS_OFFSET,
# both from the dump's VMCOREINFO (vtop needs a CPU's SCTLR, which a dump
# does not show).
pa=$(PYTHONPATH="$REPO/lab" python3 - "$T/linux.core" "$next_va" <<'EOF'
import sys
from corefile import vmcoreinfo
with open(sys.argv[1], "rb") as f:
    info = vmcoreinfo(f)
phys_offset = int(info["NUMBER(PHYS_OFFSET)"], 16) % 2**64
va_bits = int(info["NUMBER(VA_BITS)"], 10)
va = int(sys.argv[2], 16)
print("0x%x" % ((va - (2**64 - 2**va_bits) + phys_offset) % 2**64))
EOF
) || fail "no physical address for $next_va from the dump's VMCOREINFO"
note "mapper's tasks.next at $next_va, physical $pa"
cp "$T/linux.core" "$T/bad.core"
patch_core() { # patch_core VALUE: mapper's tasks.next := VALUE in bad.core
    python3 "$REPO/lab/corefile.py" poke "$T/bad.core" "$pa" "$1"
}
broken() { # broken WHAT VALUE
    local what=$1 status=0 start end
    patch_core "$2" || fail "$what: cannot patch the dump copy"
    start=$(date +%s)
    timeout -k 2 20 "$ELSCOPE" "core:$T/bad.core" --vmlinux "$VMLINUX" -c 'ps -t' >"$T/bo" 2>"$T/be" || status=$?
    end=$(date +%s)
    [ "$status" -ne 124 ] && [ "$status" -ne 137 ] || fail "$what: ps did not end within 20 s"
    [ "$status" -ne 0 ] || fail "$what: ps exited 0 (stderr: $(head -n 1 "$T/be"))"
    [ "$status" -lt 128 ] || fail "$what: ps died of signal $((status - 128))"
    [ "$(wc -l <"$T/be")" -eq 1 ] || fail "$what: stderr has $(wc -l <"$T/be") lines: $(head -n 3 "$T/be")"
    grep -q '^elscope: ps: ' "$T/be" || fail "$what: stderr: $(cat "$T/be")"
    grep -q ' mapper ' "$T/bo" || fail "$what: the tasks before the break were not printed"
    note "$what: exit $status in $((end - start)) s, $(($(wc -l <"$T/bo") - 1)) tasks, stderr: $(cat "$T/be")"
}
broken "tasks.next to itself" "$next_va"
broken "tasks.next to an earlier task" "$(printf '0x%x' $((kthreadd + off)))"
broken "tasks.next to unmapped memory" 0xffff7fffdead0000
[ -n "${ELSCOPE_IT_KEEP_LAB:-}" ] || "$LAB" down linux-el2 >/dev/null 2>&1 || true
exit 0
