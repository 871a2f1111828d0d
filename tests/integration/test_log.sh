#!/usr/bin/env bash
# log: the kernel log from the printk ring buffer against the guest's own
# dmesg at boot ($TRUTH/host/dmesg.txt, busybox dmesg): every line of it is
# in elscope's log, in order, with the same time stamp and text, and
# nothing comes before it (later lines may follow: the kernel went on
# logging). On linux (live), a dump of it and linux-el2. `log --tail 5` is
# the last 5 records of the log read in the same session, in text and JSON
# (seq, ts_nsec, level, text).
# shellcheck source-path=SCRIPTDIR
. "$(dirname "$0")/lib.sh"

# check OUT JSON DMESG WHAT: OUT is the text of `log --tail 5` then `log`
# in one session, JSON the same with --json.
check() {
    python3 - "$@" <<'EOF' || fail "$4: the log differs"
import json, sys
out = open(sys.argv[1], encoding="utf-8", errors="replace").read()
k = out.find("[    0.000000] Booting Linux")
assert k > 0, "no tail, or no first line of the boot: %r" % out[:300]
tail, full = out[:k], out[k:]
got = full.split("\n")
want = open(sys.argv[3], encoding="utf-8", errors="replace").read().split("\n")
if want and want[-1] == "":
    want.pop()
assert len(want) > 100, "dmesg.txt has only %d lines" % len(want)
for i, w in enumerate(want):
    assert i < len(got), "elscope's log ends after %d lines; dmesg.txt goes on with %r" % (i, w)
    assert got[i] == w, "line %d: elscope %r\n  dmesg.txt %r" % (i + 1, got[i], w)
assert full.endswith(tail) and tail.count("\n") >= 5, ("tail", tail, full[-500:])
recs, allrecs = [json.loads(l) for l in open(sys.argv[2])]
assert len(recs) == 5 and recs == allrecs[-5:], (recs, allrecs[-5:])
assert all(set(r) == {"seq", "ts_nsec", "level", "text"} for r in allrecs), allrecs[0]
assert all(0 <= r["level"] <= 7 for r in allrecs)
assert [r["seq"] for r in allrecs] == sorted(set(r["seq"] for r in allrecs))
def lines(r):
    ts = r["ts_nsec"]
    return "".join("[%5d.%06d] %s\n" % (ts // 10**9, ts % 10**9 // 1000, l)
                   for l in r["text"].split("\n"))
assert "".join(lines(r) for r in recs) == tail, ("json tail", recs, tail)
print("# %d lines of dmesg.txt, then %d more; %d records" % (len(want), len(got) - 1 - len(want), len(allrecs)), file=sys.stderr)
EOF
}

run_log() { # TARGET TRUTH WHAT
    run_elscope "$T/log" "$T/err" "$1" --vmlinux "$VMLINUX" -c 'log --tail 5' -c log ||
        fail "$3: log: $(tail -n 1 "$T/err")"
    run_elscope "$T/logj" "$T/err" "$1" --vmlinux "$VMLINUX" --json -c 'log --tail 5' -c log ||
        fail "$3: log --json: $(tail -n 1 "$T/err")"
    check "$T/log" "$T/logj" "$2/host/dmesg.txt" "$3"
    note "$3: the log has dmesg.txt; log --tail 5 is its end, in text and JSON"
}

lab_up linux
[ -f "${VMLINUX:-/nonexistent}" ] || fail "lab/lab up linux gave no VMLINUX"
LINUX_TRUTH=$TRUTH
run_log "$TARGET" "$TRUTH" linux
run_elscope "$T/st" "$T/err" "$TARGET" --vmlinux "$VMLINUX" --stats -c ps -c log ||
    fail "log --stats: $(tail -n 1 "$T/err")"
note "$(grep 'stats: log' "$T/err")"
if run_elscope "$T/bad" "$T/err" "$TARGET" --vmlinux "$VMLINUX" -c 'log --tail 0'; then
    fail "log --tail 0 was taken"
fi

# A dump of the same machine.
"$LAB" dump linux "$T/linux.core" >/dev/null || fail "lab/lab dump linux failed"
run_log "core:$T/linux.core" "$LINUX_TRUTH" "the dump of linux"
rm -f "$T/linux.core"

# linux-el2: the kernel at EL2 (VHE).
# shellcheck disable=SC2317 # called from the EXIT trap
el2_cleanup() {
    [ -n "${ELSCOPE_IT_KEEP_LAB:-}" ] || "$LAB" down linux-el2 >/dev/null 2>&1 || true
    it_cleanup
}
trap el2_cleanup EXIT
lab_up linux-el2
run_log "$TARGET" "$TRUTH" linux-el2
exit 0
