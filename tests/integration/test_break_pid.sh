#!/usr/bin/env bash
# Breakpoints filtered to one process, and halting in a process (issue 9,
# on the xen lab). Two new mtwork processes in domU, started with ASLR off,
# have libelswork.so at the same virtual address, so a breakpoint on
# elswork_step is hit by both. `break --vm 1 --pid B elswork_step` is placed
# from B's own maps (the address in B, in /usr/lib/libelswork.so); while B
# is stopped (SIGSTOP) for 3 s, A's calls are silent hits; the stop `wait`
# reports is in B: the stopped task's tgid (wait, ctx + ps -t, and the
# guest's /proc/TID/status) is B. Then the attach case: `sleep 4` started in
# domU runs on no CPU; `halt --vm 1 --pid P` returns when it next runs, with
# the CPU's current task P (halt, ctx). ASLR, /run/mtwork.ready and the
# processes are put back at the end.
# shellcheck source-path=SCRIPTDIR
. "$(dirname "$0")/lib.sh"

lab_up xen
G=(--xen "$XEN_SYMS" --guest "0=$VMLINUX" --guest "1=$VMLINUX" --sysroot "$SYSROOT")
dom1() { guest_exec xen:dom1 "$1"; }

# Two mtwork processes with ASLR off (the old setting back at once).
mtwork_pair xen:dom1 A B
dom1 "grep 'r-xp.*libelswork' /proc/$A/maps /proc/$B/maps" >"$T/maps" || fail "no maps of $A and $B"
note "$(cat "$T/maps")"
[ "$(awk '{print $1}' "$T/maps" | cut -d: -f2 | sort -u | wc -l)" = 1 ] ||
    fail "libelswork.so is not at the same address in $A and $B"

dom1 "kill -STOP $B" >/dev/null || fail "cannot stop $B"
(sleep 3; dom1 "kill -CONT $B" >/dev/null) &
BG_PIDS+=($!)
run_elscope "$T/b.json" "$T/e" "$TARGET" "${G[@]}" --json --stats \
    -c "break --vm 1 --pid $B elswork_step" -c cont -c 'wait --timeout 40' \
    -c ctx -c 'ps --vm 1 -t' -c break -c delete ||
    fail "break --vm 1 --pid $B / wait: $(tail -n 1 "$T/e")"
wait
grep 'stats: wait' "$T/e" >&2 || true
TID=$(PYTHONPATH="$IT_DIR" python3 - "$T/b.json" "$B" "$T/maps" <<'PYEOF'
import sys, jsondocs
d = jsondocs.docs(sys.argv[1])
pid = int(sys.argv[2])
bp, stop, ctx, ps, lst = d[0], d[2], d[3], d[4], d[5]
start = end = None
for line in open(sys.argv[3]):
    path, rest = line.split(":", 1)
    if path == "/proc/%d/maps" % pid:
        lo, hi = rest.split()[0].split("-")
        start, end = int(lo, 16), int(hi, 16)
addr = int(bp["address"], 16)
assert bp["pid"] == pid and bp["vm"] == 1, bp
assert bp["image"] == "/usr/lib/libelswork.so", bp
assert start <= addr < end, "0x%x outside %s's text 0x%x-0x%x" % (addr, pid, start, end)
assert stop["reason"] == "breakpoint" and stop["symbol"] == "elswork_step", stop
assert stop["tgid"] == pid, stop
c = next(c for c in ctx if c["cpu"] == stop["cpu"])
assert c["vm"] == 1 and c["el"] == 0, c
row = next(r for r in ps if r["pid"] == c["pid"])
assert row["tgid"] == pid, row
silent = lst[0]["silent_hits"]
assert silent > 0, "the other process never hit the breakpoint: the test proves nothing"
print("# stopped in %d (thread %d %s) after %d silent hits" % (pid, c["pid"], c["comm"], silent), file=sys.stderr)
print(c["pid"])
PYEOF
) || fail "break --pid stopped outside process $B, or filtered nothing"
dom1 "grep Tgid /proc/$TID/status" | grep -q "^Tgid:[[:space:]]*$B\$" ||
    fail "the guest says thread $TID is not in process $B"

# Attach: a process that runs on no CPU now.
P=$(dom1 'sleep 4 & echo $!' | tail -n 1)
[[ $P =~ ^[0-9]+$ ]] || fail "no pid of sleep ('$P')"
run_elscope "$T/h.json" "$T/e" "$TARGET" "${G[@]}" --json --stats \
    -c "halt --vm 1 --pid $P --timeout 30" -c ctx -c cont ||
    fail "halt --vm 1 --pid $P: $(tail -n 1 "$T/e")"
grep 'stats: halt' "$T/e" >&2 || true
PYTHONPATH="$IT_DIR" python3 - "$T/h.json" "$P" <<'PYEOF' || fail "halt --pid did not stop with the process on a CPU"
import sys, jsondocs
d = jsondocs.docs(sys.argv[1])
pid = int(sys.argv[2])
h, ctx = d[0], d[1]
assert h["state"] == "halted" and h["tgid"] == pid and h["pid"] == pid, h
assert h["comm"] == "sleep", h
c = next(c for c in ctx if c["cpu"] == h["cpu"])
assert c["vm"] == 1 and c["pid"] == pid, c
print("# halted as pid %d came onto CPU %d (%s, %s)" % (pid, h["cpu"], h["reason"], h["symbol"]), file=sys.stderr)
PYEOF
st=$(vm_status xen)
[ "$st" = running ] || fail "the machine is $st afterwards"
