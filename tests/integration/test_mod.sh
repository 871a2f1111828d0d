#!/usr/bin/env bash
# mod: the kernel's module list against what the guest wrote at boot. On
# linux (live), a dump of it and linux-el2, `mod --sections --json` gives
# every module of $TRUTH/host/modules.txt (/proc/modules: name, size, base)
# in the same order, and every section of modsections.txt
# (/sys/module/*/sections) at the same address. Module symbols: after `mod`,
# `sym dummy_setup` equals the guest's /proc/kallsyms, from dummy.ko with
# --sysroot and from the module's in-memory symbols without.
# shellcheck source-path=SCRIPTDIR
. "$(dirname "$0")/lib.sh"

# check_mod OUT TRUTH_DIR WHAT: the JSON of `mod --sections` against the truth.
check_mod() {
    python3 - "$1" "$2/host/modules.txt" "$2/host/modsections.txt" <<'EOF' || fail "$3: mod differs from the truth"
import json, sys
got = json.loads(open(sys.argv[1]).readline())
mods = [l.split() for l in open(sys.argv[2]) if l.strip()]
want = [(m[0], int(m[1]), int(m[5], 16)) for m in mods]
have = [(m["name"], m["size"], int(m["base"], 16)) for m in got]
assert have == want, "mod %s\n/proc/modules %s" % (have, want)
secs = {}
for l in open(sys.argv[3]):
    if l.strip():
        mod, sec, addr = l.split()
        secs.setdefault(mod, {})[sec] = int(addr, 16)
for m in got:
    s = {k: int(v, 16) for k, v in (m["sections"] or {}).items()}
    assert s == secs.get(m["name"], {}), "%s: sections %s\ntruth %s" % (m["name"], s, secs.get(m["name"]))
print("# %d modules, %d sections as in the truth" % (len(got), sum(len(v) for v in secs.values())), file=sys.stderr)
EOF
}

lab_up linux
[ -f "${VMLINUX:-/nonexistent}" ] || fail "lab/lab up linux gave no VMLINUX"
LINUX_TARGET=$TARGET LINUX_TRUTH=$TRUTH

run_elscope "$T/live" "$T/err" "$TARGET" --vmlinux "$VMLINUX" --json -c 'mod --sections' ||
    fail "mod --sections on linux: $(tail -n 1 "$T/err")"
check_mod "$T/live" "$TRUTH" "linux"

# The module symbols: dummy_setup where /proc/kallsyms has it.
"$LAB" exec linux 'echo 0 > /proc/sys/kernel/kptr_restrict' >/dev/null ||
    fail "could not set kptr_restrict"
want=$("$LAB" exec linux "grep ' dummy_setup' /proc/kallsyms" | tr -d '\r' | awk '$3 == "dummy_setup" { print $1; exit }')
[ -n "$want" ] || fail "/proc/kallsyms has no dummy_setup"
for how in ko memory; do
    args=()
    [ "$how" = memory ] || args=(--sysroot "$SYSROOT")
    run_elscope "$T/s" "$T/err" "$TARGET" --vmlinux "$VMLINUX" "${args[@]}" --json \
        -c mod -c 'sym dummy_setup' -c 'sym dummy_dev_init' ||
        fail "mod, sym dummy_setup ($how): $(tail -n 1 "$T/err")"
    python3 - "$T/s" "$want" "$how" <<'EOF' || fail "dummy_setup from $how: $(cat "$T/s")"
import json, sys
lines = [json.loads(l) for l in open(sys.argv[1])]
mods, sym, fn = lines
assert all(m["symbols"] == sys.argv[3] for m in mods), mods
assert sym["symbol"] == "dummy_setup" and sym["address"] == "0x" + sys.argv[2], sym
assert fn["symbol"] == "dummy_dev_init" and fn["size"] > 0, fn
EOF
    note "sym dummy_setup = 0x$want as in /proc/kallsyms (symbols from $how)"
done
# An address inside the module is named by its function.
run_elscope "$T/a" "$T/err" "$TARGET" --vmlinux "$VMLINUX" --json \
    -c mod -c "sym 0x$(printf '%x' $((0x$want + 4)))" ||
    fail "sym of dummy_setup+4: $(tail -n 1 "$T/err")"
python3 -c 'import json, sys; o = json.loads(open(sys.argv[1]).readlines()[1]); assert o["symbol"] == "dummy_setup" and o["offset"] == 4, o' "$T/a" ||
    fail "dummy_setup+4 is not named: $(cat "$T/a")"

# --stats: round trips of mod once the kernel is open (ps first).
run_elscope "$T/st" "$T/err" "$TARGET" --vmlinux "$VMLINUX" --stats -c ps -c 'mod --sections' ||
    fail "mod --stats: $(tail -n 1 "$T/err")"
note "$(grep 'stats: mod' "$T/err")"

# A dump of the same machine.
"$LAB" dump linux "$T/linux.core" >/dev/null || fail "lab/lab dump linux failed"
run_elscope "$T/dump" "$T/err" "core:$T/linux.core" --vmlinux "$VMLINUX" --json -c 'mod --sections' ||
    fail "mod --sections on the dump: $(tail -n 1 "$T/err")"
check_mod "$T/dump" "$LINUX_TRUTH" "the dump of linux"
run_elscope "$T/ds" "$T/err" "core:$T/linux.core" --vmlinux "$VMLINUX" --sysroot "$SYSROOT" --json \
    -c mod -c 'sym dummy_setup' || fail "sym dummy_setup on the dump: $(tail -n 1 "$T/err")"
[ "$(sed -n 2p "$T/ds" | python3 -c 'import json,sys; print(json.load(sys.stdin)["address"])')" = "0x$want" ] ||
    fail "dummy_setup on the dump: $(cat "$T/ds")"
rm -f "$T/linux.core"
note "the dump of linux: modules, sections and dummy_setup as live"

# Text output: one line per module with its base.
run_elscope "$T/text" "$T/err" "$LINUX_TARGET" --vmlinux "$VMLINUX" -c mod ||
    fail "mod (text): $(tail -n 1 "$T/err")"
while read -r name size _ _ _ base; do
    grep -Eq "^$name +$size +$base +Live" "$T/text" || fail "mod (text) has no line for $name $size $base: $(cat "$T/text")"
done <"$LINUX_TRUTH/host/modules.txt"

# linux-el2: the kernel at EL2 (VHE).
# shellcheck disable=SC2317 # called from the EXIT trap
el2_cleanup() {
    [ -n "${ELSCOPE_IT_KEEP_LAB:-}" ] || "$LAB" down linux-el2 >/dev/null 2>&1 || true
    it_cleanup
}
trap el2_cleanup EXIT
lab_up linux-el2
run_elscope "$T/el2" "$T/err" "$TARGET" --vmlinux "$VMLINUX" --json -c 'mod --sections' ||
    fail "mod --sections on linux-el2: $(tail -n 1 "$T/err")"
check_mod "$T/el2" "$TRUTH" "linux-el2"
exit 0
