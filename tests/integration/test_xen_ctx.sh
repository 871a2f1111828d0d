#!/usr/bin/env bash
# ctx under Xen names the right domain and task, and a breakpoint on Xen's
# hypercall entry shows the hypercall a guest makes (issue 7), on the xen lab.
#
# 1) `busy start` in dom0 and in domU 1; `ctx` sampled until, in guest mode,
#    VM 0 shows dom0's busy (pid and comm "busy") and VM 1 domU's. Every CPU
#    of every sample in a guest: vm 0 or 1, vmid that VM's (from `vm`), a
#    task (pid, comm) that the guest's own `ps --vm N -t` (threads) lists,
#    a symbol at EL1; a busy pid always comes with comm "busy".
# 2) One session driven line by line (-x /dev/stdin): `break
#    do_trap_hypercall`, then cont / wait / ctx while dom0 echoes a marker to
#    its console (hvc0: console_io hypercalls). Each stop: the stopped CPU at
#    EL2 at do_trap_hypercall, ESR_EL2 HVC64 imm16 0xea1, a hypercall with a
#    known name; a console_io(CONSOLEIO_write, count, buffer) of VM 0 is read
#    with `x --vm 0 BUFFER COUNT` (dom0's own translation) and is console
#    text; one of them carries the marker. Then delete, cont, quit: both
#    guests still answer.
# shellcheck source-path=SCRIPTDIR
. "$(dirname "$0")/lib.sh"

lab_up xen
[ -f "${XEN_SYMS:-/nonexistent}" ] || fail "lab/lab up xen gave no XEN_SYMS"
[ -f "${VMLINUX:-/nonexistent}" ] || fail "lab/lab up xen gave no VMLINUX"

ES=("$TARGET" --xen "$XEN_SYMS" --guest "0=$VMLINUX" --guest "1=$VMLINUX")

# (lib.sh stops both and resumes a machine left paused, however it ends.)
busy_start xen:dom0 pid0
busy_start xen:dom1 pid1
note "busy: dom0 pid $pid0, domU 1 pid $pid1"

# 1) ctx samples.
run_elscope "$T/vm" "$T/err" "${ES[@]}" --json -c vm ||
    fail "vm failed: $(tail -n 1 "$T/err")"
run_elscope "$T/ps0" "$T/err" "${ES[@]}" --json -c 'ps --vm 0 -t' ||
    fail "ps --vm 0 -t failed: $(tail -n 1 "$T/err")"
run_elscope "$T/ps1" "$T/err" "${ES[@]}" --json -c 'ps --vm 1 -t' ||
    fail "ps --vm 1 -t failed: $(tail -n 1 "$T/err")"

cat >"$T/ctx_samples.py" <<'EOF'
import json, subprocess, sys

tmp, pid0, pid1 = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
es = sys.argv[4:]
busy = {0: pid0, 1: pid1}


def load(name):
    return json.load(open(f"{tmp}/{name}"))


def bad(why):
    print(f"why: {why}")
    sys.exit(1)


vmid = {v["id"]: v["vmid"] for v in load("vm")}
if sorted(vmid) != [0, 1]:
    bad(f"vm lists domains {sorted(vmid)}, not 0 and 1")
ps = {n: {(p["pid"], p["comm"]) for p in load(f"ps{n}")} for n in (0, 1)}
for n in (0, 1):
    if (busy[n], "busy") not in ps[n]:
        bad(f"ps --vm {n} has no busy with pid {busy[n]}")

MIN, MAX = 10, 60
seen = {0: [], 1: []}   # (sample, cpu) where VM n's busy ran in guest mode
unknown = []            # (sample, cpu, vm, pid, comm) not in that guest's ps
guest_cpus = el1 = 0
for s in range(MAX):
    out = subprocess.run(es + ["--json", "-c", "ctx"], capture_output=True,
                         text=True, timeout=60)
    if out.returncode:
        bad(f"ctx (sample {s}) failed: {out.stderr.strip()}")
    for c in json.loads(out.stdout):
        where = f"sample {s} CPU {c['cpu']}: {json.dumps(c)}"
        vm = c["vm"]
        if c["in"] == "guest":
            guest_cpus += 1
            if vm not in (0, 1):
                bad(f"in a guest, vm is {vm!r}: {where}")
            if c["vmid"] != vmid[vm]:
                bad(f"VM {vm} is VMID {vmid[vm]} (vm) but ctx says "
                    f"{c['vmid']}: {where}")
            if c["el"] not in (0, 1):
                bad(f"in a guest at EL{c['el']}: {where}")
            if c["el"] == 1:
                el1 += 1
                if not c["symbol"]:
                    bad(f"no symbol for a guest kernel PC: {where}")
            if c["pid"] is None or "task_error" in c:
                bad(f"no task for a CPU in guest mode: {where}")
            if c["pid"] == busy[vm] and c["comm"] == "busy":
                seen[vm].append((s, c["cpu"]))
        if isinstance(vm, int) and c["pid"] is not None:
            if vm not in (0, 1):
                bad(f"unknown vm {vm}: {where}")
            if c["pid"] == busy[vm] and c["comm"] != "busy":
                bad(f"VM {vm}'s busy pid {busy[vm]} with comm "
                    f"{c['comm']!r}: {where}")
            if (c["pid"], c["comm"]) not in ps[vm]:
                unknown.append((s, c["cpu"], vm, c["pid"], c["comm"]))
    if s + 1 >= MIN and seen[0] and seen[1]:
        break
if unknown:
    bad(f"{len(unknown)} (sample, cpu, vm, pid, comm) not in that guest's "
        f"ps: {unknown[:5]}")
for n in (0, 1):
    if not seen[n]:
        bad(f"in {s + 1} samples no CPU ran VM {n}'s busy (pid {busy[n]}) "
            "in guest mode")
cpus = lambda n: sorted({c for _, c in seen[n]})
print(f"{s + 1} samples, {guest_cpus} CPUs in guest mode ({el1} at EL1), "
      f"all tasks in their guest's ps; dom0 busy pid {pid0} seen on CPU "
      f"{cpus(0)} in {len(seen[0])} samples, domU busy pid {pid1} on CPU "
      f"{cpus(1)} in {len(seen[1])}; VMIDs {vmid}")
EOF
out=$(python3 "$T/ctx_samples.py" "$T" "$pid0" "$pid1" "$ELSCOPE" "${ES[@]}") ||
    fail "${out#why: }"
note "ctx: $out"

# 2) The hypercall breakpoint, one session driven from Python.
cat >"$T/hypercall.py" <<'EOF'
import json, os, re, select, signal, subprocess, sys, time

tmp, lab = sys.argv[1], sys.argv[2]
es = sys.argv[3:]
MARK = "ELSCOPE-HC-MARK"
MAX_STOPS = 400
PRINTABLE = set(range(0x20, 0x7f)) | set(b"\t\r\n\b\x07\x1b")

errf = open(f"{tmp}/hc.err", "w")
p = subprocess.Popen(es + ["--json", "-x", "/dev/stdin"],
                     stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                     stderr=errf)
echo = None
buf = ""
dec = json.JSONDecoder()


def stderr_tail():
    errf.flush()
    lines = open(f"{tmp}/hc.err").read().strip().splitlines()
    return lines[-1] if lines else "(nothing on stderr)"


def bad(why):
    print(f"why: {why}")
    finish(ok=False)
    sys.exit(1)


def cmd(line, timeout=30):
    """Send one command, return the one JSON document it prints."""
    global buf
    try:
        p.stdin.write((line + "\n").encode())
        p.stdin.flush()
    except BrokenPipeError:
        bad(f"elscope ended before '{line}': {stderr_tail()}")
    end = time.monotonic() + timeout
    while True:
        s = buf.lstrip()
        if "\n" in s:
            try:
                o, i = dec.raw_decode(s)
                buf = s[i:]
                return o
            except json.JSONDecodeError:
                pass
        left = end - time.monotonic()
        r = select.select([p.stdout], [], [], max(0, left))[0] if left > 0 else []
        if not r:
            bad(f"no answer to '{line}' in {timeout} s")
        d = os.read(p.stdout.fileno(), 65536)
        if not d:
            bad(f"elscope ended at '{line}': {stderr_tail()}")
        buf += d.decode()


def finish(ok):
    """Quit elscope (EOF on -x); it removes breakpoints and resumes."""
    if p.poll() is None:
        try:
            p.stdin.close()
        except BrokenPipeError:
            pass
        try:
            p.wait(timeout=15)
        except subprocess.TimeoutExpired:
            p.send_signal(signal.SIGTERM)
            try:
                p.wait(timeout=10)
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait()
    if echo is not None and echo.poll() is None:
        try:
            echo.wait(timeout=30)
        except subprocess.TimeoutExpired:
            echo.kill()


b = cmd("break do_trap_hypercall")
if b.get("symbol") != "do_trap_hypercall":
    bad(f"break do_trap_hypercall printed {json.dumps(b)}")
echo = subprocess.Popen([lab, "exec", "xen:dom0", f"echo {MARK}-12345"],
                        stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
names = {}       # hypercall name -> hits
writes = []      # (count, buffer, text) of VM 0's console writes
marked = None
stops = 0
t0 = time.monotonic()
while stops < MAX_STOPS and marked is None:
    if echo.poll() is not None:
        bad(f"dom0's echo finished after {stops} stops and no console write "
            f"carried {MARK} (writes: {[w[2] for w in writes][-8:]})")
    cmd("cont")
    w = cmd("wait --timeout 10")
    stops += 1
    if w.get("state") != "halted" or w.get("symbol") != "do_trap_hypercall":
        bad(f"wait printed {json.dumps(w)}, not a stop at do_trap_hypercall")
    ctx = cmd("ctx")
    me = [c for c in ctx if c["cpu"] == w["cpu"]]
    if len(me) != 1:
        bad(f"ctx has no CPU {w['cpu']}: {json.dumps(ctx)}")
    c = me[0]
    where = f"stop {stops}: {json.dumps(c)}"
    if c["el"] != 2 or c["symbol"] not in ("do_trap_hypercall",
                                           "do_trap_hypercall+0x0"):
        bad(f"the stopped CPU is not at EL2 in do_trap_hypercall: {where}")
    trap = c.get("trap") or {}
    if trap.get("ec_name") != "HVC64" or trap.get("imm16") != "0xea1":
        bad(f"the trap is not HVC64 #0xea1: {where}")
    if c["vm"] not in (0, 1):
        bad(f"a hypercall from no guest: {where}")
    hc = trap.get("hypercall")
    if not hc or hc.startswith("hypercall "):
        bad(f"the hypercall does not decode to a known name: {where}")
    name = hc.split("(")[0]
    names[name] = names.get(name, 0) + 1
    shown = ""
    if c["vm"] == 0 and hc.startswith("console_io(CONSOLEIO_write"):
        m = re.fullmatch(r"console_io\(CONSOLEIO_write, count=(\d+), "
                         r"buffer=(0x[0-9a-f]+)\)", hc)
        if not m:
            bad(f"console_io write not as expected: {where}")
        count, addr = int(m.group(1)), m.group(2)
        if not 0 < count <= 4096:
            bad(f"console_io write of {count} bytes: {where}")
        x = cmd(f"x --vm 0 {addr} {count}")
        data = bytes.fromhex(x["data"])
        if len(data) != count or not set(data) <= PRINTABLE:
            bad(f"x --vm 0 {addr} {count} is not console text: {data!r} "
                f"({where})")
        text = data.decode()
        writes.append((count, addr, text))
        shown = f" = {text!r}"
        if MARK in text:
            marked = (stops, c["cpu"], c["pid"], c["comm"], hc, text)
    # Every stop, for the log.
    print(f"# stop {stops} CPU {c['cpu']} VM {c['vm']} vCPU {c['vcpu']} "
          f"pid {c['pid']} {c['comm']}: {hc}{shown}", file=sys.stderr)
took = time.monotonic() - t0
if marked is None:
    bad(f"no console write with {MARK} in {stops} stops")
d = cmd("delete")
if d.get("left") != 0:
    bad(f"delete printed {json.dumps(d)}")
r = cmd("cont")
if r.get("state") != "running":
    bad(f"cont after delete printed {json.dumps(r)}")
finish(ok=True)
if p.returncode != 0:
    print(f"why: elscope exited with {p.returncode}: {stderr_tail()}")
    sys.exit(1)
out = echo.communicate()[0].decode(errors="replace")
if echo.returncode != 0 or f"{MARK}-12345" not in out:
    print(f"why: dom0's echo: status {echo.returncode}, output {out!r}")
    sys.exit(1)
s, cpu, pid, comm, hc, text = marked
print(f"{stops} stops at do_trap_hypercall in {took:.1f} s, all HVC64 "
      f"#0xea1 with known names {names}; {len(writes)} console writes of "
      f"dom0 read with x --vm 0 (e.g. {[w[2] for w in writes][:6]}); stop "
      f"{s} on CPU {cpu} (dom0 pid {pid} {comm}): {hc}, buffer text {text!r}")
EOF
out=$(timeout -k 5 80 python3 "$T/hypercall.py" "$T" "$LAB" "$ELSCOPE" "${ES[@]}") ||
    fail "${out#why: }"
note "break: $out"

for d in dom0 dom1; do
    timeout -k 5 30 "$LAB" exec "xen:$d" true >/dev/null 2>&1 ||
        fail "lab/lab exec xen:$d true failed after the session: is Xen left halted?"
done
note "after delete, cont and quit: dom0 and domU 1 answer lab/lab exec"
exit 0
