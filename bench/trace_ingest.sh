#!/usr/bin/env bash
# Trace ingest speed: elscope --in FILE against xenalyze --summary (xentrace
# files) and trace-cmd report >/dev/null (trace.dat), same files, same
# machine, same run; best of 3 wall times per tool and size.
#
# xentrace: a real file recorded from the xen lab's trace buffers
# (trace --sched --raw-out), then the same records repeated with shifted
# timestamps (bench/xentrace_repeat.py) for larger sizes.
# trace.dat: recorded on this host through tracefs (sched_switch,
# sched_wakeup; `trace-cmd extract`: trace-cmd record cannot set
# ftrace_enabled in a container) under a pipe ping-pong load, for 1, 4 and
# 16 seconds; without a writable tracefs, tests/data/sched.dat only.
#
# usage: bench/trace_ingest.sh [XENTRACE_FILE]   (run from the source tree)
set -euo pipefail
ELSCOPE=${ELSCOPE:-build/elscope}
W=$(mktemp -d /tmp/trace-ingest.XXXXXX)
trap 'rm -rf "$W"' EXIT

best3() { # command...: best wall seconds of 3 runs
    local best=
    for _ in 1 2 3; do
        local a b
        a=$(date +%s.%N)
        "$@" >/dev/null 2>&1
        b=$(date +%s.%N)
        best=$(python3 -c "a,b,c='$a','$b','$best';d=float(b)-float(a);print(d if not c or d<float(c) else c)")
    done
    echo "$best"
}
xt_records() {
    python3 - "$1" <<'PY'
import struct, sys
b = open(sys.argv[1], 'rb').read(); p = n = 0
while p < len(b):
    _, _, size = struct.unpack_from('<III', b, p); q, p = p + 12, p + 12 + size
    while q < p:
        h = struct.unpack_from('<I', b, q)[0]; q += 4 + (8 if h >> 31 else 0) + 4 * ((h >> 28) & 7); n += 1
print(n)
PY
}
row() { # label file records elscope_s other_s events
    python3 -c "
lab,f,r,e,o,ev='$1','$2',$3,$4,$5,$6
import os
print(f'| {lab} | {os.path.getsize(f)/1e6:.1f} MB | {r} | {ev} | {e:.3f} | {r/e/1e6:.2f} M | {o:.3f} | {r/o/1e6:.2f} M | {o/e:.1f}x |')"
}

echo "## xentrace: elscope --in vs xenalyze --summary"
base=${1:-}
if [ -z "$base" ]; then
    eval "$(lab/lab up xen | grep -E '^(TARGET|XEN_SYMS)=')"
    lab/lab exec xen 'for i in 1 2; do (while :; do :; done) & done; sleep 6; kill %1 %2' >/dev/null 2>&1 &
    "$ELSCOPE" "$TARGET" --xen "$XEN_SYMS" -c "trace --seconds 5 --sched --raw-out $W/base.xentrace" >/dev/null 2>&1
    wait || true
    base=$W/base.xentrace
fi
echo "| file | size | records | elscope events | elscope s | records/s | xenalyze s | records/s | elscope faster |"
echo "|---|---|---|---|---|---|---|---|---|"
for n in 1 10 100 300; do
    f=$W/x$n.xentrace
    python3 bench/xentrace_repeat.py "$base" "$f" "$n"
    r=$(xt_records "$f")
    ev=$("$ELSCOPE" --in "$f" --json | python3 -c 'import json,sys;print(json.load(sys.stdin)["events"])')
    e=$(best3 "$ELSCOPE" --in "$f")
    o=$(best3 xenalyze --summary --cpu-hz=62.5M "$f")
    row "lab x$n" "$f" "$r" "$e" "$o" "$ev"
    rm -f "$f"
done

echo
echo "## trace.dat: elscope --in vs trace-cmd report >/dev/null"
T=/sys/kernel/tracing
files=()
if [ -w $T/tracing_on ] || mount -t tracefs nodev $T 2>/dev/null; then
    for s in 1 4 16; do
        echo 0 > $T/tracing_on; echo > $T/trace; echo 262144 > $T/buffer_size_kb
        echo 1 > $T/events/sched/sched_switch/enable
        echo 1 > $T/events/sched/sched_wakeup/enable
        echo 1 > $T/tracing_on
        python3 -c "
import os, time
a, b = os.pipe(); c, d = os.pipe(); end = time.time() + $s
if os.fork() == 0:
    os.close(b); os.close(c)
    while os.read(a, 1): os.write(d, b'x')
    os._exit(0)
os.close(a); os.close(d)
while time.time() < end:
    os.write(b, b'x'); os.read(c, 1)
os.close(b); os.wait()"
        echo 0 > $T/tracing_on
        echo 0 > $T/events/sched/sched_switch/enable
        echo 0 > $T/events/sched/sched_wakeup/enable
        (cd "$W" && trace-cmd extract -o "$W/s$s.dat" >/dev/null 2>&1)
        files+=("$W/s$s.dat")
    done
    echo 1408 > $T/buffer_size_kb
else
    files+=(tests/data/sched.dat)
fi
echo "| file | size | records | elscope events | elscope s | records/s | trace-cmd report s | records/s | elscope faster |"
echo "|---|---|---|---|---|---|---|---|---|"
for f in "${files[@]}"; do
    r=$(trace-cmd report "$f" 2>/dev/null | grep -c ' sched_' || true)
    ev=$("$ELSCOPE" --in "$f" --json | python3 -c 'import json,sys;print(json.load(sys.stdin)["events"])')
    e=$(best3 "$ELSCOPE" --in "$f")
    o=$(best3 trace-cmd report "$f")
    row "$(basename "$f")" "$f" "$r" "$e" "$o" "$ev"
done
