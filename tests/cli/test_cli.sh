#!/usr/bin/env bash
# The command line end to end on raw images and errors that need no live
# target: exit codes, one-line errors, JSON documents, -x files.
# usage: test_cli.sh ELSCOPE SRCDIR
set -u
ELSCOPE=$1
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
pass=0
fail=0

ok() { pass=$((pass + 1)); echo "PASS $1"; }
bad() { fail=$((fail + 1)); echo "FAIL $1: $2"; }

# run NAME EXPECTED_STATUS ARGS... : stdout in $tmp/out, stderr in $tmp/err
run() {
    local name=$1 want=$2
    shift 2
    "$ELSCOPE" "$@" >"$tmp/out" 2>"$tmp/err"
    local got=$?
    if [ "$got" -ne "$want" ]; then
        bad "$name" "exit status $got, wanted $want; stderr: $(head -c 300 "$tmp/err")"
        return 1
    fi
    return 0
}

one_error_line() {
    local name=$1 pattern=$2
    local lines
    lines=$(wc -l <"$tmp/err")
    if [ "$lines" -ne 1 ]; then
        bad "$name" "wanted one stderr line, got $lines: $(head -c 300 "$tmp/err")"
    elif ! grep -q "^elscope: .*$pattern" "$tmp/err"; then
        bad "$name" "stderr '$(cat "$tmp/err")' does not match '$pattern'"
    else
        ok "$name"
    fi
}

# Two RAM images with a gap between them, as a probe would take them.
head -c 8192 /dev/urandom >"$tmp/lo.bin"
head -c 4096 /dev/urandom >"$tmp/hi.bin"
RAW="raw:$tmp/lo.bin@0x40000000,$tmp/hi.bin@0x40004000"

run usage-no-target 2 && one_error_line usage-no-target "no target given"
run usage-bad-option 2 --frobnicate "$RAW"
run bad-target-kind 2 -c info foo:bar && one_error_line bad-target-kind "gdb:HOST:PORT"

if run x-json 0 "$RAW" --json -c 'x --phys 0x40000010 32'; then
    want=$(od -An -tx1 -v -j16 -N32 "$tmp/lo.bin" | tr -d ' \n')
    got=$(python3 -c 'import json,sys; d=json.load(sys.stdin); print(d["data"]) if d["address"]=="0x40000010" and d["length"]==32 and d["space"]=="phys" else print("bad keys", d)' <"$tmp/out")
    if [ "$got" = "$want" ]; then ok x-json; else bad x-json "data $got, wanted $want"; fi
fi

if run x-text 0 "$RAW" -c 'x --phys 0x40000000 16'; then
    first=$(od -An -tx1 -v -N8 "$tmp/lo.bin" | tr -s ' ' | sed 's/^ //')
    if grep -q "^0000000040000000: $first" "$tmp/out"; then ok x-text; else bad x-text "hexdump line '$(head -1 "$tmp/out")' does not start with '$first'"; fi
fi

if run x-out 0 "$RAW" -c "x --phys 0x40004000 4096 --out $tmp/copy.bin"; then
    if cmp -s "$tmp/copy.bin" "$tmp/hi.bin"; then ok x-out; else bad x-out "file differs"; fi
fi

run x-gap 1 "$RAW" -c 'x --phys 0x40001ff0 0x20' &&
    one_error_line x-gap "0x40002000"

run x-virtual-on-raw 1 "$RAW" -c 'x 0x40000000 16' &&
    one_error_line x-virtual-on-raw "x --phys"

run halt-on-raw 1 "$RAW" -c halt && one_error_line halt-on-raw "does not run"

run regs-on-raw 1 "$RAW" -c 'regs pc' && one_error_line regs-on-raw "regs: "

run unknown-command 2 "$RAW" -c 'frob' && one_error_line unknown-command "unknown command 'frob'"

run bad-number 2 "$RAW" -c 'x --phys 0x4000zz 16' &&
    one_error_line bad-number "not a number"

# The first error stops the run: the later command must not print.
if run stops-at-error 1 "$RAW" --json -c 'x --phys 0x50000000 4' -c info; then
    if [ ! -s "$tmp/out" ]; then ok stops-at-error; else bad stops-at-error "output after the error"; fi
fi

# --json: exactly one JSON document per command, one per line.
if run json-per-command 0 "$RAW" --json -c info -c 'x --phys 0x40000000 4' -c info; then
    if python3 - "$tmp/out" <<'PY'
import json, sys
lines = open(sys.argv[1]).read().splitlines()
assert len(lines) == 3, lines
docs = [json.loads(l) for l in lines]
assert docs[0]["kind"] == "raw" and docs[0]["state"] == "static", docs[0]
assert docs[1]["length"] == 4
PY
    then ok json-per-command; else bad json-per-command "$(head -c 300 "$tmp/out")"; fi
fi

# -x: commands from a file; an error names the file and line.
printf '# a comment\n\ninfo\nx --phys 0x40000000 4\nx --phys 0x60000000 4\n' >"$tmp/cmds"
run x-file 1 "$RAW" -x "$tmp/cmds" && one_error_line x-file "cmds:5: x: "

run missing-x-file 1 "$RAW" -x "$tmp/nope" && one_error_line missing-x-file "nope"

# A port nobody listens on: one clear error, quickly.
start=$(date +%s)
run refused 1 gdb:127.0.0.1:1 -c info && one_error_line refused "connecting to 127.0.0.1:1"
if [ $(($(date +%s) - start)) -le 5 ]; then ok refused-fast; else bad refused-fast "took too long"; fi

run bad-timeout 2 --timeout abc "$RAW" -c info && one_error_line bad-timeout "timeout"

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
