#!/usr/bin/env bash
# gdbserver --vm 1 on the xen lab, driven by a stock gdb-multiarch:
#  - its threads are domU's tasks: the same pids as elscope's `ps --vm 1 -t`
#    and as domU's own ps, names included, and none of dom0's workload;
#  - a backtrace of a sleeping domU task goes from __switch_to through
#    schedule to its system call, as elscope's own bt has it;
#  - a kernel variable read through gdb (init_uts_ns: the nodename differs
#    between the two guests) equals elscope's own read, and says
#    elscope-dom1 as the guest's hostname does;
#  - a breakpoint on vfs_read set in that gdb, while dom0 calls vfs_read
#    in a loop, stops in a domU task only (hits in dom0 resumed silently);
#  - a gdb killed while the machine is halted under it leaves the machine
#    running, the breakpoint gone, and both guests answering;
#  - gdbserver --vm 1 --pid P: gdb finds P's shared libraries at the bases
#    domU's /proc/P/maps gives (through the auxv elscope serves), unwinds a
#    worker from libc through libelswork.so into mtwork, and a breakpoint
#    on elswork_step stops ten times in P only while a second mtwork
#    (ASLR off in domU: the same addresses) calls it too.
# shellcheck source-path=SCRIPTDIR
. "$(dirname "$0")/lib.sh"

cleanup() {
    "$LAB" exec xen:dom0 'kill $(cat /tmp/reader.pid) 2>/dev/null; rm -f /tmp/reader.pid' >/dev/null 2>&1 || true
    it_cleanup
}
trap cleanup EXIT

lab_up xen
G=(--xen "$XEN_SYMS" --guest "0=$VMLINUX" --guest "1=$VMLINUX")

# serve ARGS...: start `elscope gdbserver ARGS --once` in the background on a
# port of its choosing; sets GS_PID and GS_PORT.
serve() {
    rm -f "$T/gs.out" "$T/gs.err"
    "$ELSCOPE" "$TARGET" "${G[@]}" --json -c "gdbserver $* --listen 127.0.0.1:0 --once" \
        >"$T/gs.out" 2>"$T/gs.err" &
    GS_PID=$!
    BG_PIDS+=("$GS_PID")
    local i
    for i in $(seq 100); do
        GS_PORT=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["port"])' "$T/gs.out" 2>/dev/null) && return 0
        kill -0 "$GS_PID" 2>/dev/null || fail "gdbserver $*: $(tail -n 1 "$T/gs.err")"
        sleep 0.2
    done
    fail "gdbserver $* said no port within 20 s"
}

# served_ok: the gdbserver ended by itself with status 0.
served_ok() {
    local i
    for i in $(seq 100); do
        kill -0 "$GS_PID" 2>/dev/null || break
        sleep 0.2
    done
    kill -0 "$GS_PID" 2>/dev/null && fail "gdbserver still runs after gdb left"
    wait "$GS_PID" || fail "gdbserver failed: $(tail -n 1 "$T/gs.err")"
    grep -q 'the machine runs' "$T/gs.err" || fail "gdbserver did not say the machine runs: $(tail -n 1 "$T/gs.err")"
}

gdbx() { # gdb-multiarch on vmlinux, connected; the rest are -ex commands
    local args=() c
    for c in "$@"; do args+=(-ex "$c"); done
    timeout -k 5 180 gdb-multiarch -q -nx -batch -ex 'set pagination off' -ex 'set width 0' \
        -ex "file $VMLINUX" -ex "target remote 127.0.0.1:$GS_PORT" "${args[@]}"
}

# ---- threads, a backtrace, a variable
run_elscope "$T/ps.json" "$T/e" "$TARGET" "${G[@]}" --json -c 'ps --vm 1 -t' \
    -c 'sym --vm 1 init_uts_ns' || fail "ps --vm 1: $(tail -n 1 "$T/e")"
uts=$(sed -n 2p "$T/ps.json" | python3 -c 'import json,sys; print(json.load(sys.stdin)["address"])')
run_elscope "$T/uts.json" "$T/e" "$TARGET" "${G[@]}" --json -c "x --vm 1 $uts 432" ||
    fail "x --vm 1: $(tail -n 1 "$T/e")"
# A task that sleeps in a system call all the time: a worker of mtwork.
worker=$(sed -n 1p "$T/ps.json" | python3 -c '
import json, sys
print(next(t["pid"] for t in json.load(sys.stdin) if t["comm"] == "mtwork-w0"))')
run_elscope "$T/bt.txt" "$T/e" "$TARGET" "${G[@]}" -c "bt --vm 1 $worker" ||
    fail "bt --vm 1 $worker: $(tail -n 1 "$T/e")"

serve --vm 1
gdbx 'info threads' \
    'python import gdb; th = [t for t in gdb.selected_inferior().threads() if t.ptid[1] == '"$worker"']; th[0].switch(); gdb.execute("bt")' \
    "x/432xb $uts" 'print init_uts_ns.name.nodename' detach >"$T/gdb1.txt" 2>&1 ||
    fail "gdb-multiarch on gdbserver --vm 1 failed: $(tail -n 3 "$T/gdb1.txt")"
served_ok
"$LAB" exec xen:dom1 'ps -o pid,comm' >"$T/guest_ps.txt" || fail "ps in domU failed"
"$LAB" exec xen:dom1 hostname >"$T/hostname.txt" || fail "hostname in domU failed"

python3 - "$T/gdb1.txt" "$T/ps.json" "$T/guest_ps.txt" "$T/bt.txt" "$T/uts.json" "$T/hostname.txt" "$worker" <<'PYEOF' || fail "gdb's view of VM 1 differs from elscope's or the guest's"
import json, re, sys
gdb_out, ps_json, guest_ps, bt_txt, uts_json, host_txt, worker = sys.argv[1:]
out = open(gdb_out).read()
# info threads: "  12   Thread 94 "sh" (pid 94, S) ..." ; idle tasks are 0x10000000+n
threads = {int(m.group(1)): m.group(2) for m in re.finditer(r'Thread (\d+) "([^"]*)"', out)}
tasks = json.loads(open(ps_json).readline())
els = {t["pid"]: t["comm"] for t in tasks if t["pid"] > 0}
gdb_pids = {p: c for p, c in threads.items() if p < 0x10000000}
assert gdb_pids == els, "gdb's threads %s != ps --vm 1 -t %s" % (
    sorted(set(gdb_pids.items()) ^ set(els.items()))[:10], len(els))
idle = sorted(p - 0x10000000 for p in threads if p >= 0x10000000)
assert idle == [0], "idle threads of domU's one vCPU: %s" % idle
guest = {}
for line in open(guest_ps).read().splitlines()[1:]:
    f = line.split(None, 1)
    if len(f) == 2 and f[0].isdigit():
        guest[int(f[0])] = f[1].strip()
# Tasks the guest's ps itself started (its shell, ps) come and go.
missing = [p for p in guest if p not in gdb_pids and not guest[p].startswith(("ps", "sh", "{"))]
assert not missing, "tasks domU's ps lists that gdb does not: %s" % [(p, guest[p]) for p in missing]
for comm in ("mtwork", "mapper", "busy"):
    if comm in guest.values():
        assert comm in gdb_pids.values(), comm
# The backtrace of the worker.
frames = re.findall(r'^#\d+\s+(?:0x[0-9a-f]+ in )?(\w+)', out, re.M)
assert "__switch_to" in frames and "schedule" in frames, "gdb's bt of pid %s: %s" % (worker, frames)
els_funcs = [f.split(".")[0] for f in re.findall(r'^#\d+\s+0x[0-9a-f]+\s+([\w.]+)\+0x', open(bt_txt).read(), re.M)]
assert "schedule" in els_funcs, els_funcs
common = [f for f in els_funcs if f in frames]
assert len(common) >= 3, "gdb %s and elscope %s share too little" % (frames, els_funcs)
# Every return address gdb unwound to (with vmlinux's CFI, from the
# registers the server gave) is one elscope's frame-record walk found.
gdb_pcs = [int(a, 16) for a in re.findall(r'^#\d+\s+(0x[0-9a-f]+) in ', out, re.M)]
els_pcs = {int(a, 16) for a in re.findall(r'^#\d+\s+(0x[0-9a-f]+)\s', open(bt_txt).read(), re.M)}
assert len(gdb_pcs) >= 5 and set(gdb_pcs) <= els_pcs, "gdb's return addresses %s not all in elscope's bt %s" % (
    [hex(a) for a in gdb_pcs], [hex(a) for a in sorted(els_pcs)])
# The variable: gdb's bytes == elscope's bytes.
gbytes = bytes(int(b, 16) for b in re.findall(r'\t0x([0-9a-f]{2})', out))
x = json.load(open(uts_json))
ebytes = bytes.fromhex(x["data"])
assert len(gbytes) == 432 and gbytes == ebytes[:432], "init_uts_ns: gdb %s elscope %s" % (gbytes[:64].hex(), ebytes[:64].hex())
host = open(host_txt).read().strip()
m = re.search(r'\$\d+ = "([^"]*)"', out)
assert m and m.group(1) == host, "nodename in gdb %s, hostname in domU %s" % (m and m.group(1), host)
print("# gdb: %d threads = ps --vm 1 -t; bt of pid %s shares %s with elscope's; init_uts_ns equal (nodename %s)" % (
    len(threads), worker, common[:4], host), file=sys.stderr)
PYEOF

# ---- a breakpoint set in gdb stops only in domU
"$LAB" exec xen:dom0 'while true; do read x </proc/version; usleep 2000; done & echo $! >/tmp/reader.pid' >/dev/null ||
    fail "cannot start the reader loop in dom0"
serve --vm 1
(sleep 6; "$LAB" exec xen:dom1 'cat /proc/version' >/dev/null 2>&1) &
BG_PIDS+=($!)
gdbx 'break vfs_read' continue 'info threads' 'print $_thread' 'delete' detach >"$T/gdb2.txt" 2>&1 ||
    fail "gdb: break vfs_read / continue failed: $(tail -n 3 "$T/gdb2.txt")"
served_ok
"$LAB" exec xen:dom0 'kill $(cat /tmp/reader.pid); rm -f /tmp/reader.pid' >/dev/null || true
python3 - "$T/gdb2.txt" "$T/gs.err" <<'PYEOF' || fail "the breakpoint from gdb did not stop in domU only"
import re, sys
out, err = open(sys.argv[1]).read(), open(sys.argv[2]).read()
assert re.search(r'Thread \d+ "[^"]*" hit Breakpoint 1(\.\d+)?, (0x[0-9a-f]+ in )?vfs_read', out), out[-800:]
cur = re.search(r'^\* +\d+ +Thread (\d+) "([^"]*)"', out, re.M)
assert cur, "no current thread in info threads"
m = re.search(r'\((\d+) packets, (\d+) stops, (\d+) hits elsewhere resumed\)', err)
assert m, err
assert int(m.group(3)) > 0, "no hit in dom0 was resumed: the filter was not exercised"
print("# gdb stopped in domU thread %s (%s) at vfs_read after %s hits in dom0 resumed silently" % (cur.group(1), cur.group(2), m.group(3)), file=sys.stderr)
PYEOF

# ---- gdb killed mid-session, the machine halted under it
serve --vm 1
gdb-multiarch -q -nx -batch -ex "file $VMLINUX" \
    -ex "target remote 127.0.0.1:$GS_PORT" -ex 'break vfs_read' -ex 'shell sleep 60' \
    >"$T/gdb3.txt" 2>&1 &
gdb_pid=$!
BG_PIDS+=("$gdb_pid")
for i in $(seq 100); do
    grep -q 'Breakpoint 1 at' "$T/gdb3.txt" && break
    sleep 0.2
done
grep -q 'Breakpoint 1 at' "$T/gdb3.txt" || fail "gdb did not connect: $(tail -n 2 "$T/gdb3.txt")"
sleep 1
halted=$(vm_status xen)
kill -KILL "$gdb_pid"
served_ok
st=$(vm_status xen)
[ "$st" = running ] || fail "after gdb was killed the machine is $st (it was $halted under gdb)"
for vm in dom0 dom1; do
    "$LAB" exec "xen:$vm" 'read x </proc/version && echo ok' | grep -q ok || fail "$vm does not answer after gdb was killed"
done
note "gdb killed while the machine was $halted under it: the machine is $st, both guests answer"

# ---- one process: its libraries, its stacks, a breakpoint only in it
mtwork_pair xen:dom1 P Q
sleep 1
"$LAB" exec xen:dom1 "cat /proc/$P/maps" >"$T/maps_p.txt" || fail "maps of $P"
"$LAB" exec xen:dom1 "cat /proc/$Q/maps" >"$T/maps_q.txt" || fail "maps of $Q"
SYSROOT=${SYSROOT:?}
serve --vm 1 --pid "$P"
timeout -k 5 180 gdb-multiarch -q -nx -batch -ex 'set pagination off' -ex 'set width 0' \
    -ex "set sysroot $SYSROOT" -ex "file $SYSROOT/usr/bin/mtwork" -ex "target remote 127.0.0.1:$GS_PORT" \
    -ex 'info sharedlibrary' -ex 'info threads' -ex 'thread 2' -ex bt -ex 'break elswork_step' \
    -ex 'python
for i in range(10):
    gdb.execute("continue")
    print("STOP thread %d" % gdb.selected_thread().ptid[1])
' -ex delete -ex detach >"$T/gdb4.txt" 2>&1 ||
    fail "gdb on gdbserver --vm 1 --pid $P failed: $(tail -n 3 "$T/gdb4.txt")"
served_ok
"$LAB" exec xen:dom1 "ls /proc/$P/task" >"$T/tasks_p.txt" || fail "threads of $P"
python3 - "$T/gdb4.txt" "$T/maps_p.txt" "$T/maps_q.txt" "$T/tasks_p.txt" "$T/gs.err" <<'PYEOF' || fail "gdb on one process of domU"
import re, sys
out, maps_p, maps_q, tasks, err = (open(f).read() for f in sys.argv[1:])
base = {}
for line in maps_p.splitlines():
    f = line.split()
    if len(f) >= 6 and f[5] not in base:
        base[f[5]] = int(f[0].split("-")[0], 16)
def lib_base(maps):
    return next(l.split("-")[0] for l in maps.splitlines() if l.endswith("/libelswork.so"))
assert lib_base(maps_p) == lib_base(maps_q), "libelswork.so at %s and %s: ASLR was on, the test proves nothing" % (
    lib_base(maps_p), lib_base(maps_q))
libs = re.findall(r'^(0x[0-9a-f]+)\s+0x[0-9a-f]+\s+Yes.*?(\S+)$', out, re.M)
seen = {p.rsplit("/", 1)[-1]: int(a, 16) for a, p in libs}
assert "libelswork.so" in seen and "libc.so.6" in seen, "gdb's libraries: %s" % seen
lib = next(k for k in base if k.endswith("/libelswork.so"))
assert base[lib] <= seen["libelswork.so"] < base[lib] + 0x20000, "libelswork.so text at %#x, mapped at %#x" % (seen["libelswork.so"], base[lib])
frames = re.findall(r'^#\d+\s+(?:0x[0-9a-f]+ in )?(\w+)', out, re.M)
for f in ("elswork_nap", "elswork_step", "worker"):
    assert f in frames, "bt of a worker: %s" % frames
mine = {int(t) for t in tasks.split()}
stops = [int(t) for t in re.findall(r'^STOP thread (\d+)', out, re.M)]
assert len(stops) == 10, out[-1500:]
assert set(stops) <= mine, "stopped in %s, not all threads of %s %s" % (stops, sorted(mine), "")
m = re.search(r'\((\d+) packets, (\d+) stops, (\d+) hits elsewhere resumed\)', err)
assert m and int(m.group(3)) > 0, "the other mtwork never hit: %s" % err
print("# --pid: libraries at maps' bases, bt %s; 10 stops in threads %s, %s hits of the other process resumed" % (
    frames[:5], sorted(set(stops)), m.group(3)), file=sys.stderr)
PYEOF
exit 0
