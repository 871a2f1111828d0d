#!/usr/bin/env bash
# elscope on an ELF core from QEMU's dump-guest-memory (paging off) agrees
# with the live machine: gdb halts the VM, `lab/lab dump` writes the core,
# gdb reads registers and physical memory at that same halted moment, and
# then `elscope core:FILE` must give the same PC and SP of both CPUs and the
# same bytes.
# shellcheck source-path=SCRIPTDIR
. "$(dirname "$0")/lib.sh"

lab_up linux
pa=$(kernel_text_pa)
page=$((pa & ~0xfff))

ranges=(
    "start $((0x40000000)) 64"             # start of RAM: QEMU's boot stub
    "page $page 4096"                      # the page of kernel text CPU 0 idles in
    "odd $((page - 0x1f3)) 1001"           # unaligned, across 512-byte blocks and a page boundary
    "bulk $((pa & ~0x1fffff)) $((0x40000))" # 256 KiB of kernel image, through --out
)
regs=(pc sp)

core="$T/core.elf"
gdb_cmds=("shell '$LAB' dump linux '$core' && echo @dump=0x1")
mapfile -t -O 1 gdb_cmds < <(gdb_regs 1 cpu0 "${regs[@]}"; gdb_regs 2 cpu1 "${regs[@]}")
gdb_cmds+=('maint packet Qqemu.PhyMemMode:1')
cmds=(-c "regs --cpu 0 ${regs[*]}" -c "regs --cpu 1 ${regs[*]}")
for r in "${ranges[@]}"; do
    read -r name addr len <<<"$r"
    gdb_cmds+=("dump binary memory $T/gdb-$name.bin $(hex "$addr") $(hex $((addr + len)))")
    if [ "$name" = bulk ]; then
        cmds+=(-c "x --phys $(hex "$addr") $(hex "$len") --out $T/elscope-$name.bin")
    else
        cmds+=(-c "x --phys $(hex "$addr") $len")
    fi
done

# 1. One halted moment: the core, then gdb's live reads; detach resumes.
gdb_session "$T/gdb.log" "${gdb_cmds[@]}"
if ! grep -q '^@dump=0x1' "$T/gdb.log" || [ ! -s "$core" ]; then
    fail "lab/lab dump failed: $(grep '^lab: ' "$T/gdb.log" | tail -n 1)"
fi
note "core: $(stat -c %s "$core") bytes"

# 2. elscope reads the core.
status=0
run_elscope "$T/out" "$T/err" "core:$core" --json "${cmds[@]}" || status=$?
[ "$status" -eq 0 ] || fail "elscope exited with status $status: $(head -n 1 "$T/err")"
[ ! -s "$T/err" ] || fail "elscope wrote to stderr: $(head -n 1 "$T/err")"
why=$("${CHECK[@]}" lines "$T/out" $((${#cmds[@]} / 2))) || fail "$why"
why=$("${CHECK[@]}" regs "$T/out" 1 "$T/gdb.log" cpu0 "${regs[@]}") || fail "core vs live: $why"
why=$("${CHECK[@]}" regs "$T/out" 2 "$T/gdb.log" cpu1 "${regs[@]}") || fail "core vs live: $why"
note "PC and SP of both CPUs: same"
compare_ranges 3 "core vs live: "

# 3. The dump did not leave the VM stopped.
st=$(wait_vm_status running)
[ "$st" = running ] || fail "after the dump and gdb's detach the VM is $st, not running"
exit 0
