#!/usr/bin/env bash
# Sampling rate through QEMU's gdbstub on the xen lab, both guests busy:
#  - the limit: `profile --bare` (halt, the pc of every CPU in one batch,
#    resume, as fast as it goes);
#  - elscope's profile (pc, cpsr, curr_vcpu of each CPU and rq->curr of
#    each guest vCPU per round, one batch) at full speed and at 100 Hz;
#  - a gdb-driven sampler as people run one ("poor man's profiler"): each
#    sample a gdb-multiarch that attaches, prints every thread's pc and
#    detaches.
# Runs alternate (bare, profile, bare, ...) so that load on the host hits
# both alike; three of each, medians reported.
# usage: bench/profile_rate.sh
set -euo pipefail
cd "$(dirname "$0")/.."
ELSCOPE=${ELSCOPE:-build/elscope}
while IFS='=' read -r k v; do
    case $k in TARGET|XEN_SYMS|VMLINUX|SYSROOT|GDB_PORT) printf -v "$k" '%s' "$v" ;; esac
done < <(lab/lab up xen)
lab/lab exec xen:dom0 'busy start' >/dev/null
lab/lab exec xen:dom1 'busy start' >/dev/null
trap 'lab/lab exec xen:dom0 "busy stop" >/dev/null 2>&1; lab/lab exec xen:dom1 "busy stop" >/dev/null 2>&1' EXIT
G=(--xen "$XEN_SYMS" --guest "0=$VMLINUX" --guest "1=$VMLINUX" --sysroot "$SYSROOT")
rate() { python3 -c 'import json,sys; d=json.load(sys.stdin); print("%.0f %.2f" % (d["rate"], d["halted_seconds"]/d["seconds"]))'; }
bare=() full=() slow=()
for run in 1 2 3; do
    bare+=("$("$ELSCOPE" "$TARGET" "${G[@]}" --json -c 'profile --bare --seconds 3 --rate 100000' | rate)")
    full+=("$("$ELSCOPE" "$TARGET" "${G[@]}" --json -c 'profile --seconds 3 --rate 100000 --by vm' 2>/dev/null | rate)")
    slow+=("$("$ELSCOPE" "$TARGET" "${G[@]}" --json -c 'profile --seconds 3 --rate 100 --by vm' 2>/dev/null | rate)")
    echo "run $run: bare ${bare[-1]}, profile ${full[-1]}, profile at 100 Hz ${slow[-1]} (rounds/s, share of time halted)"
done
t0=$(date +%s.%N)
n=10
for ((i = 0; i < n; i++)); do
    gdb-multiarch -batch -nx -ex 'set pagination off' -ex "target remote 127.0.0.1:$GDB_PORT" \
        -ex 'thread apply all p/x $pc' -ex detach >/dev/null 2>&1
done
t1=$(date +%s.%N)
median() { printf '%s\n' "$@" | sort -n | sed -n 2p; }
echo "median: bare $(median "${bare[@]%% *}") rounds/s; profile $(median "${full[@]%% *}") rounds/s; profile --rate 100: $(median "${slow[@]%% *}") rounds/s, halted $(median "${slow[@]##* }")"
python3 -c "print('gdb attach/print pcs/detach: %.1f samples/s (%d in %.1f s)' % ($n / ($t1 - $t0), $n, $t1 - $t0))"
