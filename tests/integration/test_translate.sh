#!/usr/bin/env bash
# Issue 4's lab check: elscope's own translation agrees with the stub's, for
# thousands of addresses in several contexts: the kernel on linux (EL1&0),
# Linux at EL2 on linux-el2 (EL2&0), Xen itself (EL2) and the dom0 and domU
# kernels and processes on xen (EL1&0 through stage 2, a nested walk), each
# while a CPU is in that context; and the pagemap truth of every guest
# agrees with the mapper's own tables (pagemap_compare.py).
# shellcheck source-path=SCRIPTDIR
. "$(dirname "$0")/lib.sh"

COUNT=${ELSCOPE_IT_XLAT_COUNT:-1500}

# However the test ends, the other scenarios go down and linux stays up.
# shellcheck disable=SC2317 # called from the EXIT trap
cleanup() {
    "$LAB" down linux-el2 >/dev/null 2>&1 || true
    "$LAB" down xen >/dev/null 2>&1 || true
    it_cleanup
}
trap cleanup EXIT

compare() { # compare WHAT CPU [REGIME]
    local what=$1 out
    shift
    out=$(python3 "$IT_DIR/xlat_compare.py" "$ELSCOPE" "$TARGET" "$1" "$COUNT" "${2:-auto}" 2>&1) ||
        fail "$what: $out"
    note "$what: $out"
}

pagemap() { # pagemap WHAT WHERE TRUTHDIR [VMID]: the pagemap truth agrees
    local what=$1 out
    shift
    out=$(python3 "$IT_DIR/pagemap_compare.py" "$ELSCOPE" "$TARGET" "$LAB" "$@" 2>&1) ||
        fail "$what pagemap: $out"
    note "$what pagemap: $out"
}

el_vmid() { # el_vmid CPU: "EL VMID" of a halted CPU
    run_elscope "$T/r" "$T/e" "$TARGET" --json --keep-halted -c "regs --cpu $1 cpsr VTTBR_EL2" ||
        fail "elscope: $(head -n 1 "$T/e")"
    python3 -c 'import json,sys; d=json.load(sys.stdin); print((int(d["cpsr"],16)>>2)&3, int(d["VTTBR_EL2"],16)>>48)' <"$T/r"
}

# linux: the kernel at EL1 (CPU 0, usually idle in the kernel).
lab_up linux
compare "linux EL1&0" 0 el1
pagemap linux linux "$TRUTH/host"

# linux-el2: Linux at EL2 with VHE.
lab_up linux-el2
compare "linux-el2 EL2&0" 0 el20
pagemap linux-el2 linux-el2 "$TRUTH/host"
"$LAB" down linux-el2 >/dev/null

# xen: Xen's own tables while a CPU is in Xen, then each guest while a CPU
# runs it (busy loops in both guests make that likely).
lab_up xen
# Each guest's mapper, through stage 1 and stage 2; Xen's debug keys say
# which VMID each domain has ("p2m mappings for domain 1 (vmid 2)").
for d in 0 1; do
    vmid=$(sed -n "s/^p2m mappings for domain $d (vmid \([0-9]*\)):.*/\1/p" "$TRUTH/xen/debugkeys.txt")
    [ -n "$vmid" ] || fail "debugkeys.txt gives no VMID for domain $d"
    pagemap "xen dom$d" "xen:dom$d" "$TRUTH/dom$d" "$vmid"
done
for vm in dom0 dom1; do
    "$LAB" exec "xen:$vm" 'busy start' >"$T/busy" 2>&1 || fail "cannot start busy in $vm: $(head -n 1 "$T/busy")"
done
declare -A seen=()
for _ in $(seq 60); do
    run_elscope "$T/h" "$T/e" "$TARGET" --keep-halted -c halt || fail "halt: $(head -n 1 "$T/e")"
    for cpu in 0 1; do
        read -r el vmid < <(el_vmid "$cpu")
        case $el in
        2) key=xen ;;
        *) key="vmid$vmid" ;;
        esac
        [ -z "${seen[$key]:-}" ] || continue
        seen[$key]=1
        if [ "$key" = xen ]; then
            compare "xen EL2 (CPU $cpu)" "$cpu" el2
        else
            compare "xen guest VMID $vmid at EL$el (CPU $cpu, stage 1 + stage 2)" "$cpu" el1
        fi
    done
    [ "${#seen[@]}" -lt 3 ] || break
    run_elscope "$T/c" "$T/e" "$TARGET" -c cont || fail "cont: $(head -n 1 "$T/e")"
    sleep 0.$((RANDOM % 9 + 1))
done
run_elscope "$T/c" "$T/e" "$TARGET" -c cont >/dev/null 2>&1 || true
[ "${#seen[@]}" -ge 3 ] || fail "in 60 tries the CPUs were seen only in: ${!seen[*]} (want Xen and both guests)"
lab_up linux
exit 0
