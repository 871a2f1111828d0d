#!/usr/bin/env bash
# Issue 3's bar, for every scenario (linux, linux-el2, xen): a real boot
# (up --fresh) reaches every guest's shell; up prints the port, symbol files
# and truth; the truth of each guest parses (truth_check.py) and, on xen,
# Xen's debug keys name both domains; elscope reads the CPUs; down leaves no
# QEMU behind; a second up restores the saved state in well under half the
# time of the first (the better of two restores), and the guests answer
# again. The linux scenario is left
# up for the tests after this one.
# shellcheck source-path=SCRIPTDIR
. "$(dirname "$0")/lib.sh"

now_ms() { echo $(($(date +%s%N) / 1000000)); }

# guests_answer SCENARIO VM...: each guest's shell runs a command.
guests_answer() {
    local scenario=$1 vm where answer
    shift
    for vm in "$@"; do
        where=$scenario
        [ "$vm" = host ] || where="$scenario:$vm"
        # shellcheck disable=SC2016 # the guest's shell expands it
        answer=$(ELSCOPE_LAB_EXEC_TIMEOUT=30 "$LAB" exec "$where" 'echo "$(hostname)-$((40 + 2))"') ||
            fail "$where: the guest's shell does not answer"
        [ "$answer" = "elscope-$vm-42" ] || fail "$where: the shell answered '$answer', not elscope-$vm-42"
    done
}

# no_qemu STATE: no QEMU process runs from STATE any more.
no_qemu() {
    local i
    for i in $(seq 50); do
        pgrep -f "qemu-system-aarch64.*$1" >/dev/null || return 0
        # a zombie waiting to be reaped does not count
        pgrep -f "qemu-system-aarch64.*$1" | xargs -r ps -o stat= -p | grep -qv Z || return 0
        sleep 0.1
    done
    return 1
}

# el_of CPSR: the exception level in the mode bits.
el_of() { echo $((($1 >> 2) & 3)); }

for scenario in linux linux-el2 xen; do
    case $scenario in
    xen) vms=(dom0 dom1) ;;
    *) vms=(host) ;;
    esac
    "$LAB" down "$scenario" >/dev/null 2>&1 || true

    t0=$(now_ms)
    lab_up "$scenario" --fresh
    first=$(($(now_ms) - t0))
    [ "$BOOT" = booted ] || fail "$scenario: up --fresh said BOOT=$BOOT"
    [ -f "$VMLINUX" ] || fail "$scenario: VMLINUX=$VMLINUX is not a file"
    [ -d "$SYSROOT/usr/bin" ] || fail "$scenario: SYSROOT=$SYSROOT has no usr/bin"
    IFS=, read -r -a logs <<<"$SERIAL"
    for f in "${logs[@]}"; do
        [ -s "$f" ] || fail "$scenario: console log $f is missing or empty"
    done
    guests_answer "$scenario" "${vms[@]}"
    for vm in "${vms[@]}"; do
        why=$(python3 "$IT_DIR/truth_check.py" "$TRUTH/$vm") || fail "$scenario: truth of $vm: $why"
    done

    # elscope on the machine: every CPU at the level the scenario puts it.
    state=${STATE:?}
    regs=(pc cpsr)
    [ "$scenario" = linux ] || regs+=(HCR_EL2 VTTBR_EL2)
    run_elscope "$T/regs" "$T/err" "$TARGET" --json -c "regs --cpu 0 ${regs[*]}" \
        -c "regs --cpu 1 ${regs[*]}" || fail "$scenario: elscope: $(head -n 1 "$T/err")"
    for line in 1 2; do
        cpsr=$(sed -n "${line}p" "$T/regs" | python3 -c 'import json,sys; print(int(json.load(sys.stdin)["cpsr"], 16))')
        el=$(el_of "$cpsr")
        case $scenario:$el in
        linux:[01] | linux-el2:[02] | xen:[012]) ;;
        *) fail "$scenario: CPU $((line - 1)) at EL$el (cpsr $cpsr)" ;;
        esac
    done
    if [ "$scenario" = xen ]; then
        [ -f "$XEN_SYMS" ] || fail "xen: XEN_SYMS=$XEN_SYMS is not a file"
        dk="$TRUTH/xen/debugkeys.txt"
        [ -s "$dk" ] || fail "xen: $dk is missing or empty"
        for d in 0 1; do
            grep -q "^General information for domain $d:" "$dk" ||
                fail "xen: debugkeys.txt has no 'General information for domain $d'"
        done
    fi
    "$LAB" down "$scenario" >/dev/null || fail "$scenario: lab/lab down failed"
    no_qemu "$state" || fail "$scenario: a QEMU still runs from $state after down"

    # The restore is timed twice and the better one counts: one sample on
    # two busy cores is noisy, and both are real restores.
    second=""
    for try in 1 2; do
        t0=$(now_ms)
        lab_up "$scenario"
        t=$(($(now_ms) - t0))
        [ "$BOOT" = restored ] || fail "$scenario: up number $((try + 1)) said BOOT=$BOOT, not restored"
        guests_answer "$scenario" "${vms[@]}"
        if [ -z "$second" ] || [ "$t" -lt "$second" ]; then second=$t; fi
        if [ "$try" = 1 ]; then
            "$LAB" down "$scenario" >/dev/null || fail "$scenario: lab/lab down failed"
        fi
    done
    note "$scenario: first up $first ms, second up $second ms"
    [ $((second * 2)) -lt "$first" ] ||
        fail "$scenario: second up took $second ms, not under half of the first ($first ms)"
    if [ "$scenario" != linux ]; then
        "$LAB" down "$scenario" >/dev/null || fail "$scenario: lab/lab down failed"
        no_qemu "$STATE" || fail "$scenario: a QEMU still runs after down"
    fi
done
exit 0
