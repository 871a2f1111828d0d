#!/usr/bin/env bash
# Ctrl-C in the middle of a long read: elscope stops the read, says so in one
# line, exits with status 130, and resumes the VM it halted by attaching.
# With --keep-halted the same interruption leaves the VM paused.
# shellcheck source-path=SCRIPTDIR
. "$(dirname "$0")/lib.sh"

lab_up linux

# interrupt OUTFILE ERRFILE ARG...: start elscope reading all of RAM, send
# SIGINT once it is well into the read; print its exit status.
interrupt() {
    local out=$1 err=$2
    shift 2
    "$ELSCOPE" "$TARGET" "$@" -c "x --phys 0x40000000 0x40000000 --out $T/ram.bin" >"$out" 2>"$err" &
    local es=$! t0
    BG_PIDS+=("$es")
    t0=$(date +%s%N)
    # Wait until the read is under way (the connection carries data).
    while kill -0 "$es" 2>/dev/null; do
        got=$(ss -tinH state established dst "127.0.0.1:$GDB_PORT" 2>/dev/null |
            grep -o 'bytes_received:[0-9]*' | cut -d : -f 2 | head -n 1 || true)
        [ "${got:-0}" -lt $((4 << 20)) ] || break
        [ $((($(date +%s%N) - t0) / 1000000)) -lt 3000 ] || break
        sleep 0.01
    done
    kill -0 "$es" 2>/dev/null || fail "the 1 GiB read ended before it could be interrupted: $(head -n 1 "$err")"
    kill -INT "$es"
    local t_int status=0
    t_int=$(date +%s%N)
    while kill -0 "$es" 2>/dev/null; do
        if [ $((($(date +%s%N) - t_int) / 1000000)) -ge 5000 ]; then
            kill -KILL "$es" 2>/dev/null || true
            fail "elscope still runs 5 s after Ctrl-C"
        fi
        sleep 0.02
    done
    wait "$es" || status=$?
    echo "$status"
}

status=$(interrupt "$T/out" "$T/err")
[ "$status" -eq 130 ] || fail "after Ctrl-C elscope exited with $status, not 130: $(head -n 1 "$T/err")"
n=$(wc -l <"$T/err")
[ "$n" -eq 1 ] || fail "elscope wrote $n lines to stderr, not 1: $(tr '\n' '|' <"$T/err" | head -c 200)"
grep -q '^elscope: x: interrupted$' "$T/err" || fail "stderr is '$(cat "$T/err")', not 'elscope: x: interrupted'"
st=$(wait_vm_status running)
[ "$st" = running ] || fail "after Ctrl-C the VM is $st: elscope did not resume what it halted"
note "plain: status 130, VM running"

status=$(interrupt "$T/out2" "$T/err2" --keep-halted)
[ "$status" -eq 130 ] || fail "with --keep-halted, Ctrl-C gave status $status, not 130"
st=$(wait_vm_status paused)
[ "$st" = paused ] || fail "with --keep-halted, after Ctrl-C the VM is $st, not paused"
note "--keep-halted: status 130, VM paused"

# Leave the lab as the next test expects it: running.
"$ELSCOPE" "$TARGET" -c cont >/dev/null 2>"$T/err3" || fail "could not resume the VM: $(head -n 1 "$T/err3")"
st=$(wait_vm_status running)
[ "$st" = running ] || fail "the VM is $st after 'cont'"
exit 0
