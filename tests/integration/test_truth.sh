#!/usr/bin/env bash
# The lab's ground truth: `lab/lab up` prints TRUTH, VMLINUX and SYSROOT;
# the truth the guest printed at boot parses and holds (truth_check.py), and
# agrees with what the running guest says now (lab/lab exec): /proc/modules,
# the modules' sections, the workload's maps and pagemap, its tasks; the sysroot holds the very
# binaries the guest runs, and VMLINUX is the running kernel's (build id in
# /sys/kernel/notes). ELSCOPE_IT_SCENARIO picks the scenario (default linux;
# linux-el2 works the same).
# shellcheck source-path=SCRIPTDIR
. "$(dirname "$0")/lib.sh"

SCENARIO=${ELSCOPE_IT_SCENARIO:-linux}
[ "$SCENARIO" != linux ] || lab_up linux
out=$("$LAB" up "$SCENARIO") || fail "lab/lab up $SCENARIO failed"
TRUTH="" VMLINUX="" SYSROOT=""
while IFS='=' read -r k v; do
    case $k in
    TRUTH | VMLINUX | SYSROOT) printf -v "$k" '%s' "$v" ;;
    esac
done <<<"$out"
[ -d "${TRUTH:-/nonexistent}/host" ] || fail "lab/lab up $SCENARIO gave no TRUTH directory with host/ (TRUTH=$TRUTH)"
[ -f "${VMLINUX:-/nonexistent}" ] || fail "lab/lab up $SCENARIO gave no VMLINUX file (VMLINUX=$VMLINUX)"
[ -d "${SYSROOT:-/nonexistent}" ] || fail "lab/lab up $SCENARIO gave no SYSROOT directory (SYSROOT=$SYSROOT)"
H="$TRUTH/host"

why=$(python3 "$IT_DIR/truth_check.py" --summary "$H") || fail "$why"
note "$why"

guest() { # guest OUT COMMAND: run COMMAND in the guest's shell, output to OUT
    "$LAB" exec "$SCENARIO" "$2" >"$1" || fail "lab/lab exec $SCENARIO '$2' failed (status $?)"
}

# 1. Files the guest can produce again: the same bytes now.
guest "$T/modules" 'cat /proc/modules'
cmp -s "$T/modules" "$H/modules.txt" || fail "modules.txt differs from /proc/modules now: $(diff "$T/modules" "$H/modules.txt" | head -n 3 | tr '\n' ' ')"
guest "$T/modsections" 'truth modsections'
cmp -s "$T/modsections" "$H/modsections.txt" || fail "modsections.txt differs from /sys/module/*/sections now: $(diff "$T/modsections" "$H/modsections.txt" | head -n 3 | tr '\n' ' ')"
for f in "$H"/maps/*.txt; do
    pid=$(basename "$f" .txt)
    guest "$T/maps" "cat /proc/$pid/maps"
    cmp -s "$T/maps" "$f" || fail "maps/$pid.txt differs from /proc/$pid/maps now"
done
mapper=$(awk -F '\t' 'NR == 2 { print $1 }' "$H/pagemap.tsv")
guest "$T/pagemap" "truth pagemap $mapper /run/mapper.addrs"
cmp -s "$T/pagemap" "$H/pagemap.tsv" || fail "pagemap.tsv differs from the mapper's pagemap now: $(diff "$T/pagemap" "$H/pagemap.tsv" | head -n 3 | tr '\n' ' ')"

# 2. Tasks: the same ones (pid, tgid, ppid, comm; the console shell was
# there at boot already, the `truth` process leaves itself out) but for
# workqueue workers, whose /proc comm names the work they did last; states
# change.
guest "$T/ps" 'truth ps'
strip() { awk -F '\t' '$5 !~ /^kworker\// { print $1, $2, $3, $5 }' "$1"; }
diff <(strip "$T/ps") <(strip "$H/ps.tsv") >"$T/ps.diff" || fail "ps.tsv differs from the tasks now: $(head -n 3 "$T/ps.diff" | tr '\n' ' ')"

# 3. The sysroot holds the guest's own binaries; VMLINUX is the running kernel.
files=(usr/bin/mtwork usr/bin/mapper usr/bin/busy usr/bin/truth usr/lib/libelswork.so lib/aarch64-linux-gnu/libc.so.6)
guest "$T/sums" "cd / && sha256sum ${files[*]}"
(cd "$SYSROOT" && sha256sum "${files[@]}") >"$T/sums.host"
cmp -s "$T/sums" "$T/sums.host" || fail "the sysroot's binaries differ from the guest's: $(diff "$T/sums" "$T/sums.host" | head -n 2 | tr '\n' ' ')"
guest "$T/notes" 'od -An -tx1 -v /sys/kernel/notes'
id=$(readelf -n "$VMLINUX" | sed -n 's/^ *Build ID: \([0-9a-f]*\)$/\1/p')
[ -n "$id" ] || fail "readelf finds no build id in $VMLINUX"
tr -d ' \n' <"$T/notes" | grep -q "$id" || fail "the running kernel's notes do not hold VMLINUX's build id $id"
note "ps, modules, module sections, maps, pagemap agree with the guest; sysroot and VMLINUX (build id $id) are the guest's"
