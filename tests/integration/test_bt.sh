#!/usr/bin/env bash
# bt against the kernel's own /proc/PID/stack: for stable sleepers (init in
# wait4, mapper in ppoll, mtwork's main thread in futex) the function names
# /proc gives appear in that order in elscope's frames, every kernel frame
# has a symbol and a source line (vmlinux has DWARF for all of them), and
# the walk ends at the user frame of pt_regs. On linux-el2 (-cpu max: the
# kernel signs return addresses) the same for init, so pointer
# authentication codes are stripped. bt --cpu of the CPU that runs `busy`
# ends at a user frame.
# shellcheck source-path=SCRIPTDIR
. "$(dirname "$0")/lib.sh"

# shellcheck disable=SC2317 # called from the EXIT trap
cleanup() {
    "$LAB" exec linux 'busy stop' >/dev/null 2>&1 || true
    [ -n "${ELSCOPE_IT_KEEP_LAB:-}" ] || "$LAB" down linux-el2 >/dev/null 2>&1 || true
    it_cleanup
}
trap cleanup EXIT

# check_stack WHAT PID: bt PID agrees with /proc/PID/stack (three tries: a
# sleeper may wake between the two reads).
check_stack() {
    local what=$1 pid=$2 try why
    for try in 1 2 3; do
        "$LAB" exec "$SCEN" "cat /proc/$pid/stack" >"$T/proc" 2>&1 || fail "$what: cannot read /proc/$pid/stack: $(head -n 1 "$T/proc")"
        run_elscope "$T/bt" "$T/e" "$TARGET" --vmlinux "$VMLINUX" --json -c "bt $pid" ||
            fail "$what: bt $pid: $(head -n 1 "$T/e")"
        if why=$(python3 - "$T/proc" "$T/bt" <<'EOF'
import json, re, sys
proc = [re.sub(r"\+0x.*", "", l.split("] ", 1)[1]).strip()
        for l in open(sys.argv[1]) if "] " in l]
bt = json.load(open(sys.argv[2]))
frames = bt["frames"]
names = [f["symbol"] for f in frames]
if not proc:
    sys.exit("/proc gave no stack")
i = 0
for n in names:
    if i < len(proc) and n == proc[i]:
        i += 1
if i < len(proc):
    sys.exit("/proc's %s (and what follows) not in order in elscope's frames %s"
             % (proc[i], names))
for f in frames:
    if f["kind"] == "user":
        continue
    if not f["symbol"]:
        sys.exit("frame at %s has no symbol" % f["pc"])
    if not f["file"] or not f["line"]:
        sys.exit("frame %s+%d has no source line" % (f["symbol"], f["offset"]))
if frames[-1]["kind"] != "user" or not bt["complete"]:
    sys.exit("the walk does not end at the user frame: %s" % bt["end"])
print("%d frames, /proc's %d in order, ends at user pc %s"
      % (len(frames), len(proc), frames[-1]["pc"]))
EOF
        ); then
            note "$what (pid $pid): $why"
            return 0
        fi
        note "$what (pid $pid), try $try: $why"
    done
    fail "$what (pid $pid): $why"
}

truth_pid() { # truth_pid COMM: the pid of COMM in $TRUTH/host/ps.tsv
    awk -F'\t' -v c="$1" '$5 == c { print $1; exit }' "$TRUTH/host/ps.tsv"
}

SCEN=linux
lab_up linux
mapper=$(truth_pid mapper)
mtwork=$(truth_pid mtwork)
[ -n "$mapper" ] && [ -n "$mtwork" ] || fail "ps.tsv names no mapper or mtwork"
check_stack "linux init" 1
check_stack "linux mapper" "$mapper"
check_stack "linux mtwork" "$mtwork"

# With --sysroot the user frame is named from the process's own libraries:
# the mapper sleeps in libc's pause() (lab/workload/mapper.c).
run_elscope "$T/ub" "$T/e" "$TARGET" --vmlinux "$VMLINUX" --sysroot "$SYSROOT" --json -c "bt $mapper" ||
    fail "bt $mapper --sysroot: $(tail -n 1 "$T/e")"
python3 - "$T/ub" <<'PY' || fail "mapper's user frame is not named: $(cat "$T/ub")"
import json, sys
f = json.load(open(sys.argv[1]))["frames"][-1]
assert f["kind"] == "user" and f["symbol"] in ("pause", "__libc_pause"), f
PY
note "linux mapper: user frame $(python3 -c 'import json,sys; f=json.load(open(sys.argv[1]))["frames"][-1]; print(f["pc"], f["symbol"])' "$T/ub") from libc at its load base"

# bt --cpu of the CPU running busy (at EL0, or in the kernel on its behalf).
"$LAB" exec linux 'busy start' >"$T/busy" 2>&1 || fail "cannot start busy: $(head -n 1 "$T/busy")"
busy=$(tr -dc 0-9 <"$T/busy")
[ -n "$busy" ] || fail "busy start printed no pid"
seen=""
for _ in $(seq 20); do
    run_elscope "$T/o" "$T/e" "$TARGET" --vmlinux "$VMLINUX" --json -c 'bt --cpu 0' -c 'bt --cpu 1' ||
        fail "bt --cpu: $(head -n 1 "$T/e")"
    if seen=$(python3 - "$T/o" "$busy" <<'EOF'
import json, sys
for line in open(sys.argv[1]):
    bt = json.loads(line)
    if bt["pid"] != int(sys.argv[2]):
        continue
    f = bt["frames"]
    if not f or f[-1]["kind"] != "user":
        sys.exit("bt --cpu %s of busy ends with %s (%s)"
                 % (bt["cpu"], f[-1] if f else None, bt["end"]))
    print("CPU %d runs busy: %d frames, user pc %s"
          % (bt["cpu"], len(f), f[-1]["pc"]))
    sys.exit(0)
sys.exit(2)
EOF
    ); then
        break
    elif [ $? -ne 2 ]; then
        fail "$seen"
    fi
    seen=""
    sleep 0.2
done
[ -n "$seen" ] || fail "in 20 halts no CPU was seen running busy (pid $busy)"
note "$seen"
"$LAB" exec linux 'busy stop' >/dev/null 2>&1 || true

# linux-el2: the kernel at EL2 with VHE, return addresses signed (PAC).
SCEN=linux-el2
lab_up linux-el2
check_stack "linux-el2 init" 1
lab_up linux
exit 0
