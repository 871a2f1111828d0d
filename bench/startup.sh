#!/usr/bin/env bash
# Symbols, start-up to the first answer: how long each tool takes from launch
# to printing the address of init_task, on the lab's linux scenario (Debian's
# 6.1 kernel, KASLR on) and on an ELF core of it (lab/lab dump, which holds
# the kernel's VMCOREINFO note). Wall time and max RSS from
# /usr/bin/time -f '%e %M'; one warm-up run of each tool first (page cache
# warm), then RUNS runs (default 5). Checks that the answers agree: elscope
# and drgn give the running (slid) address, gdb the link address, which plus
# the dump's KERNELOFFSET must be the same. Prints a Markdown table.
#
# usage: bench/startup.sh [ELSCOPE] [RUNS]      (default build/elscope, 5)
#
# The commands timed (TARGET, VMLINUX from `lab/lab up linux`, DUMP from
# `lab/lab dump linux`, ANSWER.py holding print(hex(prog['init_task'].address_))):
#   elscope live   ELSCOPE TARGET --vmlinux VMLINUX -c 'sym init_task'
#   gdb-multiarch  gdb-multiarch -nx -batch -ex 'info address init_task' VMLINUX
#   drgn core      drgn -q -c DUMP -s VMLINUX ANSWER.py
#   drgn core, --main-symbols
#                  drgn -q -c DUMP -s VMLINUX --main-symbols ANSWER.py
#                  (does not look for the loaded modules' debug info)
#   elscope core   ELSCOPE core:DUMP --vmlinux VMLINUX -c 'sym init_task'
# A tool that fails is reported with its first line of output instead of
# times. The lab is brought up when it is not running, and down again at the
# end in that case; ELSCOPE_LAB_STATE etc. are lab/lab's.
set -euo pipefail

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
LAB=$REPO/lab/lab
ELSCOPE=${1:-$REPO/build/elscope}
RUNS=${2:-5}
[ -x "$ELSCOPE" ] || { echo "startup: no elscope at $ELSCOPE" >&2; exit 1; }
for tool in gdb-multiarch drgn /usr/bin/time; do
    command -v "$tool" >/dev/null || { echo "startup: $tool not found (scripts/setup-deps)" >&2; exit 1; }
done

tmp=$(mktemp -d "${TMPDIR:-/tmp}/elscope-startup.XXXXXX")
was_up=0
status=$("$LAB" status)
if grep -q '^linux  *running' <<<"$status"; then was_up=1; fi
cleanup() {
    rm -rf -- "$tmp"
    [ "$was_up" = 1 ] || "$LAB" down linux >/dev/null 2>&1 || true
}
trap cleanup EXIT

out=$("$LAB" up linux) || { echo "startup: lab/lab up linux failed" >&2; exit 1; }
TARGET=$(sed -n 's/^TARGET=//p' <<<"$out")
VMLINUX=$(sed -n 's/^VMLINUX=//p' <<<"$out")
DUMP=$tmp/vm.elf
"$LAB" dump linux "$DUMP" 2>/dev/null
echo "print(hex(prog['init_task'].address_))" >"$tmp/answer.py"

# The dump's VMCOREINFO: its KERNELOFFSET (hex, no 0x) is the KASLR slide.
kernel_offset=$(python3 "$REPO/lab/corefile.py" vmcoreinfo "$DUMP" KERNELOFFSET) || { echo "startup: the dump has no VMCOREINFO KERNELOFFSET (-device vmcoreinfo, qemu_fw_cfg?)" >&2; exit 1; }

tools=("elscope live" "gdb-multiarch" "drgn core" "drgn core, --main-symbols" "elscope core")
cmd_of() { # cmd_of TOOL: the command line, in the array CMD
    case $1 in
    "elscope live") CMD=("$ELSCOPE" "$TARGET" --vmlinux "$VMLINUX" -c 'sym init_task') ;;
    gdb-multiarch) CMD=(gdb-multiarch -nx -batch -ex 'info address init_task' "$VMLINUX") ;;
    "drgn core") CMD=(drgn -q -c "$DUMP" -s "$VMLINUX" "$tmp/answer.py") ;;
    "drgn core, --main-symbols") CMD=(drgn -q -c "$DUMP" -s "$VMLINUX" --main-symbols "$tmp/answer.py") ;;
    "elscope core") CMD=("$ELSCOPE" "core:$DUMP" --vmlinux "$VMLINUX" -c 'sym init_task') ;;
    esac
}

declare -A ANSWER=() TIMES=() FAILED=()
for tool in "${tools[@]}"; do
    cmd_of "$tool"
    for ((i = 0; i <= RUNS; i++)); do # run 0 warms the page cache
        if ! /usr/bin/time -f '%e %M' -o "$tmp/time" "${CMD[@]}" >"$tmp/out" 2>"$tmp/err"; then
            FAILED[$tool]=$(cat "$tmp/out" "$tmp/err" | grep -v '^Command exited' | grep -v '^[[:space:]]*$' | head -n 1)
            break
        fi
        [ "$i" = 0 ] || TIMES[$tool]+="$(tail -n 1 "$tmp/time");"
    done
    [ -z "${FAILED[$tool]:-}" ] || continue
    ANSWER[$tool]=$(grep -o '0x[0-9a-f]*' "$tmp/out" | head -n 1 || true)
done

# The answers must agree: slid = link + KERNELOFFSET.
slid=${ANSWER["elscope live"]:-}
link=${ANSWER[gdb-multiarch]:-}
if [ -n "$slid" ] && [ -n "$link" ]; then
    want=$(printf '0x%x' $((link + 0x$kernel_offset)))
    [ "$want" = "$slid" ] || { echo "startup: gdb's $link + KERNELOFFSET 0x$kernel_offset = $want, elscope says $slid" >&2; exit 1; }
fi
for tool in "drgn core" "drgn core, --main-symbols" "elscope core"; do
    a=${ANSWER[$tool]:-}
    if [ -n "$a" ] && [ -n "$slid" ] && [ "$a" != "$slid" ]; then
        echo "startup: $tool says $a, elscope live $slid" >&2
        exit 1
    fi
done

echo "init_task: link address $link, KERNELOFFSET 0x$kernel_offset, running at $slid; $RUNS runs each after one warm-up"
echo
echo "| tool | s min | s median | s max | max RSS MB | answer |"
echo "|---|---:|---:|---:|---:|---|"
for tool in "${tools[@]}"; do
    if [ -n "${FAILED[$tool]:-}" ]; then
        echo "| $tool | | | | | fails: \`${FAILED[$tool]//|/\\|}\` |"
        continue
    fi
    tr ';' '\n' <<<"${TIMES[$tool]}" | awk -v tool="$tool" -v ans="${ANSWER[$tool]}" '
        NF == 2 { t[++n] = $1; if ($2 > m) m = $2 }
        END {
            for (i = 1; i <= n; i++) for (j = i + 1; j <= n; j++) if (t[j] < t[i]) { x = t[i]; t[i] = t[j]; t[j] = x }
            printf "| %s | %.2f | %.2f | %.2f | %d | %s |\n", tool, t[1], t[int((n + 1) / 2)], t[n], m / 1024, ans
        }'
done
