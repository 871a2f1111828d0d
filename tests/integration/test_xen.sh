#!/usr/bin/env bash
# Hypervisor awareness on the xen lab, against what Xen and the guests say
# of themselves:
#  - Xen's layout: build/xen-layout --check: the DWARF of the xen-syms built
#    by `lab/lab fetch xen-dwarf` equals elscope's built-in row for that
#    release; that xen-syms is refused for the running Xen (other build id).
#  - vm: ids, VMIDs, vCPU counts, pages and max pages = Xen's debug key 'q'
#    ($TRUTH/xen/debugkeys.txt, taken at boot; nothing in the lab changes
#    them). vcpu: the (VM, vCPU) pairs of 'q'; runstate times grow between
#    two looks and add up to no more than the time of the last change.
#  - each guest's Linux through its VM (--vm N, --guest N=VMLINUX): ps (the
#    workload exactly as the guest's ps.tsv), maps of mapper byte for byte as
#    the guest's /proc/PID/maps at boot, log (every line of its dmesg.txt, in
#    order), mod (its /proc/modules).
#  - a VM none of whose vCPUs runs: in one halted session, ctx shows no CPU
#    in VM 1 and ps --vm 1 still gives its tasks (from the registers Xen
#    saved for its vCPU).
# shellcheck source-path=SCRIPTDIR
. "$(dirname "$0")/lib.sh"

lab_up xen
for k in XEN_SYMS VMLINUX TRUTH SYSROOT; do
    [ -n "${!k:-}" ] || fail "lab/lab up xen gave no $k"
done
XEN_DWARF_SYMS=$(sed -n 's/^XEN_DWARF_SYMS=//p' "${ELSCOPE_LAB_CACHE:-$HOME/.cache/elscope-lab}/lab.env")
[ -f "${XEN_DWARF_SYMS:-/nonexistent}" ] || fail "no XEN_DWARF_SYMS in the lab cache (lab/lab fetch xen-dwarf)"
XL=$(dirname "$ELSCOPE")/xen-layout
[ -x "$XL" ] || fail "no xen-layout next to $ELSCOPE"

# Layout: DWARF = built-in row.
"$XL" "$XEN_DWARF_SYMS" --check >"$T/xl" 2>&1 || fail "xen-layout --check: $(tail -n 3 "$T/xl")"
note "$(tail -n 1 "$T/xl")"
# The DWARF build is not the running Xen: refused by build id, one line.
if run_elscope "$T/o" "$T/e" "$TARGET" --xen "$XEN_DWARF_SYMS" -c vm; then
    fail "elscope took a xen-syms that is not the running Xen's"
fi
grep -q 'is not the running Xen (build id' "$T/e" || fail "wrong refusal: $(head -n 1 "$T/e")"
[ "$(wc -l <"$T/e")" -eq 1 ] || fail "the refusal is not one line: $(cat "$T/e")"

G=(--xen "$XEN_SYMS" --guest "0=$VMLINUX" --guest "1=$VMLINUX" --sysroot "$SYSROOT")
run_elscope "$T/vm.json" "$T/e" "$TARGET" "${G[@]}" --json -c vm || fail "vm: $(head -n 1 "$T/e")"
run_elscope "$T/vcpu1.json" "$T/e" "$TARGET" "${G[@]}" --json -c vcpu || fail "vcpu: $(head -n 1 "$T/e")"
sleep 1
run_elscope "$T/vcpu2.json" "$T/e" "$TARGET" "${G[@]}" --json -c vcpu || fail "vcpu: $(head -n 1 "$T/e")"
python3 - "$TRUTH/xen/debugkeys.txt" "$T/vm.json" "$T/vcpu1.json" "$T/vcpu2.json" <<'EOF' || fail "vm/vcpu differ from Xen's debug keys"
import json, re, sys
text = open(sys.argv[1]).read()
doms = {}
for m in re.finditer(r"General information for domain (\d+):(.*?)(?=General information for domain|\Z)", text, re.S):
    d, body = int(m.group(1)), m.group(2)
    doms[d] = dict(
        pages=int(re.search(r"nr_pages=(\d+)", body).group(1)),
        max_pages=int(re.search(r"max_pages=(\d+)", body).group(1)),
        vmid=int(re.search(r"\(vmid (\d+)\)", body).group(1)),
        vcpus=sorted(int(v) for v in re.findall(r"VCPU(\d+): CPU", body)))
assert sorted(doms) == [0, 1], doms
vms = {v["id"]: v for v in json.load(open(sys.argv[2]))}
assert sorted(vms) == sorted(doms), (sorted(vms), sorted(doms))
for d, want in doms.items():
    got = vms[d]
    for k in ("pages", "max_pages", "vmid"):
        assert got[k] == want[k], (d, k, got[k], want[k])
    assert got["vcpus"] == len(want["vcpus"]), (d, got["vcpus"], want["vcpus"])
    assert int(got["p2m_root"], 16) and int(got["vttbr"], 16) >> 48 == want["vmid"], got
    assert not got["dying"] and not got["paused"], got
one = {(v["vm"], v["vcpu"]): v for v in json.load(open(sys.argv[3]))}
two = {(v["vm"], v["vcpu"]): v for v in json.load(open(sys.argv[4]))}
pairs = sorted((d, v) for d, w in doms.items() for v in w["vcpus"])
assert sorted(one) == pairs and sorted(two) == pairs, (sorted(one), pairs)
for k in pairs:
    a, b = one[k], two[k]
    assert a["state"] in ("running", "runnable", "blocked", "offline"), a
    assert 0 <= a["pcpu"] < 2, a
    ta, tb = sum(a["runstate_ns"].values()), sum(b["runstate_ns"].values())
    assert 0 < ta <= a["state_entry_time"], a
    assert tb >= ta, (k, ta, tb)
grew = sum(sum(two[k]["runstate_ns"].values()) > sum(one[k]["runstate_ns"].values()) for k in pairs)
assert grew >= 1, "no vCPU's runstate times moved in a second"
print("# domains %s as debug key q: pages, max pages, VMIDs %s, vCPUs %s; runstate times of %d of %d vCPUs grew in 1 s" % (
    sorted(doms), [doms[d]["vmid"] for d in sorted(doms)], pairs, grew, len(pairs)), file=sys.stderr)
EOF

# Each guest's Linux through its VM.
for vm in 0 1; do
    truth=$TRUTH/dom$vm
    run_elscope "$T/ps.json" "$T/e" "$TARGET" "${G[@]}" --json -c "ps --vm $vm -t" ||
        fail "ps --vm $vm: $(head -n 1 "$T/e")"
    mapper=$(python3 - "$truth/ps.tsv" "$T/ps.json" "$vm" <<'EOF'
import json, sys
rows = [l.split("\t") for l in open(sys.argv[1]).read().splitlines()[1:]]
els = {t["pid"]: t for t in json.load(open(sys.argv[2]))}
work = [r for r in rows if r[4] in ("init", "mtwork", "mapper") or r[4].startswith("mtwork-w")]
assert len(work) >= 7, work
for pid, tgid, ppid, state, comm in work:
    e = els.get(int(pid))
    assert e, "VM %s: pid %s (%s) missing" % (sys.argv[3], pid, comm)
    assert (e["tgid"], e["ppid"], e["comm"]) == (int(tgid), int(ppid), comm), (e, pid, tgid, ppid, comm)
known = sum(1 for r in rows if int(r[0]) in els)
assert known >= len(rows) * 0.8, "only %d of %d boot tasks" % (known, len(rows))
print("# VM %s: ps has the %d workload tasks exactly, %d of %d boot tasks" % (sys.argv[3], len(work), known, len(rows)), file=sys.stderr)
print(next(r[0] for r in rows if r[4] == "mapper"))
EOF
) || fail "ps --vm $vm differs from dom$vm's ps.tsv"
    run_elscope "$T/maps" "$T/e" "$TARGET" "${G[@]}" -c "maps --vm $vm $mapper" ||
        fail "maps --vm $vm $mapper: $(head -n 1 "$T/e")"
    cmp -s "$T/maps" "$truth/maps/$mapper.txt" ||
        fail "maps --vm $vm $mapper differs from the guest's /proc/$mapper/maps: $(diff "$T/maps" "$truth/maps/$mapper.txt" | head -n 3)"
    run_elscope "$T/log" "$T/e" "$TARGET" "${G[@]}" -c "log --vm $vm" || fail "log --vm $vm: $(head -n 1 "$T/e")"
    run_elscope "$T/mod.json" "$T/e" "$TARGET" "${G[@]}" --json -c "mod --vm $vm" || fail "mod --vm $vm: $(head -n 1 "$T/e")"
    python3 - "$truth/dmesg.txt" "$T/log" "$truth/modules.txt" "$T/mod.json" "$vm" <<'EOF' || fail "log/mod --vm $vm differ from dom$vm's truth"
import json, sys
want = open(sys.argv[1], errors="replace").read().splitlines()
got = open(sys.argv[2], errors="replace").read().splitlines()
k = next(i for i, l in enumerate(got) if l == want[0])
assert len(want) > 100 and got[k:k + len(want)] == want, "log: %d lines of dmesg.txt; first difference at %s" % (
    len(want), next((i for i, (a, b) in enumerate(zip(got[k:], want)) if a != b), None))
mods = {}
for l in open(sys.argv[3]).read().splitlines():
    f = l.split()
    mods[f[0]] = (int(f[1]), int(f[5], 16))
els = {m["name"]: (m["size"], int(m["base"], 16)) for m in json.load(open(sys.argv[4]))}
assert els == mods, (els, mods)
print("# VM %s: log has the %d lines of dmesg.txt in order; mod = /proc/modules (%s)" % (sys.argv[5], len(want), ", ".join(sorted(mods))), file=sys.stderr)
EOF
    note "VM $vm: maps $mapper is the guest's /proc/$mapper/maps byte for byte"
done

# A VM that no CPU runs: halt, look, ps it, let it run.
seen=""
for _ in $(seq 20); do
    run_elscope "$T/h" "$T/e" "$TARGET" "${G[@]}" --json -c halt -c ctx -c 'ps --vm 1' -c cont ||
        fail "halt/ctx/ps --vm 1: $(head -n 1 "$T/e")"
    if seen=$(PYTHONPATH="$IT_DIR" python3 - "$T/h" "$TRUTH/dom1/ps.tsv" <<'EOF'
import json, sys, jsondocs
docs = jsondocs.docs(sys.argv[1])
ctx, ps = docs[1], docs[2]
if any(c["vm"] == 1 for c in ctx):
    sys.exit(1)
mapper = next(int(l.split("\t")[0]) for l in open(sys.argv[2]) if l.rstrip("\n").split("\t")[4:5] == ["mapper"])
assert any(t["pid"] == mapper and t["comm"] == "mapper" for t in ps), "ps --vm 1 without mapper"
print("CPUs in %s" % ", ".join("%s (EL%d)" % (c["vm"], c["el"]) for c in ctx))
EOF
    ); then
        break
    fi
    seen=""
done
[ -n "$seen" ] || fail "in 20 halts a CPU always ran VM 1, or ps --vm 1 failed"
note "VM 1 not running ($seen): ps --vm 1 from its vCPU's saved registers has mapper"

# A trap with its addresses: domU's console is a vpl011 that Xen emulates,
# so its accesses stop at do_trap_stage2_abort_guest. ctx must decode a data
# abort from a lower EL with a valid ISS, name VM 1, give the faulting IPA
# (HPFAR_EL2 + FAR_EL2) inside Xen's vpl011 page, and FAR_EL2 must be the
# domU kernel VA that domU's own stage 1 maps to that IPA (vtop through the
# guest's EL1 registers the CPU holds, in a second session while the
# machine stays halted at the trap).
("$LAB" exec xen:dom1 'echo elscope-dabt' >/dev/null 2>&1 || true) &
BG_PIDS+=($!)
# (`halt` at the end: the machine stays halted at the trap for the next session.)
run_elscope "$T/dabt" "$T/e" "$TARGET" "${G[@]}" --json \
    -c 'break do_trap_stage2_abort_guest' -c cont -c 'wait --timeout 20' -c ctx -c delete -c halt ||
    fail "break/wait/ctx on do_trap_stage2_abort_guest: $(head -n 1 "$T/e")"
trap_line=$(PYTHONPATH="$IT_DIR" python3 - "$T/dabt" <<'PYEOF'
import json, sys, jsondocs
docs = jsondocs.docs(sys.argv[1])
stop, ctx = docs[2], docs[3]
c = next(c for c in ctx if c["cpu"] == stop["cpu"])
t = c["trap"]
assert c["el"] == 2 and c["symbol"] == "do_trap_stage2_abort_guest", c
assert c["vm"] == 1 and c["in"] == "hypervisor", c
assert t["ec_name"] == "DABT_LOW" and t["isv"] == 1 and t["s1ptw"] == 0, t
ipa = int(t["ipa"], 16)
assert 0x22000000 <= ipa < 0x22001000, "IPA %#x is not in the vpl011 page" % ipa
print(c["cpu"], t["far"], t["ipa"])
print("# CPU %d: %s; FAR_EL2 %s, IPA %s" % (c["cpu"], t["description"], t["far"], t["ipa"]), file=sys.stderr)
PYEOF
) || { "$LAB" qmp xen cont >/dev/null 2>&1; fail "ctx does not show domU's vpl011 access as it should"; }
read -r cpu far ipa <<<"$trap_line"
run_elscope "$T/vtop" "$T/e" "$TARGET" "${G[@]}" --json -c "vtop --cpu $cpu --regime el1 $far" -c cont ||
    { "$LAB" qmp xen cont >/dev/null 2>&1; fail "vtop of FAR_EL2: $(head -n 1 "$T/e")"; }
python3 - "$T/vtop" "$ipa" <<'PYEOF' || fail "FAR_EL2 does not translate to the faulting IPA through domU's stage 1"
import json, sys
v = json.JSONDecoder().raw_decode(open(sys.argv[1]).read().lstrip())[0]
want = int(sys.argv[2], 16)
assert int(v["ipa"], 16) == want, (v["ipa"], sys.argv[2])
print("# vtop --regime el1 of FAR_EL2 %s on the stopped CPU: IPA %s = the trap's" % (v["va"], v["ipa"]), file=sys.stderr)
PYEOF
wait
"$LAB" exec xen:dom1 true >/dev/null 2>&1 || fail "domU does not answer after the trap checks"
