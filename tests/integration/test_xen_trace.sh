#!/usr/bin/env bash
# trace: Xen's scheduler timeline from its trace buffers read in memory
# (issue 8), on the xen lab with `busy` running in dom0 and domU 1.
#
# 1) One session: vcpu, trace --seconds 3 --rate 0 --out T.csv, vcpu
#    (--json; --rate 0: Xen's records only, no samples between drains). The
#    target stays halted between the commands (trace halts it again at its
#    end, as vcpu had), so Xen's runstate accounting of the two vcpu
#    readings covers the interval the trace covers. Per VM, the running and
#    the runnable-waiting time of the trace agree with the difference of
#    Xen's runstate_ns within 3% of the interval; both VMs get more than 10%
#    of a pCPU; no records lost; each pCPU's run spans cover the interval;
#    the CSV has every event the summary counts.
# 2) Tracing off (tb_init_done written 0 through gdb): trace turns it on and
#    says so on stderr, and still gets records.
# 3) Ctrl-C (SIGINT) during trace --seconds 60: the file is still written,
#    elscope exits 130 and the machine runs afterwards.
# shellcheck source-path=SCRIPTDIR
. "$(dirname "$0")/lib.sh"

lab_up xen
[ -f "${XEN_SYMS:-/nonexistent}" ] || fail "lab/lab up xen gave no XEN_SYMS"

for d in dom0 dom1; do
    busy_start "xen:$d" pid
    note "busy in $d: $pid"
done
sleep 1

# 1) Agreement with Xen's own accounting.
run_elscope "$T/out.json" "$T/err" "$TARGET" --xen "$XEN_SYMS" --json \
    -c vcpu -c "trace --seconds 3 --rate 0 --out $T/T.csv" -c vcpu ||
    fail "vcpu/trace/vcpu failed: $(tail -n 1 "$T/err")"
cat "$T/err" >&2
[ "$(vm_status xen)" = running ] || fail "the machine is not running after trace"
python3 - "$T/out.json" "$T/T.csv" <<'EOF' || fail "trace does not agree with Xen's runstate accounting (above)"
import csv, json, sys

text = open(sys.argv[1]).read()
dec, docs, i = json.JSONDecoder(), [], 0
while i < len(text):
    while i < len(text) and text[i].isspace():
        i += 1
    if i < len(text):
        doc, i = dec.raw_decode(text, i)
        docs.append(doc)
if len(docs) != 3:
    sys.exit(f"want 3 JSON documents (vcpu, trace, vcpu), got {len(docs)}")
before, tr, after = docs
bad = []
secs = tr["seconds"]
print(f"trace: {secs:.3f} s, {tr['records']} records ({tr['sched_records']} "
      f"scheduler), {tr['lost']} lost, {tr['events']} events, freq {tr['freq']} "
      f"({tr['freq_source']}), halted {tr['halted_s']:.3f} s")
if not 2.5 <= secs <= 3.5:
    bad.append(f"the trace covers {secs:.3f} s, not about 3")
if tr["lost"]:
    bad.append(f"{tr['lost']} records lost")
if tr["sched_records"] < 100:
    bad.append(f"only {tr['sched_records']} scheduler records")

def runstate(doc, key):
    r = {}
    for v in doc:
        r[v["vm"]] = r.get(v["vm"], 0) + v["runstate_ns"][key]
    return r

vms = {v["vm"]: v for v in tr["vms"] if v["vm"] is not None}
for vm in (0, 1):
    if vm not in vms:
        bad.append(f"VM {vm} not in the trace")
        continue
    share = vms[vm]["pcpu_share"]
    print(f"VM {vm}: {share:.2f} of a pCPU")
    if share <= 0.10:
        bad.append(f"VM {vm} ran only {share:.3f} of a pCPU with busy in it")
    for key, mine in (("running", "running_ns"), ("runnable", "waiting_ns")):
        xen = (runstate(after, key)[vm] - runstate(before, key)[vm]) / 1e9
        got = vms[vm][mine] / 1e9
        diff = (got - xen) / secs
        print(f"  {key:9} xen {xen:.4f} s, trace {got:.4f} s: "
              f"{100 * diff:+.2f}% of the interval")
        if abs(diff) > 0.03:
            bad.append(f"VM {vm} {key}: trace {got:.4f} s, Xen {xen:.4f} s")

# Each pCPU's shares (VMs and idle) cover the interval.
for p in tr["pcpus"]:
    cover = sum(s["share"] for s in p["shares"])
    if not 0.97 <= cover <= 1.0001:
        bad.append(f"pCPU {p['pcpu']}'s run spans cover {cover:.4f} of the interval")

rows = list(csv.DictReader(open(sys.argv[2])))
kinds = {}
for r in rows:
    kinds[r["kind"]] = kinds.get(r["kind"], 0) + 1
print(f"CSV: {len(rows)} rows {kinds}")
if len(rows) != tr["events"]:
    bad.append(f"CSV has {len(rows)} rows, the trace {tr['events']} events")
for k in ("run", "wait", "wake"):
    if not kinds.get(k):
        bad.append(f"no {k} events in the CSV")
run_s = {}
for r in rows:
    if r["kind"] == "run" and r["vm"] != "":
        run_s[int(r["vm"])] = run_s.get(int(r["vm"]), 0) + float(r["dur_s"])
for vm in (0, 1):
    want = vms.get(vm, {}).get("running_ns", 0) / 1e9
    if abs(run_s.get(vm, 0) - want) > 0.001:
        bad.append(f"CSV run time of VM {vm} {run_s.get(vm, 0):.4f} s != summary {want:.4f} s")
if bad:
    sys.exit("\n".join(bad))
EOF

# 2) Tracing off: trace turns it on.
tb=$(timeout -k 5 60 "$ELSCOPE" "$TARGET" --xen "$XEN_SYMS" -c 'sym tb_init_done' |
    sed -n 's/^\(0x[0-9a-f]*\) <tb_init_done>.*/\1/p')
[ -n "$tb" ] || fail "sym tb_init_done gave no address"
pa=$(timeout -k 5 60 "$ELSCOPE" "$TARGET" --xen "$XEN_SYMS" --json -c "vtop --cpu 0 --regime el2 $tb" |
    python3 -c 'import json, sys; print(json.load(sys.stdin)["pa"])') ||
    fail "vtop of tb_init_done ($tb) through Xen's EL2 tables failed"
note "tb_init_done at $tb, physical $pa"
gdb_session "$T/gdb-off.log" 'maint packet Qqemu.PhyMemMode:1' "set var *(int *)$pa = 0" \
    "output *(int *)$pa" 'echo \n'
run_elscope "$T/out2" "$T/err2" "$TARGET" --xen "$XEN_SYMS" -c 'trace --seconds 1' ||
    fail "trace with tracing off failed: $(tail -n 1 "$T/err2")"
cat "$T/err2" >&2
grep -q "tracing was off (tb_init_done 0): turned it on" "$T/err2" ||
    fail "trace did not say it turned Xen's tracing on"
grep -q '^pCPU 1:.*d1\|^pCPU 0:.*d1' "$T/out2" || fail "no d1 time in the text summary: $(head -n 3 "$T/out2")"
v=$(timeout -k 5 60 "$ELSCOPE" "$TARGET" --xen "$XEN_SYMS" -c "x --phys $pa 4" | awk '{print $2}')
[ "$v" = 01 ] || fail "tb_init_done is $v after trace, not 1"

# 3) Ctrl-C: the file is still written, the machine runs.
"$ELSCOPE" "$TARGET" --xen "$XEN_SYMS" -c "trace --seconds 60 --out $T/int.csv" \
    >"$T/out3" 2>"$T/err3" &
epid=$!
BG_PIDS+=("$epid")
sleep 2
kill -INT "$epid"
st=0
wait "$epid" || st=$?
cat "$T/err3" >&2
[ "$st" = 130 ] || fail "elscope exited $st after SIGINT, not 130"
grep -q "interrupted" "$T/err3" || fail "trace did not say it was interrupted"
[ -s "$T/int.csv" ] && [ "$(wc -l <"$T/int.csv")" -gt 10 ] ||
    fail "no CSV after Ctrl-C"
[ "$(vm_status xen)" = running ] || fail "the machine is not running after Ctrl-C"
note "Ctrl-C after 2 s: $(($(wc -l <"$T/int.csv") - 1)) events written"
