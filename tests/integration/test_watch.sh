#!/usr/bin/env bash
# Watchpoints (issue 9, xen lab). Two new mtwork processes in domU, started
# with ASLR off, have libelswork.so's elswork_calls (a counter every worker
# thread increments) at the same virtual address. `watch --vm 1 --pid B
# elswork_calls 8` (a write watchpoint from B's own symbols) stops only in
# B: while B is stopped (SIGSTOP) for 3 s, A's writes are silent hits; the
# stop `wait` reports has the counter's address as its data address and a
# task of B (tgid) at a pc in libelswork.so. QEMU stops before the access:
# a second cont + wait stops again with the counter advanced (the first
# write done: cont stepped over it), not at once on the same write.
# Without --pid the same watchpoint stops in either process.
# shellcheck source-path=SCRIPTDIR
. "$(dirname "$0")/lib.sh"

lab_up xen
G=(--xen "$XEN_SYMS" --guest "0=$VMLINUX" --guest "1=$VMLINUX" --sysroot "$SYSROOT")
dom1() { guest_exec xen:dom1 "$1"; }

mtwork_pair xen:dom1 A B
dom1 "grep 'rw-p.*libelswork' /proc/$A/maps /proc/$B/maps" >"$T/maps" || fail "no maps of $A and $B"
note "$(cat "$T/maps")"
[ "$(awk '{print $1}' "$T/maps" | cut -d: -f2 | sort -u | wc -l)" = 1 ] ||
    fail "libelswork.so's data is not at the same address in $A and $B"

# The counter's address in B (from B's symbols), for x.
run_elscope "$T/a.json" "$T/e" "$TARGET" "${G[@]}" --json \
    -c "watch --vm 1 --pid $B elswork_calls 8" -c delete ||
    fail "watch --vm 1 --pid $B elswork_calls 8: $(tail -n 1 "$T/e")"
ADDR=$(python3 -c 'import json, sys; print(json.loads(open(sys.argv[1]).readline())["address"])' "$T/a.json") ||
    fail "no address in $(head -c 300 "$T/a.json")"

dom1 "kill -STOP $B" >/dev/null || fail "cannot stop $B"
(sleep 3; dom1 "kill -CONT $B" >/dev/null) &
BG_PIDS+=($!)
# x reads on the CPU that stopped (in B's context): the counter at each stop.
run_elscope "$T/w.json" "$T/e" "$TARGET" "${G[@]}" --json --stats \
    -c "watch --vm 1 --pid $B elswork_calls 8" -c cont -c 'wait --timeout 40' \
    -c "x $ADDR 8" -c cont -c 'wait --timeout 20' -c "x $ADDR 8" \
    -c watch -c delete ||
    fail "watch --pid $B / wait: $(tail -n 1 "$T/e")"
wait
grep 'stats: wait' "$T/e" >&2 || true
PYTHONPATH="$IT_DIR" python3 - "$T/w.json" "$B" "$T/maps" <<'PYEOF' || fail "the watchpoint did not stop in process $B with the counter's address, filtered nothing, or cont did not step over the write"
import sys, jsondocs
d = jsondocs.docs(sys.argv[1])
pid = int(sys.argv[2])
wp, s1, x1, s2, x2, lst = d[0], d[2], d[3], d[5], d[6], d[7]
start = end = None
for line in open(sys.argv[3]):
    path, rest = line.split(":", 1)
    if path == "/proc/%d/maps" % pid:
        lo, hi = rest.split()[0].split("-")
        start, end = int(lo, 16), int(hi, 16)
addr = int(wp["address"], 16)
assert wp["kind"] == "w" and wp["length"] == 8 and wp["pid"] == pid, wp
assert wp["image"] == "/usr/lib/libelswork.so" and wp["symbol"] == "elswork_calls", wp
assert start <= addr < end, "0x%x outside %d's library data 0x%x-0x%x" % (addr, pid, start, end)
for s in (s1, s2):
    assert s["reason"] == "watchpoint" and int(s["data_address"], 16) == addr, s
    assert s["tgid"] == pid and s["el"] == 0, s
    assert s["symbol"] and ("ldadd" in s["symbol"] or "elswork" in s["symbol"]), s
v1 = int.from_bytes(bytes.fromhex(x1["data"]), "little")
v2 = int.from_bytes(bytes.fromhex(x2["data"]), "little")
# Stopped before each write: the first one done by the second stop.
assert v2 > v1, "the counter did not move between two stops (%d, %d): cont did not step over the write" % (v1, v2)
silent = lst[0]["silent_hits"]
assert silent > 0, "the other process never wrote the counter: the test proves nothing"
print("# stopped in %d at %s (%s), data 0x%x; counter %d then %d; %d silent hits" % (pid, s1["pc"], s1["symbol"], addr, v1, v2, silent), file=sys.stderr)
PYEOF

# Without --pid: a stop in either process, at the same data address.
run_elscope "$T/u.json" "$T/e" "$TARGET" "${G[@]}" --json \
    -c "watch --vm 1 $ADDR 8" -c cont -c 'wait --timeout 20' -c delete ||
    fail "watch --vm 1 $ADDR 8: $(tail -n 1 "$T/e")"
PYTHONPATH="$IT_DIR" python3 - "$T/u.json" "$A" "$B" "$ADDR" <<'PYEOF' || fail "the unfiltered watchpoint did not stop at the counter"
import sys, jsondocs
d = jsondocs.docs(sys.argv[1])
s = d[2]
assert s["reason"] == "watchpoint" and int(s["data_address"], 16) == int(sys.argv[4], 16), s
print("# unfiltered: stopped on CPU %d at %s" % (s["cpu"], s["pc"]), file=sys.stderr)
PYEOF
st=$(vm_status xen)
[ "$st" = running ] || fail "the machine is $st afterwards"
