#!/usr/bin/env bash
# Breakpoints on the live kernel: `break vfs_read`, `cont`, `wait` stops on
# a CPU at vfs_read's address (from `sym`) at EL1 while the guest reads
# files; `cont` steps the stopped CPU over its breakpoint (a function called
# once is not reported twice); whatever elscope leaves set (stopped at it, or
# running with it) is removed on exit: the guest runs on, a new session sees
# no stop, the kernel text is unchanged. `wait --timeout` on a breakpoint
# never hit fails and leaves the VM running; Ctrl-C during `wait` exits 130
# and resumes the VM; errors: unknown and ambiguous names, wait while halted.
# shellcheck source-path=SCRIPTDIR
. "$(dirname "$0")/lib.sh"

lab_up linux
[ -f "${VMLINUX:-/nonexistent}" ] || fail "lab/lab up linux gave no VMLINUX"

# json FILE LINE EXPR: evaluate a Python expression on the LINE-th JSON
# document (1-based) of FILE, as o.
json() {
    python3 -c 'import json, sys
o = json.loads(open(sys.argv[1]).read().splitlines()[int(sys.argv[2]) - 1])
print(eval(sys.argv[3]))' "$1" "$2" "$3"
}

# load SCRIPT: run SCRIPT in the guest in the background (it stalls while
# the VM is halted); load_done waits for it and fails if it did not finish.
LOAD_PID=""
load() {
    "$LAB" exec linux "$1" >"$T/load.out" 2>&1 &
    LOAD_PID=$!
    BG_PIDS+=("$LOAD_PID")
}
load_done() {
    local i
    for ((i = 0; i < 300; i++)); do
        kill -0 "$LOAD_PID" 2>/dev/null || break
        sleep 0.1
    done
    kill -0 "$LOAD_PID" 2>/dev/null && fail "the guest did not finish '$1' in 30 s: is it still halted? ($(vm_status))"
    wait "$LOAD_PID" || fail "lab/lab exec linux failed: $(tail -n 1 "$T/load.out")"
}
READS='for i in $(seq 16); do cat /proc/version >/dev/null; sleep 0.3; done'

run_elscope "$T/sym" "$T/err" "$TARGET" --vmlinux "$VMLINUX" --json \
    -c 'sym vfs_read' -c 'sym __arm64_sys_newuname' ||
    fail "sym failed: $(tail -n 1 "$T/err")"
addr=$(json "$T/sym" 1 'o["address"]')
uname_addr=$(json "$T/sym" 2 'o["address"]')
run_elscope "$T/x0" "$T/err" "$TARGET" --json -c "x $addr 4" ||
    fail "x $addr 4 failed: $(tail -n 1 "$T/err")"
text0=$(json "$T/x0" 1 'o["data"]')
note "vfs_read at $addr holds $text0"

# text_unchanged WHEN: the 4 bytes at vfs_read, read by a new session.
text_unchanged() {
    run_elscope "$T/x1" "$T/err" "$TARGET" --json -c "x $addr 4" ||
        fail "x $addr 4 ($1) failed: $(tail -n 1 "$T/err")"
    local got
    got=$(json "$T/x1" 1 'o["data"]')
    [ "$got" = "$text0" ] || fail "$1: vfs_read holds $got, not $text0"
}

# no_breakpoint_left WHEN: the guest runs, finishes reads, and a new session
# that resumes it and waits sees no stop (QEMU keeps no breakpoint of ours).
no_breakpoint_left() {
    local st
    st=$(wait_vm_status running)
    [ "$st" = running ] || fail "$1: the VM is $st after elscope left"
    load "$READS"
    if run_elscope "$T/nb" "$T/nberr" "$TARGET" --vmlinux "$VMLINUX" \
        -c cont -c 'wait --timeout 3'; then
        fail "$1: a new session stopped at $(tail -n 1 "$T/nb"): a breakpoint was left"
    fi
    grep -q 'did not stop within 3 s' "$T/nberr" ||
        fail "$1: wait in a new session: $(tail -n 1 "$T/nberr")"
    load_done "$READS"
    text_unchanged "$1"
}

# 1) A hit, reported with the breakpoint, pc, symbol and EL; then delete.
load "$READS"
run_elscope "$T/b1" "$T/err" "$TARGET" --vmlinux "$VMLINUX" --json --stats \
    -c 'break vfs_read' -c cont -c 'wait --timeout 10' -c 'regs pc' \
    -c break -c delete -c cont ||
    fail "break/cont/wait failed: $(tail -n 1 "$T/err")"
[ "$(json "$T/b1" 1 'o["address"], o["symbol"], o["kind"], o["id"]')" = "('$addr', 'vfs_read', 'sw', 1)" ] ||
    fail "break vfs_read printed $(sed -n 1p "$T/b1")"
[ "$(json "$T/b1" 3 'o["state"], o["reason"], o["breakpoint"], o["pc"], o["symbol"], o["el"]')" = \
    "('halted', 'breakpoint', 1, '$addr', 'vfs_read', 1)" ] ||
    fail "wait printed $(sed -n 3p "$T/b1"), not a stop at breakpoint 1 ($addr) at EL1"
cpu=$(json "$T/b1" 3 'o["cpu"]')
[ "$(json "$T/b1" 4 'o["pc"]')" = "$addr" ] || fail "regs pc after the stop: $(sed -n 4p "$T/b1")"
[ "$(json "$T/b1" 5 '[(b["id"], b["hits"]) for b in o]')" = "[(1, 1)]" ] ||
    fail "break (list) printed $(sed -n 5p "$T/b1")"
[ "$(json "$T/b1" 6 'o["left"]')" = 0 ] || fail "delete printed $(sed -n 6p "$T/b1")"
note "CPU $cpu stopped at vfs_read ($addr), EL1; $(grep -E 'stats: (break|wait|cont)' "$T/err" | tr '\n' ' ')"
load_done "$READS"
no_breakpoint_left "after delete"
note "after delete + cont: VM runs, no stop in a new session, text unchanged"

# 2) cont steps over: a function called once stops once.
load 'sleep 1; uname -r'
if run_elscope "$T/so" "$T/soerr" "$TARGET" --vmlinux "$VMLINUX" --json \
    -c 'break __arm64_sys_newuname' -c cont -c 'wait --timeout 10' \
    -c cont -c 'wait --timeout 3'; then
    fail "a second stop after cont at __arm64_sys_newuname: $(tail -n 1 "$T/so")"
fi
[ "$(json "$T/so" 3 'o["pc"], o["breakpoint"]')" = "('$uname_addr', 1)" ] ||
    fail "break __arm64_sys_newuname: no stop there ($(tr '\n' ' ' <"$T/so"); $(tail -n 1 "$T/soerr"))"
grep -q 'elscope: wait: the target did not stop within 3 s' "$T/soerr" ||
    fail "the second wait: $(tail -n 1 "$T/soerr")"
load_done uname
note "one uname, one stop: cont stepped over the breakpoint"

# 3) Breakpoints left set at exit are removed: stopped at one, running with one.
load "$READS"
run_elscope "$T/l1" "$T/err" "$TARGET" --vmlinux "$VMLINUX" \
    -c 'break vfs_read' -c cont -c 'wait --timeout 10' ||
    fail "break/cont/wait (left set): $(tail -n 1 "$T/err")"
grep -q 'hit breakpoint 1' "$T/l1" || fail "no hit: $(cat "$T/l1")"
load_done "$READS"
no_breakpoint_left "exit stopped at a breakpoint"
run_elscope "$T/l2" "$T/err" "$TARGET" --vmlinux "$VMLINUX" \
    -c 'break --hw vfs_read' -c 'break vfs_write' -c cont ||
    fail "break/cont (left set, running): $(tail -n 1 "$T/err")"
no_breakpoint_left "exit running with breakpoints"
note "breakpoints left at exit (halted at one; running with sw + hw) are removed, VM runs"

# 4) A breakpoint never hit: the timeout error, and the VM runs.
if run_elscope "$T/p" "$T/perr" "$TARGET" --vmlinux "$VMLINUX" \
    -c 'break panic' -c cont -c 'wait --timeout 1'; then
    fail "wait on panic returned: $(tail -n 1 "$T/p")"
fi
[ "$(tail -n 1 "$T/perr")" = "elscope: wait: the target did not stop within 1 s" ] ||
    fail "wait --timeout 1: $(tail -n 1 "$T/perr")"
no_breakpoint_left "after the timeout"
note "wait --timeout 1 on panic: timeout error, VM running"

# 5) Errors.
expect_error() {
    local want=$1
    shift
    if run_elscope "$T/e" "$T/eerr" "$TARGET" --vmlinux "$VMLINUX" "$@"; then
        fail "elscope $* succeeded"
    fi
    grep -qF -- "$want" "$T/eerr" || fail "elscope $*: '$(tail -n 1 "$T/eerr")', not '$want'"
}
expect_error "elscope: break: no symbol 'no_such_function' in the machine's kernel" \
    -c 'break no_such_function'
expect_error "elscope: break: the machine's kernel has no image 'nosuchmod': no such module is loaded, and there is no nosuchmod.ko under" \
    --sysroot "$SYSROOT" -c 'break nosuchmod:vfs_read'
# Without --sysroot a module not loaded now cannot be checked: pending.
run_elscope "$T/p.json" "$T/perr" "$TARGET" --vmlinux "$VMLINUX" --json -c 'break nosuchmod:vfs_read' ||
    fail "break nosuchmod:vfs_read without --sysroot: $(tail -n 1 "$T/perr")"
python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert d["pending"] is True and d["address"] is None, d' "$T/p.json" ||
    fail "break nosuchmod:vfs_read without --sysroot is not pending: $(cat "$T/p.json")"
expect_error "elscope: wait: the target is halted: 'cont' it first" -c wait
expect_error "elscope: delete: no breakpoint 9" -c 'break vfs_read' -c 'delete 9'
# Every module has its cleanup_module: ambiguous once their symbols load.
expect_error "elscope: break: 'cleanup_module' is in" --sysroot "$SYSROOT" \
    -c 'break cleanup_module'
note "errors: $(tail -n 1 "$T/eerr")"
st=$(wait_vm_status running)
[ "$st" = running ] || fail "the VM is $st after the error cases"

# 6) Ctrl-C during wait: status 130, one line, the VM resumed.
"$ELSCOPE" "$TARGET" --vmlinux "$VMLINUX" -c 'break panic' -c cont -c wait \
    >"$T/c" 2>"$T/cerr" &
es=$!
BG_PIDS+=("$es")
sleep 2
kill -0 "$es" 2>/dev/null || fail "wait ended by itself: $(tail -n 1 "$T/cerr")"
kill -INT "$es"
status=0
for ((i = 0; i < 50; i++)); do
    kill -0 "$es" 2>/dev/null || break
    sleep 0.1
done
kill -0 "$es" 2>/dev/null && fail "elscope still runs 5 s after Ctrl-C in wait"
wait "$es" || status=$?
[ "$status" -eq 130 ] || fail "Ctrl-C in wait: status $status, not 130: $(tail -n 1 "$T/cerr")"
[ "$(cat "$T/cerr")" = "elscope: wait: interrupted" ] ||
    fail "Ctrl-C in wait: stderr '$(tr '\n' '|' <"$T/cerr")'"
grep -q 'halted by Ctrl-C' "$T/c" || fail "Ctrl-C in wait: stdout '$(cat "$T/c")'"
no_breakpoint_left "Ctrl-C in wait"
note "Ctrl-C in wait: status 130, '$(cat "$T/cerr")', VM running"
exit 0
