#!/usr/bin/env bash
# Types: time to open the lab's -dbg vmlinux and answer 20 structure and
# member lookups (the ones Linux awareness needs) through .BTF and through
# DWARF, with the file's pages evicted from the page cache (cold) and then
# warm. Prints a Markdown table of medians over RUNS runs (default 5).
# usage: bench/types_speed.sh [TYPES_PROBE] [VMLINUX] [RUNS]
set -euo pipefail
PROBE=${1:-build/tests/types_probe}
VMLINUX=${2:-$(sed -n 's/^VMLINUX=//p' "${ELSCOPE_LAB_CACHE:-$HOME/.cache/elscope-lab}/lab.env")}
RUNS=${3:-5}
# shellcheck disable=SC2034 # used through a nameref below
QUERIES=(task_struct task_struct.tasks task_struct.pid task_struct.tgid
    task_struct.comm task_struct.mm task_struct.stack
    task_struct.thread.cpu_context.sp task_struct.thread.cpu_context.pc
    task_struct.real_parent task_struct.__state task_struct.on_cpu
    task_struct.thread_info.cpu mm_struct.pgd mm_struct.mm_mt list_head.next
    list_head.prev module.list module.name module.core_layout.base)
# Structures that DWARF's first units do not define: the lazy search goes far.
# shellcheck disable=SC2034 # used through a nameref below
PRINTK=(printk_ringbuffer.desc_ring.descs printk_ringbuffer.desc_ring.infos
    printk_ringbuffer.text_data_ring.data prb_desc.state_var printk_info.seq
    printk_info.text_len)
evict() { python3 -c 'import os,sys; fd=os.open(sys.argv[1],os.O_RDONLY); os.posix_fadvise(fd,0,0,os.POSIX_FADV_DONTNEED)' "$VMLINUX"; }
run() { # run MODE QUERY...: prints "open queries total" in seconds
    local mode=$1
    shift
    "$PROBE" "--$mode" "$VMLINUX" "$@" 2>&1 >/dev/null |
        sed -n 's/.*open=\([0-9.]*\)s queries=\([0-9.]*\)s total=\([0-9.]*\)s/\1 \2 \3/p'
}
median() { sort -n | awk '{a[NR]=$1} END {printf "%.1f", a[int((NR+1)/2)]*1000}'; }
echo "| lookups | source | cache | open ms | lookups ms | total ms |"
echo "|---|---|---|---:|---:|---:|"
for set in QUERIES PRINTK; do
  declare -n qs=$set
  for mode in btf dwarf; do
    for cache in cold warm; do
        out=()
        for _ in $(seq "$RUNS"); do
            [ "$cache" = cold ] && evict
            out+=("$(run "$mode" "${qs[@]}")")
        done
        o=$(printf '%s\n' "${out[@]}" | awk '{print $1}' | median)
        q=$(printf '%s\n' "${out[@]}" | awk '{print $2}' | median)
        t=$(printf '%s\n' "${out[@]}" | awk '{print $3}' | median)
        label=${set/QUERIES/task, mm, module}; label=${label/PRINTK/printk ring buffer}
        echo "| ${#qs[@]} $label | ${mode^^} | $cache | $o | $q | $t |"
    done
  done
done
