#!/usr/bin/env bash
# The sampling profiler on the xen lab, with both guests running their busy
# loop: `profile --seconds 5 --by vm --out profile.csv` must split the
# machine between dom0, domU and Xen as Xen's own runstate accounting does
# over the same interval (the profile reads every vCPU's runstate times at
# its first and last halt): each share within 5 percentage points. Also:
# the CSV holds the same shares; a busy loop of each guest is its top task;
# busy_spin (the workload's user-space loop, named from --sysroot) is the
# top function; folded stacks name VM;task;function; a wrong --by is a
# usage error; the target runs afterwards. Then `trace --seconds 5 --out
# timeline.html` (Xen's trace buffers plus samples): headless Chromium
# draws a lane per pCPU with both VMs and the busy tasks of both, and the
# report carries the profile.
# shellcheck source-path=SCRIPTDIR
. "$(dirname "$0")/lib.sh"

lab_up xen
G=(--xen "$XEN_SYMS" --guest "0=$VMLINUX" --guest "1=$VMLINUX" --sysroot "$SYSROOT")
busy_start xen:dom0 b0
busy_start xen:dom1 b1

run_elscope "$T/p.json" "$T/e" "$TARGET" "${G[@]}" --json \
    -c "profile --seconds 5 --by vm --out $T/profile.csv" ||
    fail "profile: $(head -n 1 "$T/e")"
python3 - "$T/p.json" "$T/profile.csv" <<'EOF' || fail "the profile's split differs from Xen's runstate accounting"
import csv, json, sys
p = json.load(open(sys.argv[1]))
assert p["samples"] > 1000 and p["cpus"] == 2, p
vm = {r["key"]: r["share"] for r in p["by"]["vm"]}
xen = p["xen_runstate"]
assert set(vm) <= {"Domain-0", "d1", "xen (idle)"}, vm
rows = {r["key"]: float(r["share"]) for r in csv.DictReader(open(sys.argv[2])) if r["by"] == "vm"}
assert rows.keys() == vm.keys() and all(abs(rows[k] - vm[k]) < 1e-6 for k in vm), (rows, vm)
worst = 0
for k in ("Domain-0", "d1", "xen (idle)"):
    d = abs(vm.get(k, 0) - xen.get(k, 0))
    worst = max(worst, d)
    assert d < 0.05, "%s: profile %.1f%%, Xen %.1f%%" % (k, 100 * vm.get(k, 0), 100 * xen.get(k, 0))
assert vm["Domain-0"] > 0.2 and vm["d1"] > 0.2, vm
print("# %d samples at %.0f rounds/s, halted %.0f%% of %.1f s; profile %s; Xen %s; worst difference %.1f points" % (
    p["samples"], p["rate"], 100 * p["halted_seconds"] / p["seconds"], p["seconds"],
    ", ".join("%s %.1f%%" % (k, 100 * v) for k, v in sorted(vm.items())),
    ", ".join("%s %.1f%%" % (k, 100 * v) for k, v in sorted(xen.items())), 100 * worst), file=sys.stderr)
EOF

# Tasks and functions, folded stacks.
run_elscope "$T/q.json" "$T/e" "$TARGET" "${G[@]}" --json \
    -c "profile --seconds 2 --by pid,func,el --out $T/p.folded" ||
    fail "profile --by pid,func,el: $(head -n 1 "$T/e")"
python3 - "$T/q.json" "$T/p.folded" "$b0" "$b1" <<'EOF' || fail "tasks, functions or folded stacks are wrong"
import json, sys
p = json.load(open(sys.argv[1]))
pid = [r["key"] for r in p["by"]["pid"]]
want = {"Domain-0: busy (%s)" % sys.argv[3], "d1: busy (%s)" % sys.argv[4]}
assert want <= set(pid[:3]), (pid[:5], want)
assert p["by"]["func"][0]["key"] == "busy_spin", p["by"]["func"][:3]
els = {r["key"] for r in p["by"]["el"]}
assert els <= {"hypervisor", "kernel", "user", "idle"} and "user" in els, els
n = 0
for line in open(sys.argv[2]):
    stack, count = line.rsplit(" ", 1)
    assert len(stack.split(";")) == 3 and int(count) > 0, line
    n += int(count)
assert n == p["samples"], (n, p["samples"])
print("# top tasks %s; top function %s; %d samples in the folded stacks" % (pid[:2], p["by"]["func"][0]["key"], n), file=sys.stderr)
EOF

run_elscope "$T/tr" "$T/e" "$TARGET" "${G[@]}" -c "trace --seconds 5 --out $T/timeline.html" ||
    fail "trace --out timeline.html: $(tail -n 1 "$T/e")"
grep -q '^samples: ' "$T/tr" || fail "trace took no samples: $(tail -n 3 "$T/tr")"
command -v chromium >/dev/null || fail "chromium is not installed (scripts/setup-deps)"
timeout 120 chromium --headless=new --no-sandbox --disable-gpu --user-data-dir="$T/chrome" \
    --window-size=1400,1000 --dump-dom "file://$T/timeline.html" >"$T/dom.html" 2>"$T/chrome.log" ||
    fail "chromium --dump-dom: $(tail -n 1 "$T/chrome.log")"
python3 - "$T/dom.html" "$b0" "$b1" <<'EOF2' || fail "the timeline's lanes or labels are not drawn as they should"
import re, sys, html
dom = open(sys.argv[1]).read()
body = re.search(r"<body([^>]*)>", dom).group(1)
attr = {k: html.unescape(v) for k, v in re.findall(r'data-([a-z]+)="([^"]*)"', body)}
assert attr.get("lanes") == "2", attr.get("lanes")
labels = attr["labels"].split(",")
assert {"pCPU 0", "pCPU 1", "Domain-0", "d1"} <= set(labels), labels
owners = attr["owners"].split(",")
for pid in sys.argv[2:]:
    assert "busy (%s)" % pid in owners, (pid, owners[:20])
assert "busy_spin" in dom, "no profile (busy_spin) in the report"
print("# timeline.html: lanes %s, labels %s; busy tasks of both VMs drawn" % (attr["lanes"], labels), file=sys.stderr)
EOF2
timeout 120 chromium --headless=new --no-sandbox --disable-gpu --user-data-dir="$T/chrome" \
    --window-size=1400,1000 --screenshot="$T/timeline.png" "file://$T/timeline.html" >/dev/null 2>&1 ||
    fail "chromium --screenshot failed"
[ "$(stat -c %s "$T/timeline.png")" -gt 20000 ] || fail "the screenshot is nearly empty"

if run_elscope "$T/o" "$T/e" "$TARGET" "${G[@]}" -c 'profile --by cpu'; then
    fail "profile --by cpu was taken"
fi
grep -q "is not one of vm, vcpu, pid, func, el" "$T/e" || fail "wrong usage error: $(cat "$T/e")"
st=$("$LAB" qmp xen query-status | python3 -c 'import json, sys; print(json.load(sys.stdin)["status"])')
[ "$st" = running ] || fail "the machine is $st after profiling"
