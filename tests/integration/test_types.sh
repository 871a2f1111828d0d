#!/usr/bin/env bash
# Issue 5's types check: on the lab's -dbg vmlinux (lab/lab fetch dbg), BTF
# and DWARF give the same size, offset, bit offset, bit size, kind, element
# size and count for every member the OS awareness needs; a missing member
# fails naming the member, the file and the source. Needs no running VM.
# The probe is build/tests/types_probe (next to $ELSCOPE).
# shellcheck source-path=SCRIPTDIR
. "$(dirname "$0")/lib.sh"

CACHE=${ELSCOPE_LAB_CACHE:-$HOME/.cache/elscope-lab}
VMLINUX_DBG=$(sed -n 's/^VMLINUX=//p' "$CACHE/lab.env" 2>/dev/null || true)
if [ -z "$VMLINUX_DBG" ] || [ ! -f "$VMLINUX_DBG" ]; then
    fail "no -dbg vmlinux in $CACHE/lab.env (run lab/lab fetch dbg)"
fi
PROBE=${TYPES_PROBE:-$(dirname "$ELSCOPE")/tests/types_probe}
[ -x "$PROBE" ] || fail "no types_probe at $PROBE (build with -Dtests=true)"

QUERIES=(
    task_struct
    task_struct.tasks task_struct.tasks.next task_struct.pid task_struct.tgid
    task_struct.comm task_struct.mm task_struct.active_mm task_struct.stack
    task_struct.thread.cpu_context.sp task_struct.thread.cpu_context.pc
    task_struct.thread.cpu_context.fp task_struct.real_parent
    task_struct.__state task_struct.on_cpu task_struct.thread_info.cpu
    task_struct.thread_info.flags task_struct.se.vruntime
    task_struct.sched_reset_on_fork task_struct.in_execve
    mm_struct mm_struct.pgd mm_struct.mm_mt
    list_head list_head.next list_head.prev
    module module.list module.name module.state
    module.core_layout.base module.core_layout.size
    printk_ringbuffer printk_ringbuffer.desc_ring.count_bits
    printk_ringbuffer.desc_ring.descs printk_ringbuffer.desc_ring.infos
    printk_ringbuffer.desc_ring.head_id printk_ringbuffer.desc_ring.tail_id
    printk_ringbuffer.text_data_ring.size_bits
    printk_ringbuffer.text_data_ring.data
    printk_ringbuffer.text_data_ring.head_lpos
    printk_ringbuffer.text_data_ring.tail_lpos printk_ringbuffer.fail
    prb_desc prb_desc.state_var prb_desc.text_blk_lpos.begin
    prb_desc.text_blk_lpos.next
    printk_info printk_info.seq printk_info.ts_nsec printk_info.text_len
    printk_info.caller_id
)

"$PROBE" --btf "$VMLINUX_DBG" "${QUERIES[@]}" >"$T/btf" 2>"$T/btf.err" ||
    fail "BTF: $(grep error "$T/btf" | head -n 1)$(tail -n 1 "$T/btf.err")"
"$PROBE" --dwarf "$VMLINUX_DBG" "${QUERIES[@]}" >"$T/dwarf" 2>"$T/dwarf.err" ||
    fail "DWARF: $(grep error "$T/dwarf" | head -n 1)$(tail -n 1 "$T/dwarf.err")"
note "BTF: $(cat "$T/btf.err")"
note "DWARF: $(cat "$T/dwarf.err")"
grep -q '^source=BTF ' "$T/btf.err" || fail "the vmlinux was not read through its .BTF"
grep -q '^source=DWARF ' "$T/dwarf.err" || fail "--dwarf did not read DWARF"
cat "$T/btf" >&2
[ "$(wc -l <"$T/btf")" -eq ${#QUERIES[@]} ] || fail "BTF answered $(wc -l <"$T/btf") of ${#QUERIES[@]} queries"
diff -u "$T/btf" "$T/dwarf" >&2 || fail "BTF and DWARF disagree: $(diff "$T/btf" "$T/dwarf" | grep '^[<>]' | head -n 2 | tr '\n' ' ')"

# Known facts, whatever the kernel.
grep -qx 'list_head.next offset=0 bit_offset=0 bit_size=0 size=8 kind=ptr elem_size=16 count=0' "$T/btf" ||
    fail "list_head.next is not a pointer to a list_head at 0"
grep -q '^task_struct.comm offset=[0-9]* bit_offset=[0-9]* bit_size=0 size=16 kind=array elem_size=1 count=16$' "$T/btf" ||
    fail "task_struct.comm is not char[16]"
grep -q '^task_struct.sched_reset_on_fork .* bit_size=1 ' "$T/btf" ||
    fail "task_struct.sched_reset_on_fork is not a 1-bit bitfield"

# A missing member names itself, the file and the source.
for src in btf dwarf; do
    out=$("$PROBE" --$src "$VMLINUX_DBG" task_struct.no_such_member 2>/dev/null) &&
        fail "$src: task_struct.no_such_member was found"
    want="task_struct has no member 'no_such_member' ($VMLINUX_DBG, ${src^^})"
    [[ $out == *"$want"* ]] || fail "$src: missing member said '$out', not '$want'"
done
