#!/usr/bin/env bash
# Breakpoints on a module that is not loaded (break_module.c), on the linux
# lab. With dummy unloaded, `break dummy:dummy_setup` is pending (listed,
# address null); one elscope session then follows a guest script:
#   insmod dummy              -> wait stops at dummy_setup where the guest's
#                                /proc/kallsyms and /sys/module/dummy/sections
#                                put it (the load itself is a hidden stop)
#   rmmod crc_itu_t, dummy; insmod both, dummy first if crc_itu_t was
#   below it, else second (module memory is given lowest hole first)
#                             -> dummy now sits where it did not before: the
#                                stop is at the new address
#   rmmod dummy; uname        -> the stop is at uname's breakpoint, and the
#                                dummy breakpoint is pending again, removed
#                                from the target when the module went
# Errors: a name the module's .ko does not have. At the end the guest loads
# dummy again with elscope gone and the VM runs.
# shellcheck source-path=SCRIPTDIR
. "$(dirname "$0")/lib.sh"

lab_up linux
[ -f "${VMLINUX:-/nonexistent}" ] || fail "lab/lab up linux gave no VMLINUX"
KVER=$("$LAB" exec linux 'uname -r' | tr -d '\r' | tail -n 1)
MODDIR=/lib/modules/$KVER/kernel
KO=$(find -L "$SYSROOT/lib/modules/$KVER" -name dummy.ko | head -n 1)
[ -n "$KO" ] || fail "no dummy.ko under $SYSROOT"
# dummy_setup's offset in .text, from the .ko itself.
OFF=$(nm "$KO" | awk '$3 == "dummy_setup" { print $1 }')
[ -n "$OFF" ] || fail "nm finds no dummy_setup in $KO"

json() {
    python3 -c 'import json, sys
o = json.loads(open(sys.argv[1]).read().splitlines()[int(sys.argv[2]) - 1])
print(eval(sys.argv[3]))' "$1" "$2" "$3"
}

# Back to the boot's modules (dummy loaded) however the test ends.
restore() {
    timeout -k 5 30 "$LAB" exec linux "grep -q '^dummy ' /proc/modules || insmod $MODDIR/drivers/net/dummy.ko; grep -q '^crc_itu_t ' /proc/modules || insmod $MODDIR/lib/crc-itu-t.ko" >/dev/null 2>&1 || true
}
mod_cleanup() {
    restore
    it_cleanup
}
trap mod_cleanup EXIT

"$LAB" exec linux 'echo 0 > /proc/sys/kernel/kptr_restrict; grep -q "^dummy " /proc/modules && rmmod dummy; cat /proc/modules' >"$T/mods0" ||
    fail "rmmod dummy failed"
grep -q '^dummy ' "$T/mods0" && fail "dummy is still loaded: $(cat "$T/mods0")"

# 1) Pending, and the errors.
run_elscope "$T/p" "$T/perr" "$TARGET" --vmlinux "$VMLINUX" --sysroot "$SYSROOT" --json \
    -c 'break dummy:dummy_setup' -c break ||
    fail "break dummy:dummy_setup: $(tail -n 1 "$T/perr")"
[ "$(json "$T/p" 1 'o["pending"], o["address"], o["module"], o["symbol"]')" = \
    "(True, None, 'dummy', 'dummy_setup')" ] || fail "break dummy:dummy_setup printed $(sed -n 1p "$T/p")"
[ "$(json "$T/p" 2 '[(b["id"], b["pending"], b["address"], b["module"], b["symbol"]) for b in o]')" = \
    "[(1, True, None, 'dummy', 'dummy_setup')]" ] || fail "break (list) printed $(sed -n 2p "$T/p")"
if run_elscope "$T/e" "$T/eerr" "$TARGET" --vmlinux "$VMLINUX" --sysroot "$SYSROOT" \
    -c 'break dummy:no_such_function'; then
    fail "break dummy:no_such_function succeeded: $(cat "$T/e")"
fi
grep -qF "elscope: break: module dummy is not loaded, and its .ko under $SYSROOT has no symbol 'no_such_function'" "$T/eerr" ||
    fail "break dummy:no_such_function: $(tail -n 1 "$T/eerr")"
note "pending: $(sed -n 1p "$T/p")"

# 2) One session through load, reload elsewhere, unload. The guest script
# stalls while the VM is halted (its clock stops too).
GUEST="sleep 2; insmod $MODDIR/drivers/net/dummy.ko; grep -w dummy_setup /proc/kallsyms; cat /sys/module/dummy/sections/.text
sleep 2; d=\$(cat /sys/module/dummy/sections/.text); c=\$(awk '\$1 == \"crc_itu_t\" { print \$6 }' /proc/modules); rmmod crc_itu_t; rmmod dummy
if [ \$((c)) -lt \$((d)) ]; then insmod $MODDIR/drivers/net/dummy.ko; insmod $MODDIR/lib/crc-itu-t.ko; else insmod $MODDIR/lib/crc-itu-t.ko; insmod $MODDIR/drivers/net/dummy.ko; fi
grep -w dummy_setup /proc/kallsyms; cat /sys/module/dummy/sections/.text
sleep 2; rmmod dummy; uname -r >/dev/null; echo unloaded"
"$LAB" exec linux "$GUEST" >"$T/guest.out" 2>&1 &
GUEST_PID=$!
BG_PIDS+=("$GUEST_PID")
run_elscope "$T/s" "$T/serr" "$TARGET" --vmlinux "$VMLINUX" --sysroot "$SYSROOT" --json --stats -v \
    -c 'break dummy:dummy_setup' -c cont -c 'wait --timeout 60' -c break -c cont \
    -c 'wait --timeout 60' -c break -c 'break __arm64_sys_newuname' -c cont \
    -c 'wait --timeout 60' -c break -c 'delete all' -c cont ||
    fail "the session: $(tail -n 1 "$T/serr") (guest: $(tr '\n' '|' <"$T/guest.out"))"
for ((i = 0; i < 300; i++)); do
    kill -0 "$GUEST_PID" 2>/dev/null || break
    sleep 0.1
done
kill -0 "$GUEST_PID" 2>/dev/null && fail "the guest script did not finish in 30 s after the session"
wait "$GUEST_PID" || fail "the guest script failed: $(tr '\n' '|' <"$T/guest.out")"
tr -d '\r' <"$T/guest.out" >"$T/guest.txt"
mapfile -t KALL < <(awk '$3 == "dummy_setup" { print "0x" $1 }' "$T/guest.txt")
mapfile -t TEXT < <(grep -E '^0x[0-9a-f]+$' "$T/guest.txt")
[ "${#KALL[@]}" = 2 ] && [ "${#TEXT[@]}" = 2 ] ||
    fail "the guest printed $(tr '\n' '|' <"$T/guest.txt")"
for k in 0 1; do
    want=$(printf '0x%x' $((TEXT[k] + 0x$OFF)))
    [ "$want" = "${KALL[$k]}" ] || fail "load $((k + 1)): .text ${TEXT[$k]} + 0x$OFF = $want, /proc/kallsyms ${KALL[$k]}"
done
[ "${KALL[0]}" != "${KALL[1]}" ] || fail "dummy did not move on its second load (${KALL[0]}): nothing checked"
# Lines: 1 break, 2 cont, 3 wait, 4 list, 5 cont, 6 wait, 7 list, 8 break, 9 cont, 10 wait, 11 list, 12 delete, 13 cont.
for n in 1 2; do
    line=$((n == 1 ? 3 : 6))
    [ "$(json "$T/s" "$line" 'o["reason"], o["breakpoint"], o["pc"], o["symbol"], o["el"]')" = \
        "('breakpoint', 1, '${KALL[$((n - 1))]}', 'dummy_setup', 1)" ] ||
        fail "load $n: wait printed $(sed -n "${line}p" "$T/s"), not dummy_setup at ${KALL[$((n - 1))]}"
    [ "$(json "$T/s" $((line + 1)) '[(b["id"], b["pending"], b["address"], b["hits"]) for b in o]')" = \
        "[(1, False, '${KALL[$((n - 1))]}', $n)]" ] || fail "load $n: break (list) printed $(sed -n "$((line + 1))p" "$T/s")"
done
[ "$(json "$T/s" 10 'o["reason"], o["breakpoint"], o["symbol"]')" = "('breakpoint', 2, '__arm64_sys_newuname')" ] ||
    fail "after rmmod: wait printed $(sed -n 10p "$T/s"), not the uname breakpoint"
uname_addr=$(json "$T/s" 8 'o["address"]')
[ "$(json "$T/s" 11 '[(b["id"], b.get("pending"), b["address"]) for b in o]')" = "[(1, True, None), (2, None, '$uname_addr')]" ] ||
    fail "after rmmod: break (list) printed $(sed -n 11p "$T/s")"
# Every load and unload was a hidden stop, and the breakpoint left the target.
grep -q 'breakpoint 1 pending again (module dummy unloads)' "$T/serr" ||
    fail "no 'pending again' after rmmod: $(grep -i 'module\|breakpoint' "$T/serr" | tr '\n' '|')"
grep -qi 'warn' "$T/serr" && fail "warnings: $(grep -i warn "$T/serr" | tr '\n' '|')"
loads=$(grep -c 'stats: module dummy load (hidden stop)' "$T/serr" || true)
unloads=$(grep -c 'stats: module dummy unload (hidden stop)' "$T/serr" || true)
[ "$loads" = 2 ] && [ "$unloads" = 2 ] || fail "hidden stops: $loads loads, $unloads unloads of dummy (want 2, 2)"
note "dummy_setup at ${KALL[0]}, then ${KALL[1]} (kallsyms = .text + 0x$OFF), pending after rmmod"
note "$(grep 'stats: module' "$T/serr" | sort | uniq -c | tr '\n' ';')"

# 3) elscope gone: the guest loads dummy and runs on.
restore
"$LAB" exec linux 'cat /proc/modules' | grep -q '^dummy ' || fail "dummy did not load again after the session"
st=$(wait_vm_status running)
[ "$st" = running ] || fail "the VM is $st after the session"
# The modules now sit elsewhere than the truth captured at boot says (what
# test_mod checks against): the next test gets the saved machine again.
"$LAB" down linux >/dev/null || fail "lab/lab down linux failed"
exit 0
