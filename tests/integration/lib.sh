# shellcheck shell=bash
# Shared by the integration tests (sourced). A test passes by exiting 0; it
# fails by calling `fail WHY`, which prints "why: WHY" (the line
# tests/integration/run shows) and exits 1. Everything else a test prints
# goes to its log.
#
# Environment (set by tests/integration/run; defaults for running one test
# by hand, e.g. `tests/integration/test_regs_vs_gdb.sh`):
#   ELSCOPE   the elscope binary (default build/elscope)
#   LAB       lab/lab
#   KEEP_T    set: keep the test's scratch directory (gdb logs, dumps)
# A test run by hand brings the lab up if needed and leaves it up.
set -euo pipefail

IT_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(cd "$IT_DIR/../.." && pwd)
LAB=${LAB:-$REPO/lab/lab}
ELSCOPE=${ELSCOPE:-$REPO/build/elscope}
# shellcheck disable=SC2034 # used by the tests
CHECK=(python3 "$IT_DIR/check.py")

fail() {
    echo "why: $*" >&2
    exit 1
}
note() { echo "# $*" >&2; }

# Scratch space and background processes, cleaned up however the test ends.
T=$(mktemp -d "${TMPDIR:-/tmp}/elscope-it.XXXXXX")
BG_PIDS=()
LAB_UP=()   # scenarios this test brought up (lab_up)
BUSY_VMS=() # guests where busy_start started a busy loop
MTWORK_VMS=() # guests where mtwork_pair started two mtwork
it_cleanup() {
    local p sc vm
    for p in "${BG_PIDS[@]}"; do
        kill -KILL "$p" 2>/dev/null || true
    done
    # A test that failed between a halt and gdb's detach must not leave the
    # VM paused for the next one.
    for sc in "${LAB_UP[@]}"; do
        if [ "$(vm_status "$sc" 2>/dev/null)" = paused ]; then
            note "resuming $sc, left paused"
            "$LAB" qmp "$sc" cont >/dev/null || true
        fi
    done
    for vm in "${MTWORK_VMS[@]}"; do
        guest_exec "$vm" 'kill -CONT $(cat /tmp/it_mt.pids) 2>/dev/null; kill $(cat /tmp/it_mt.pids) 2>/dev/null; rm -f /tmp/it_mt.pids; cat /tmp/it_mt.aslr >/proc/sys/kernel/randomize_va_space 2>/dev/null; cat /tmp/it_mt.ready >/run/mtwork.ready 2>/dev/null; rm -f /tmp/it_mt.aslr /tmp/it_mt.ready' >/dev/null 2>&1 ||
            note "stopping the two mtwork in $vm failed"
    done
    for vm in "${BUSY_VMS[@]}"; do
        timeout -k 5 30 "$LAB" exec "$vm" 'busy stop' >/dev/null 2>&1 ||
            note "busy stop in $vm failed"
    done
    [ -n "${KEEP_T:-}" ] || rm -rf -- "$T"
}
trap it_cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

[ -x "$ELSCOPE" ] || fail "no elscope binary at $ELSCOPE"
command -v gdb-multiarch >/dev/null || fail "gdb-multiarch is not installed (scripts/setup-deps)"

# lab_up [SCENARIO [--fresh]]: make sure SCENARIO (default linux) runs; sets
# GDB_PORT TARGET SERIAL CONSOLE MONITOR IMAGE STATE PID VMLINUX SYSROOT TRUTH
# BOOT (and XEN_SYMS on xen) from `lab/lab up`.
lab_up() {
    local scenario=${1:-linux} out k v
    shift || true
    out=$("$LAB" up "$@" "$scenario") || fail "lab/lab up $* $scenario failed"
    # shellcheck disable=SC2034 # read by the tests
    XEN_SYMS=""
    while IFS='=' read -r k v; do
        case $k in
        GDB_PORT | TARGET | SERIAL | CONSOLE | MONITOR | IMAGE | STATE | PID | \
            VMLINUX | SYSROOT | TRUTH | BOOT | XEN_SYMS) printf -v "$k" '%s' "$v" ;;
        esac
    done <<<"$out"
    [ -n "${GDB_PORT:-}" ] || fail "lab/lab up $scenario printed no GDB_PORT"
    LAB_UP+=("$scenario")
}

# vm_status [SCENARIO]: "running" or "paused" (QEMU's run state, from the
# monitor) of SCENARIO (default linux).
vm_status() {
    "$LAB" qmp "${1:-linux}" query-status | python3 -c 'import json, sys; print(json.load(sys.stdin)["status"])'
}

# busy_start VM VAR: start the workload's busy loop in VM (lab/lab exec's
# name: linux, xen:dom1) and set VAR to its pid; it is stopped when the test
# ends (or by busy_stop VM).
busy_start() {
    local out
    out=$(timeout -k 5 30 "$LAB" exec "$1" 'busy start') ||
        fail "busy start in $1 failed: $out"
    out=$(tr -d '\r' <<<"$out" | tail -n 1)
    [[ $out =~ ^[0-9]+$ ]] || fail "busy start in $1 printed '$out', not a pid"
    BUSY_VMS+=("$1")
    printf -v "$2" '%s' "$out"
}

# guest_exec VM CMD: lab/lab exec of CMD in VM (linux, xen:dom1), its
# output without carriage returns. Through Xen's console an exec misses now
# and then: up to three tries.
guest_exec() {
    local i out
    for i in 1 2 3; do
        if out=$(timeout -k 5 40 "$LAB" exec "$1" "$2" 2>/dev/null); then
            tr -d '\r' <<<"$out"
            return 0
        fi
        sleep 1
    done
    return 1
}

# mtwork_pair VM VAR_A VAR_B: two new mtwork processes in VM, started with
# ASLR off so that their executable and libraries (libelswork.so) lie at
# the same virtual addresses; the old ASLR setting is back once both have
# exec'ed. Sets VAR_A and VAR_B to their pids. When the test ends they are
# continued (if stopped) and killed, and ASLR and /run/mtwork.ready put
# back.
mtwork_pair() {
    local a b
    guest_exec "$1" 'cat /proc/sys/kernel/randomize_va_space >/tmp/it_mt.aslr; cp /run/mtwork.ready /tmp/it_mt.ready; echo 0 >/proc/sys/kernel/randomize_va_space; mtwork >/dev/null 2>&1 & a=$!; mtwork >/dev/null 2>&1 & echo $a $! >/tmp/it_mt.pids; sleep 1; cat /tmp/it_mt.aslr >/proc/sys/kernel/randomize_va_space' >/dev/null ||
        fail "cannot start two mtwork processes in $1"
    MTWORK_VMS+=("$1")
    read -r a b < <(guest_exec "$1" 'cat /tmp/it_mt.pids' | tail -n 1)
    [[ $a =~ ^[0-9]+$ && $b =~ ^[0-9]+$ ]] || fail "no pids of the two mtwork processes in $1 ('$a' '$b')"
    printf -v "$2" '%s' "$a"
    printf -v "$3" '%s' "$b"
}

# busy_stop VM: stop VM's busy loop now.
busy_stop() {
    local vm kept=()
    timeout -k 5 30 "$LAB" exec "$1" 'busy stop' >/dev/null 2>&1 ||
        note "busy stop in $1 failed"
    for vm in "${BUSY_VMS[@]}"; do
        [ "$vm" = "$1" ] || kept+=("$vm")
    done
    BUSY_VMS=("${kept[@]}")
}

# wait_vm_status WANT: wait up to 3 s for QEMU's run state to become WANT;
# prints the last state seen.
wait_vm_status() {
    local st="" i
    for ((i = 0; i < 30; i++)); do
        st=$(vm_status) || st="unknown (no answer from the monitor)"
        [ "$st" != "$1" ] || break
        sleep 0.1
    done
    echo "$st"
}

# run_elscope OUT ERR ARG...: elscope with a time limit; its status is returned.
run_elscope() {
    local out=$1 err=$2
    shift 2
    note "elscope $*"
    timeout -k 5 120 "$ELSCOPE" "$@" >"$out" 2>"$err"
}

# gdb_session OUT COMMAND...: gdb-multiarch in batch mode on the lab's stub.
# Each COMMAND is one -ex, so an error in one does not skip the rest: the
# session always ends with physical mode off and `detach`, which resumes the
# VM. (gdb would detach on quitting anyway, as QEMU answers qAttached with 1;
# gdb's `kill` sends vKill, on which QEMU exits.)
gdb_session() {
    local out=$1 c status=0
    shift
    local args=(-nx -batch
        -ex 'set architecture aarch64' -ex 'set pagination off' -ex 'set confirm off'
        -ex 'set remotetimeout 10' -ex "target remote 127.0.0.1:$GDB_PORT"
        -ex 'maint packet Qqemu.PhyMemMode:0')
    for c in "$@"; do
        args+=(-ex "$c")
    done
    args+=(-ex 'maint packet Qqemu.PhyMemMode:0' -ex detach)
    timeout -k 5 120 gdb-multiarch "${args[@]}" >"$out" 2>&1 || status=$?
    [ "$status" -ne 124 ] || fail "gdb-multiarch timed out (log: $(tail -n 1 "$out"))"
    grep -q 'detached' "$out" || fail "gdb-multiarch did not detach: $(tail -n 1 "$out")"
}

# gdb_regs THREAD PREFIX NAME...: gdb commands that print "@PREFIX:NAME=0x..."
# for each register NAME of gdb thread THREAD (thread 1 is CPU 0).
gdb_regs() {
    local thread=$1 prefix=$2 r
    shift 2
    echo "thread $thread"
    for r in "$@"; do
        echo "echo @$prefix:$r="
        echo "output/x \$$r"
        printf '%s\n' 'echo \n'
    done
}

# gdb_value FILE KEY: the value printed for @KEY by gdb_regs or gdb_pa.
gdb_value() {
    local v
    v=$(sed -n "s/^@$2=\\(0x[0-9a-f]*\\)\$/\\1/p" "$1" | tail -n 1)
    [ -n "$v" ] || fail "gdb printed no value for $2 (log: $(grep -m1 "@$2" "$1" || echo none))"
    echo "$v"
}

# kernel_text_pa: the physical address of CPU 0's PC, asked from QEMU's
# monitor through gdb (gva2gpa), while the kernel runs its idle loop. The
# kernel is relocated by KASLR virtually, not physically, so this finds its
# text without symbols. Resumes the VM.
kernel_text_pa() {
    local log="$T/gva2gpa.log" pa
    # shellcheck disable=SC2016 # $pc is gdb's
    gdb_session "$log" 'thread 1' 'echo @pc=' 'output/x $pc' 'echo \n' \
        'eval "monitor gva2gpa %#lx", $pc'
    pa=$(tr -d '\r' <"$log" | sed -n 's/^gpa: \(0x[0-9a-f]*\)$/\1/p' | tail -n 1)
    [ -n "$pa" ] || fail "QEMU's gva2gpa gave no address for the PC: $(grep -m1 -i 'gpa\|error' "$log" || tail -n 1 "$log")"
    note "CPU 0 PC $(gdb_value "$log" pc) is at physical $pa"
    echo "$pa"
}

hex() { printf '0x%x' "$1"; }

# compare_ranges LINE PREFIX: the ranges of the array `ranges` ("name addr
# len" each) that gdb dumped to $T/gdb-NAME.bin are nonzero and equal what
# elscope printed from line LINE of $T/out on (x --phys JSON, one range a
# line), or wrote to $T/elscope-bulk.bin for the range named bulk. PREFIX
# starts every failure message.
compare_ranges() {
    local line=$1 prefix=$2 r name addr len why
    # shellcheck disable=SC2154 # each test defines its ranges
    for r in "${ranges[@]}"; do
        read -r name addr len <<<"$r"
        [ -f "$T/gdb-$name.bin" ] || fail "${prefix}gdb could not read $name ($(hex "$addr"), $len bytes): $(grep -m1 -i 'cannot\|error' "$T/gdb.log" 2>/dev/null || true)"
        why=$("${CHECK[@]}" nonzero "$T/gdb-$name.bin") || fail "$prefix$why"
        if [ "$name" = bulk ]; then
            why=$("${CHECK[@]}" same "$T/elscope-$name.bin" "$T/gdb-$name.bin" "$len") || fail "${prefix}bulk read: $why"
        else
            why=$("${CHECK[@]}" mem "$T/out" "$line" "$T/gdb-$name.bin" "$addr" "$len") || fail "$prefix$why"
        fi
        line=$((line + 1))
        note "$name: $(hex "$addr"), $len bytes: same"
    done
}
