#!/usr/bin/env bash
# maps, x --pid and sym --pid against the guest itself. On linux, a dump of
# linux and linux-el2: for every pid with a truth maps/<pid>.txt whose
# process still runs (mtwork, mapper), `maps PID` is byte-identical to that
# file and to a fresh /proc/PID/maps. On linux: x --pid over the mapper's
# pages (mapper.addrs) gives the patterns mapper.c writes for present pages
# and zeros for the zero page, and says "anonymous, never touched" and
# "file-backed, not read in" (file and offset) for the pages never touched;
# sym --pid <mtwork> elswork_step is libelswork.so's load base (from maps)
# plus its symbol value, at a line of libelswork.c in elswork_step.
# shellcheck source-path=SCRIPTDIR
. "$(dirname "$0")/lib.sh"

# shellcheck disable=SC2317 # called from the EXIT trap
cleanup() {
    [ -n "${ELSCOPE_IT_KEEP_LAB:-}" ] || "$LAB" down linux-el2 >/dev/null 2>&1 || true
    it_cleanup
}
trap cleanup EXIT

# check_maps WHAT SCENARIO TARGET: every live truth pid's maps is identical.
check_maps() {
    local what=$1 scen=$2 target=$3 f pid n=0
    for f in "$TRUTH"/host/maps/*.txt; do
        pid=$(basename "$f" .txt)
        "$LAB" exec "$scen" "cat /proc/$pid/maps" >"$T/live" 2>/dev/null || continue
        [ -s "$T/live" ] || continue
        run_elscope "$T/m" "$T/e" "$target" --vmlinux "$VMLINUX" -c "maps $pid" ||
            fail "$what: maps $pid: $(head -n 1 "$T/e")"
        diff "$T/m" "$f" >"$T/d" || fail "$what: maps $pid differs from the truth maps/$pid.txt: $(head -n 4 "$T/d" | tr '\n' ' ')"
        diff "$T/m" "$T/live" >"$T/d" || fail "$what: maps $pid differs from a fresh /proc/$pid/maps: $(head -n 4 "$T/d" | tr '\n' ' ')"
        n=$((n + 1))
    done
    [ "$n" -ge 2 ] || fail "$what: only $n truth pids still run (want mtwork and mapper)"
    note "$what: maps of $n processes identical to /proc"
}

lab_up linux
check_maps linux linux "$TARGET"

# --json carries the same.
mapper=$(awk -F'\t' 'NR == 2 { print $1 }' "$TRUTH/host/pagemap.tsv")
run_elscope "$T/j" "$T/e" "$TARGET" --vmlinux "$VMLINUX" --json -c "maps $mapper" ||
    fail "maps --json: $(head -n 1 "$T/e")"
python3 - "$T/j" "$TRUTH/host/maps/$mapper.txt" <<'EOF' || fail "maps --json disagrees with the truth"
import json, sys
j = json.load(open(sys.argv[1]))
lines = open(sys.argv[2]).read().splitlines()
assert len(j) == len(lines), (len(j), len(lines))
for m, l in zip(j, lines):
    f = l.split(None, 5)
    lo, hi = f[0].split("-")
    assert int(m["start"], 16) == int(lo, 16) and int(m["end"], 16) == int(hi, 16), l
    assert m["perms"] == f[1] and m["offset"] == int(f[2], 16), l
    assert m["dev"] == f[3] and m["inode"] == int(f[4]), l
    assert m["path"] == (f[5] if len(f) > 5 else ""), l
EOF

# Round trips of maps for the mapper (the kernel's setup and task walk included).
run_elscope "$T/m" "$T/e" "$TARGET" --vmlinux "$VMLINUX" --stats -c "maps $mapper" ||
    fail "maps --stats: $(head -n 1 "$T/e")"
note "maps $mapper: $(grep '^stats' "$T/e")"

# x --pid over the mapper's pages.
python3 - "$ELSCOPE" "$TARGET" "$VMLINUX" "$mapper" "$TRUTH/host/mapper.addrs" <<'EOF' || fail "x --pid on the mapper"
import json, subprocess, sys
elscope, target, vmlinux, pid, addrs = sys.argv[1:6]
rows = [l.split("\t") for l in open(addrs).read().splitlines()[1:]]
page = 4096
file0 = min(int(v, 16) for v, k in rows if k.startswith("file"))
anon0 = min(int(v, 16) for v, k in rows if k.startswith("anon-written"))
for va, kind in rows:
    va = int(va, 16)
    p = subprocess.run([elscope, target, "--vmlinux", vmlinux, "--json", "-c",
                        f"x --pid {pid} {va:#x} 64"], capture_output=True, text=True, timeout=120)
    d = json.loads(p.stdout)
    data = bytes.fromhex(d["data"])
    np = d["not_present"]
    if kind.endswith("untouched"):
        if p.returncode == 0 or not np or d["read"] != 0:
            sys.exit(f"{va:#x} ({kind}): not reported absent: {p.stdout[:200]}")
        if int(np["address"], 16) != va:
            sys.exit(f"{va:#x}: absent page named {np['address']}")
        if kind == "anon-untouched" and np["state"] != "anonymous, never touched":
            sys.exit(f"{va:#x} ({kind}): {np['reason']}")
        if kind == "file-untouched":
            off = va - file0
            if (np["state"] != "file-backed, not read in" or np["file"] != "/run/mapper.data"
                    or np["file_offset"] != off):
                sys.exit(f"{va:#x} ({kind}): {np['reason']} (want /run/mapper.data at {off:#x})")
        print(f"# {va:#x} {kind}: {np['reason']}", file=sys.stderr)
        continue
    if p.returncode or np or len(data) != 64:
        sys.exit(f"{va:#x} ({kind}): {p.stderr.strip()[:200]}")
    if kind == "file-read":
        want = b"ELSCOPE-FILE-PAGE-%02u\n" % ((va - file0) // page)
    elif kind == "file-written":
        want = b"ELSCOPE-FILE-WRITTEN-02\n"
    elif kind == "anon-written":
        want = b"ELSCOPE-ANON-PAGE-%04u\n" % ((va - anon0) // page)
    else:  # anon-zero: the shared zero page
        want = bytes(64)
    if not data.startswith(want):
        sys.exit(f"{va:#x} ({kind}): got {data[:32]!r}, want {want!r}")
    print(f"# {va:#x} {kind}: {data[:24]!r}", file=sys.stderr)
EOF

# sym --pid: elswork_step of libelswork.so in mtwork.
mtwork=$(awk -F'\t' '$5 == "mtwork" && $1 == $2 { print $1; exit }' "$TRUTH/host/ps.tsv")
[ -n "$mtwork" ] || fail "no mtwork in ps.tsv"
base=$(awk '$6 == "/usr/lib/libelswork.so" && $3 == "00000000" { split($1, a, "-"); print a[1]; exit }' "$TRUTH/host/maps/$mtwork.txt")
value=$(nm "$SYSROOT/usr/lib/libelswork.so" | awk '$3 == "elswork_step" { print $1 }')
[ -n "$base" ] && [ -n "$value" ] || fail "no load base or symbol value for elswork_step (base '$base', value '$value')"
run_elscope "$T/s" "$T/e" "$TARGET" --vmlinux "$VMLINUX" --sysroot "$SYSROOT" --json \
    -c "sym --pid $mtwork elswork_step" || fail "sym --pid $mtwork elswork_step: $(head -n 1 "$T/e")"
def=$(grep -n '^void elswork_step' "$REPO/lab/workload/libelswork.c" | cut -d: -f1)
python3 - "$T/s" "$base" "$value" "$def" <<'EOF' || fail "sym --pid elswork_step"
import json, sys
s = json.load(open(sys.argv[1]))
want = int(sys.argv[2], 16) + int(sys.argv[3], 16)
line = int(sys.argv[4])
if int(s["address"], 16) != want:
    sys.exit(f"elswork_step at {s['address']}, want {want:#x}")
if not (s["file"] or "").endswith("libelswork.c") or not line <= s["line"] <= line + 3:
    sys.exit(f"elswork_step at {s['file']}:{s['line']}, want libelswork.c:{line}..{line + 3}")
print(f"# elswork_step {s['address']} {s['file']}:{s['line']}", file=sys.stderr)
EOF

# A dump of the same machine.
"$LAB" dump linux "$T/linux.core" >/dev/null || fail "lab/lab dump linux failed"
check_maps "the dump of linux" linux "core:$T/linux.core"
rm -f "$T/linux.core"

# linux-el2: the kernel at EL2 (VHE).
lab_up linux-el2
check_maps linux-el2 linux-el2 "$TARGET"
exit 0
