#!/usr/bin/env bash
# ftrace: the kernel's ftrace ring buffer (sched_switch, sched_wakeup, on
# from boot by the lab's trace_event= parameter) read in memory at a halt,
# against what the guest itself shows of the same moments.
#
# On linux, then on xen for domU (--vm 1): `busy start`; halt the machine
# (left halted); `ftrace --records --json`; resume; the guest's own
# /sys/kernel/tracing/trace right after. Per CPU, over the times both hold
# (the guest's oldest record may have been overwritten since the resume),
# elscope's records and the guest's lines are the same set of (cpu, time in
# us, event, pids); busy is switched in with its comm and is among a CPU's
# busiest tasks.
# shellcheck source=tests/integration/lib.sh
source "$(dirname "$0")/lib.sh"

# guest_trace VM FILE: the guest's trace file (tracefs mounted if need be),
# with recording paused while it is copied (reading it through the console
# makes many switches, which would overwrite the oldest pages meanwhile).
guest_trace() {
    # Absolute paths and the shell left in /: the console's shell keeps its
    # working directory from one exec to the next, and one inside a tracefs
    # mounted again is "nonexistent" (seen in CI). Up to three tries.
    local try
    for try in 1 2 3; do
        if timeout -k 5 60 "$LAB" exec "$1" \
            'cd /; grep -q " /sys/kernel/tracing " /proc/mounts || mount -t tracefs nodev /sys/kernel/tracing; T=/sys/kernel/tracing; echo 0 >$T/tracing_on; cat $T/trace >/tmp/ftrace.txt; echo 1 >$T/tracing_on' >"$T/copy.err" 2>&1; then
            break
        fi
        [ "$try" -lt 3 ] || fail "copying the trace file of $1 failed: $(tail -n 2 "$T/copy.err" | tr '\n' ' ')"
        note "copying the trace file of $1 failed (try $try): $(tail -n 1 "$T/copy.err")"
        sleep 1
    done
    timeout -k 5 60 "$LAB" exec "$1" 'gzip -c /tmp/ftrace.txt | base64; rm /tmp/ftrace.txt' |
        tr -d '\r' | base64 -d | gunzip >"$2" ||
        fail "reading the trace file of $1 failed"
}

# check SCENARIO VM NAME ELSCOPE_ARGS... (ftrace's own args in FTRACE_ARGS)
check() {
    local scenario=$1 vm=$2 name=$3
    shift 3
    local pid
    busy_start "$vm" pid
    note "$name: busy pid $pid"
    sleep 1
    run_elscope "$T/halt" "$T/err" "$@" --keep-halted -c halt ||
        fail "$name: halt failed: $(tail -n 1 "$T/err")"
    if ! run_elscope "$T/$name.json" "$T/err" "$@" --stats --keep-halted --json \
        -c "ftrace $FTRACE_ARGS --records"; then
        "$LAB" qmp "$scenario" cont >/dev/null || true
        fail "$name: ftrace failed: $(tail -n 1 "$T/err")"
    fi
    grep '^stats:' "$T/err" >&2 || true
    run_elscope "$T/cont" "$T/err" "$@" -c cont ||
        fail "$name: cont failed: $(tail -n 1 "$T/err")"
    guest_trace "$vm" "$T/$name.trace"
    python3 "$IT_DIR/ftrace_compare.py" "$T/$name.json" "$T/$name.trace" "$pid" >"$T/cmp" ||
        { cat "$T/cmp" >&2; fail "$name: $(grep '^why:' "$T/cmp" | cut -c6-)"; }
    sed "s/^/$name: /" "$T/cmp" >&2
    busy_stop "$vm"
}

lab_up linux
FTRACE_ARGS=""
check linux linux linux "$TARGET" --vmlinux "$VMLINUX"

lab_up xen
FTRACE_ARGS="--vm 1"
check xen xen:dom1 domU "$TARGET" --xen "$XEN_SYMS" --guest "0=$VMLINUX" --guest "1=$VMLINUX"
