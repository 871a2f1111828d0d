#!/usr/bin/env bash
# Symbols of the live kernel: elscope finds the KASLR slide from the vector
# base and vmlinux, then `sym NAME` equals the kernel's own /proc/kallsyms
# for several functions, `sym ADDR` of CPU 0's PC names a function with a
# source line, and init_task (not in kallsyms: no CONFIG_KALLSYMS_ALL) holds
# "swapper" at its slid address. A workload function gets its source line
# from the sysroot's binary at the load base of /proc/PID/maps.
# shellcheck source-path=SCRIPTDIR
. "$(dirname "$0")/lib.sh"

lab_up linux
[ -f "${VMLINUX:-/nonexistent}" ] || fail "lab/lab up linux gave no VMLINUX"

"$LAB" exec linux 'echo 0 > /proc/sys/kernel/kptr_restrict' >/dev/null ||
    fail "could not set kptr_restrict"
names=(vectors schedule cpu_do_idle start_kernel do_idle vfs_read)
pattern=$(printf ' %s$|' "${names[@]}")
"$LAB" exec linux "grep -E '${pattern%|}' /proc/kallsyms" >"$T/kallsyms" ||
    fail "lab/lab exec linux: reading /proc/kallsyms failed"
tr -d '\r' <"$T/kallsyms" >"$T/kallsyms.txt"

cmds=()
for n in "${names[@]}"; do
    cmds+=(-c "sym $n")
done
run_elscope "$T/out" "$T/err" "$TARGET" --vmlinux "$VMLINUX" --json \
    "${cmds[@]}" -c 'regs pc' ||
    fail "elscope sym failed: $(tail -n 1 "$T/err")"

for n in "${names[@]}"; do
    want=$(awk -v n="$n" '$3 == n { print $1; exit }' "$T/kallsyms.txt")
    [ -n "$want" ] || fail "/proc/kallsyms has no $n (kptr_restrict?)"
    got=$(python3 -c 'import json, sys
for l in open(sys.argv[1]):
    o = json.loads(l)
    if o.get("symbol") == sys.argv[2]:
        print(o["address"][2:]); break' "$T/out" "$n")
    [ "$got" = "$want" ] || fail "sym $n: elscope says 0x$got, /proc/kallsyms ffff...$want"
    note "sym $n = 0x$got as in /proc/kallsyms"
done

# The PC of CPU 0 names a function, with a source line.
pc=$(tail -n 1 "$T/out" | python3 -c 'import json, sys; print(json.load(sys.stdin)["pc"])')
run_elscope "$T/pc" "$T/err" "$TARGET" --vmlinux "$VMLINUX" --json -c "sym $pc" ||
    fail "sym $pc failed: $(tail -n 1 "$T/err")"
python3 - "$T/pc" "$pc" <<'EOF' || fail "sym of the PC: $(cat "$T/pc")"
import json, sys
o = json.load(open(sys.argv[1]))
assert o["address"] == sys.argv[2], o
assert o["symbol"] and o["offset"] < o["size"], o
assert o["file"] and o["line"] > 0, o
print("# PC %s is %s+%#x at %s:%d" % (sys.argv[2], o["symbol"], o["offset"], o["file"], o["line"]), file=sys.stderr)
EOF

# init_task: its bytes at the slid address hold the comm "swapper".
run_elscope "$T/it" "$T/err" "$TARGET" --vmlinux "$VMLINUX" --json -c 'sym init_task' ||
    fail "sym init_task failed: $(tail -n 1 "$T/err")"
read -r addr size < <(python3 -c 'import json, sys; o = json.load(open(sys.argv[1])); print(o["address"], o["size"])' "$T/it")
run_elscope "$T/x" "$T/err" "$TARGET" --json -c "x $addr $size" ||
    fail "x $addr $size failed: $(tail -n 1 "$T/err")"
python3 -c 'import json, sys; d = bytes.fromhex(json.load(open(sys.argv[1]))["data"]); sys.exit(b"swapper" not in d)' "$T/x" ||
    fail "init_task at $addr does not hold 'swapper'"
note "init_task at $addr holds 'swapper'"

# A wrong vmlinux: the slide does not verify, and says so.
[ -n "${SYSROOT:-}" ] || fail "lab/lab up linux gave no SYSROOT"
lib="$SYSROOT/usr/lib/libelswork.so"
if run_elscope "$T/bad" "$T/err" "$TARGET" --vmlinux "$lib" -c 'sym elswork_step'; then
    fail "a shared library taken as vmlinux was not refused"
fi
grep -q 'KASLR slide' "$T/err" || fail "no KASLR error for a wrong vmlinux: $(cat "$T/err")"

# A workload function at the library's load base in a mapped process.
maps=$(grep -l 'libelswork.so' "$TRUTH"/host/maps/*.txt | head -n 1)
[ -n "$maps" ] || fail "no process of the truth maps libelswork.so"
base=0x$(awk '/libelswork.so/ && $3 == "00000000" { split($1, r, "-"); print r[1]; exit }' "$maps")
run_elscope "$T/w" "$T/err" "$TARGET" --json \
    -c "sym --file $lib --base $base elswork_step" ||
    fail "sym --file failed: $(tail -n 1 "$T/err")"
python3 - "$T/w" <<'EOF' || fail "workload symbol: $(cat "$T/w")"
import json, sys
o = json.load(open(sys.argv[1]))
assert o["file"].endswith("libelswork.c") and o["line"] > 0, o
EOF
# Xen: xen-syms names Xen's own code. Addresses agree with Xen's System.map
# (from the same -dbg package), and the PC of a CPU caught in Xen (EL2) is
# named as a function that covers it.
# shellcheck disable=SC2317 # called from the EXIT trap
xen_cleanup() {
    "$LAB" down xen >/dev/null 2>&1 || true
    it_cleanup
}
trap xen_cleanup EXIT
out=$("$LAB" up xen) || fail "lab/lab up xen failed"
XEN_TARGET=$(sed -n 's/^TARGET=//p' <<<"$out")
XSYMS=$(sed -n 's/^XEN_SYMS=//p' <<<"$out")
XMAP=$(sed -n 's/^XEN_MAP=//p' <<<"$out")
if [ ! -f "$XSYMS" ] || [ ! -f "$XMAP" ]; then fail "lab/lab up xen gave no XEN_SYMS/XEN_MAP"; fi
for name in start_xen do_softirq startup_cpu_idle_loop; do
    want=$(awk -v n="$name" '$3 == n { print $1; exit }' "$XMAP")
    [ -n "$want" ] || fail "$name is not in $XMAP"
    run_elscope "$T/xs" "$T/err" "$XEN_TARGET" --xen "$XSYMS" --json -c "sym $name" ||
        fail "sym $name: $(tail -n 1 "$T/err")"
    got=$(python3 -c 'import json,sys; print(json.load(sys.stdin)["address"])' <"$T/xs")
    [ $((got)) -eq $((want)) ] || fail "sym $name gives $got, Xen's System.map $want"
done
named=""
for _ in $(seq 30); do
    run_elscope "$T/xr" "$T/err" "$XEN_TARGET" --json --keep-halted -c halt -c 'regs --cpu 0 pc cpsr' ||
        fail "regs on xen: $(tail -n 1 "$T/err")"
    read -r pc el < <(sed -n 2p "$T/xr" | python3 -c 'import json,sys; d=json.load(sys.stdin); print(d["pc"], int(d["cpsr"],16)>>2&3)')
    if [ "$el" = 2 ]; then
        run_elscope "$T/xp" "$T/err" "$XEN_TARGET" --xen "$XSYMS" --json --keep-halted -c "sym $pc" ||
            fail "sym $pc (Xen's PC): $(tail -n 1 "$T/err")"
        python3 - "$T/xp" "$pc" <<'PY' || fail "Xen's PC $pc: $(cat "$T/xp")"
import json, sys
o = json.load(open(sys.argv[1]))
pc = int(sys.argv[2], 16)
start = int(o["symbol_address"], 16)
assert o["symbol"] and start <= pc < start + max(o["size"], 1), o
PY
        named=$pc
    fi
    run_elscope "$T/xc" "$T/err" "$XEN_TARGET" -c cont || fail "cont: $(tail -n 1 "$T/err")"
    [ -z "$named" ] || break
    sleep 0.2
done
[ -n "$named" ] || fail "no CPU was caught in Xen (EL2) in 30 tries"
note "xen-syms: start_xen, do_softirq, startup_cpu_idle_loop as in System.map; Xen's PC $named named"
exit 0
