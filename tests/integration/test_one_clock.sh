#!/usr/bin/env bash
# One clock for every source, checked by the machine against itself on the
# xen lab: a guest's kernel records a sched_switch only while one of its
# vCPUs runs, so every sched_switch of domU's ftrace ring (sched_clock ns,
# put on the counter through the kernel's `cd` and the domain's
# CNTVOFF_EL2) must fall inside a span in which Xen's own trace (the
# physical counter) has a vCPU of domU running on some pCPU. Also: each
# CPU that runs or serves a VM holds that VM's CNTVOFF_EL2 as `vm` reads it
# from Xen's domain. domU is left mostly idle (no busy loop), so that it
# runs a small part of the time and the check can fail: the same switches
# moved by 1 ms must mostly miss. Seen: 97.8-100% inside (a few switches
# lie more than 50 us outside Xen's spans; not explained yet), 12-24% when
# moved by 1 ms; the test asks 95% and less than 50%.
# shellcheck source-path=SCRIPTDIR
. "$(dirname "$0")/lib.sh"

lab_up xen
G=(--xen "$XEN_SYMS" --guest "0=$VMLINUX" --guest "1=$VMLINUX")
"$LAB" exec xen:dom0 'busy stop' >/dev/null 2>&1 || true
"$LAB" exec xen:dom1 'busy stop' >/dev/null 2>&1 || true

# CNTVOFF_EL2 of the CPUs serving a VM = the domain's (a few halts).
for _ in 1 2 3 4 5; do
    run_elscope "$T/h" "$T/e" "$TARGET" "${G[@]}" --json -c halt -c vm -c ctx \
        -c 'regs --cpu 0 CNTVOFF_EL2' -c 'regs --cpu 1 CNTVOFF_EL2' -c cont ||
        fail "halt/vm/ctx/regs: $(head -n 1 "$T/e")"
    PYTHONPATH="$IT_DIR" python3 - "$T/h" <<'EOF' || fail "a CPU serving a VM holds another CNTVOFF_EL2 than the domain's"
import sys, jsondocs
d = jsondocs.docs(sys.argv[1])
off = {v["id"]: int(v["cntvoff"], 16) for v in d[1]}
assert len(set(off.values())) == len(off), off
for c in d[2]:
    # In the guest only: at EL2 Xen may be between two vCPUs (curr_vcpu
    # already the next one, its timer not yet loaded).
    if isinstance(c["vm"], int) and c["in"] == "guest":
        got = int(d[3 + c["cpu"]]["CNTVOFF_EL2"], 16)
        assert got == off[c["vm"]], (c["cpu"], c["vm"], hex(got), off)
EOF
done

run_elscope "$T/tr.json" "$T/e" "$TARGET" "${G[@]}" --json \
    -c "trace --seconds 3 --rate 0 --out $T/xen.csv" -c "ftrace --vm 1 --out $T/ftrace.csv" ||
    fail "trace/ftrace: $(tail -n 1 "$T/e")"
grep -q 'CNTVOFF_EL2' "$T/tr.json" || fail "ftrace --vm 1 did not put its times on the counter: $(cat "$T/e")"
PYTHONPATH="$IT_DIR" python3 - "$T/tr.json" "$T/xen.csv" "$T/ftrace.csv" <<'EOF' || fail "domU's switches are not where Xen ran domU"
import bisect, csv, sys, jsondocs
tr, ft = jsondocs.docs(sys.argv[1])
assert tr["freq"] == ft["freq"] == 62500000, (tr["freq"], ft["freq"])
f = tr["freq"]
def rows(path, t0):
    for r in csv.DictReader(open(path)):
        yield r, t0 + round(float(r["time_s"]) * f), round(float(r["dur_s"]) * f)
# Xen: when a vCPU of VM 1 runs, on any pCPU.
spans = sorted((a, a + d) for r, a, d in rows(sys.argv[2], tr["t0"])
               if r["kind"] == "run" and r["vm"] == "1")
assert spans, "no run of VM 1 in Xen's trace"
starts = [s for s, _ in spans]
def inside(t, slack=3125):  # 50 us: Xen notes a switch a little before or after it happens
    i = bisect.bisect_right(starts, t + slack) - 1
    while i >= 0 and spans[i][0] > t - 200000:
        if spans[i][0] - slack <= t <= spans[i][1] + slack:
            return True
        i -= 1
    return False
# domU's sched_switches: the starts of its run spans, inside Xen's trace.
sw = [a for r, a, d in rows(sys.argv[3], ft["t0"]) if r["kind"] == "run"]
# Away from the ends: a pCPU's first span starts at its first record.
lo, hi = tr["t0"] + f // 50, tr["t1"] - f // 50
cand = [t for t in sw if lo <= t <= hi]
assert len(cand) >= 100, "only %d of domU's %d switches lie in Xen's trace [%d, %d] (ftrace %d..%d)" % (
    len(cand), len(sw), lo, hi, min(sw), max(sw))
ok = sum(inside(t) for t in cand)
run = sum(b - a for a, b in spans) / (hi - lo)
moved = {ms: sum(inside(t + ms * f // 1000) for t in cand) for ms in (-1, 1)}
print("# %d of %d domU switches in Xen's %.1f s fall where Xen ran domU (ftrace: sched_clock + cd + CNTVOFF_EL2; Xen: CNTPCT); domU ran %.0f%% of a pCPU; moved by -1/+1 ms: %d, %d" % (
    ok, len(cand), (hi - lo) / f, 100 * run, moved[-1], moved[1]), file=sys.stderr)
assert ok >= 0.95 * len(cand), "only %d of %d" % (ok, len(cand))
assert max(moved.values()) < 0.5 * len(cand), ("the check cannot fail: domU runs too much", moved)
EOF
