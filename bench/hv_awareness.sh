#!/usr/bin/env bash
# Round trips, bytes and time of the hypervisor commands on the xen lab, in
# one halted session (so the memory cache is shared as a user's shell
# shares it): vm (the first also opens Xen: build id, version, layout
# checks), vcpu, ctx (what each CPU runs, both guests' current tasks), ps
# and log of each guest through its VM, ctx again (all cached).
# usage: bench/hv_awareness.sh   (brings the xen lab up if needed)
set -euo pipefail
cd "$(dirname "$0")/.."
ELSCOPE=${ELSCOPE:-build/elscope}
while IFS='=' read -r k v; do
    case $k in TARGET|XEN_SYMS|VMLINUX) printf -v "$k" '%s' "$v" ;; esac
done < <(lab/lab up xen)
for run in 1 2 3; do
    echo "run $run"
    "$ELSCOPE" "$TARGET" --xen "$XEN_SYMS" --guest "0=$VMLINUX" --guest "1=$VMLINUX" --stats \
        -c halt -c vm -c vcpu -c ctx -c 'ps --vm 0' -c 'ps --vm 1' -c 'log --vm 1' -c ctx -c cont \
        2>&1 >/dev/null | sed -n 's/^stats: \([a-z]*\): \([0-9]*\) round trips, [0-9]* bytes out, \([0-9]*\) bytes in, .* \([0-9.]*\) ms$/  \1: \2 round trips, \3 bytes in, \4 ms/p'
done
