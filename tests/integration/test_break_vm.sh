#!/usr/bin/env bash
# A breakpoint filtered to one VM (issue 9's first part, on the xen lab):
# both guests run the same kernel at the same addresses (no KASLR under
# Xen), so a breakpoint on vfs_read is hit by dom0 and domU alike. With
# `break --vm 1 vfs_read`, while dom0 reads a file in a loop (the shell's
# read builtin: read(2); busybox cat uses sendfile, which does not), every stop
# `wait` reports is in VM 1 (ctx: the CPU runs a vCPU of domain 1 at EL1)
# and dom0's hits are counted as silent hits and resumed; `--vm 0` stops in
# dom0. The target runs afterwards.
# shellcheck source-path=SCRIPTDIR
. "$(dirname "$0")/lib.sh"

# shellcheck disable=SC2317 # called from the EXIT trap
cleanup() {
    "$LAB" exec xen:dom0 'kill $(cat /tmp/reader.pid) 2>/dev/null; rm -f /tmp/reader.pid' >/dev/null 2>&1 || true
    it_cleanup
}
trap cleanup EXIT

lab_up xen
G=(--xen "$XEN_SYMS" --guest "0=$VMLINUX" --guest "1=$VMLINUX")
"$LAB" exec xen:dom0 'while true; do read x </proc/version; usleep 2000; done & echo $! >/tmp/reader.pid' >/dev/null ||
    fail "cannot start the reader loop in dom0"

# domU reads a file a little later, while elscope waits.
(sleep 3; "$LAB" exec xen:dom1 'cat /proc/version' >/dev/null 2>&1) &
BG_PIDS+=($!)
run_elscope "$T/b.json" "$T/e" "$TARGET" "${G[@]}" --json -c 'break --vm 1 vfs_read' \
    -c cont -c 'wait --timeout 40' -c ctx -c break -c delete ||
    fail "break --vm 1 / wait: $(tail -n 1 "$T/e")"
PYTHONPATH="$IT_DIR" python3 - "$T/b.json" <<'PYEOF' || fail "the filtered breakpoint stopped outside VM 1, or filtered nothing"
import sys, jsondocs
d = jsondocs.docs(sys.argv[1])
bp, stop, ctx, lst = d[0], d[2], d[3], d[4]
assert bp["vm"] == 1, bp
assert stop["reason"] == "breakpoint" and stop["symbol"] == "vfs_read", stop
c = next(c for c in ctx if c["cpu"] == stop["cpu"])
assert c["vm"] == 1 and c["in"] == "guest" and c["el"] == 1, c
silent = lst[0]["silent_hits"]
assert silent > 0, "dom0's reads never hit the breakpoint: the test proves nothing"
print("# stopped in VM 1 (CPU %d, pid %s %s) after %d silent hits in dom0" % (stop["cpu"], c["pid"], c["comm"], silent), file=sys.stderr)
PYEOF
wait

run_elscope "$T/c.json" "$T/e" "$TARGET" "${G[@]}" --json -c 'break --vm 0 vfs_read' \
    -c cont -c 'wait --timeout 20' -c ctx -c delete ||
    fail "break --vm 0 / wait: $(tail -n 1 "$T/e")"
PYTHONPATH="$IT_DIR" python3 - "$T/c.json" <<'PYEOF' || fail "break --vm 0 did not stop in dom0"
import sys, jsondocs
d = jsondocs.docs(sys.argv[1])
stop, ctx = d[2], d[3]
c = next(c for c in ctx if c["cpu"] == stop["cpu"])
assert c["vm"] == 0 and c["in"] == "guest", c
print("# --vm 0: stopped in dom0 (pid %s %s)" % (c["pid"], c["comm"]), file=sys.stderr)
PYEOF
st=$("$LAB" qmp xen query-status | python3 -c 'import json, sys; print(json.load(sys.stdin)["status"])')
[ "$st" = running ] || fail "the machine is $st afterwards"
