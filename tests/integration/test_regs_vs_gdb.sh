#!/usr/bin/env bash
# The foundation's acceptance test: on QEMU booting Debian's own arm64
# kernel, elscope's `regs` (PC, CPSR, TTBR1_EL1, SP_EL0 of both CPUs) and
# `x --phys` bytes equal what gdb-multiarch reads from the same stub (memory
# in QEMU's PhyMemMode) at the same halted moment; `halt` leaves the VM
# halted after elscope exits, and gdb's detach lets it run again.
# shellcheck source-path=SCRIPTDIR
. "$(dirname "$0")/lib.sh"

lab_up linux
pa=$(kernel_text_pa)
page=$((pa & ~0xfff))

# name address length: each range must be nonzero, or the test could not fail.
ranges=(
    "start $((0x40000000)) 64"             # start of RAM: QEMU's boot stub (the README's demo)
    "page $page 4096"                      # the page of kernel text CPU 0 idles in
    "odd $((page - 0x1f3)) 1001"           # unaligned, across 512-byte blocks and a page boundary
    "bulk $((pa & ~0x1fffff)) $((0x40000))" # 256 KiB of kernel image, through --out
)
regs=(pc cpsr TTBR1_EL1 SP_EL0)

cmds=(-c halt -c "regs --cpu 0 ${regs[*]}" -c "regs --cpu 1 ${regs[*]}")
mapfile -t gdb_cmds < <(gdb_regs 1 cpu0 "${regs[@]}"; gdb_regs 2 cpu1 "${regs[@]}")
gdb_cmds+=('maint packet Qqemu.PhyMemMode:1')
for r in "${ranges[@]}"; do
    read -r name addr len <<<"$r"
    if [ "$name" = bulk ]; then
        cmds+=(-c "x --phys $(hex "$addr") $(hex "$len") --out $T/elscope-$name.bin")
    else
        cmds+=(-c "x --phys $(hex "$addr") $len")
    fi
    gdb_cmds+=("dump binary memory $T/gdb-$name.bin $(hex "$addr") $(hex $((addr + len)))")
done

# 1. elscope halts the VM, reads, and leaves it halted.
status=0
run_elscope "$T/out" "$T/err" "$TARGET" --json "${cmds[@]}" || status=$?
[ "$status" -eq 0 ] || fail "elscope exited with status $status: $(head -n 1 "$T/err")"
[ ! -s "$T/err" ] || fail "elscope wrote to stderr: $(head -n 1 "$T/err")"
why=$("${CHECK[@]}" lines "$T/out" $((${#cmds[@]} / 2))) || fail "$why"
st=$(wait_vm_status paused)
[ "$st" = paused ] || fail "after 'elscope -c halt' exited the VM is $st, not paused"

# 2. gdb reads the same stub at the same moment, then detaches (VM resumes).
gdb_session "$T/gdb.log" "${gdb_cmds[@]}"
why=$("${CHECK[@]}" regs "$T/out" 2 "$T/gdb.log" cpu0 "${regs[@]}") || fail "$why"
why=$("${CHECK[@]}" regs "$T/out" 3 "$T/gdb.log" cpu1 "${regs[@]}") || fail "$why"
compare_ranges 4 ""
note "registers of both CPUs: same"

# 3. The VM runs again: QEMU says so and the guest's shell answers.
st=$(wait_vm_status running)
[ "$st" = running ] || fail "after gdb's detach the VM is $st, not running"
# shellcheck disable=SC2016 # the guest's shell expands it
answer=$(ELSCOPE_LAB_EXEC_TIMEOUT=15 "$LAB" exec linux 'echo alive-$((40 + 2))') ||
    fail "the guest's shell does not answer after gdb's detach"
[ "$answer" = alive-42 ] || fail "the guest's shell answered '$answer', not alive-42"
exit 0
