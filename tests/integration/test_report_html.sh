#!/usr/bin/env bash
# The HTML report in headless Chromium (Debian's chromium), no lab needed:
# build/tests/report_gen writes a synthetic trace with known lanes (pCPU 0
# and 1 running Domain-0 and d1 vCPUs, Xen idle, tasks busy/sshd, d1's
# vCPUs waiting) and a profile; the page must draw the lanes and labels
# (the script writes them to <body data-lanes data-labels> after drawing,
# read with --dump-dom) and its screenshot must show both VMs' colours in
# quantity. It lives here rather than in meson's suite because it needs
# Chromium (a 300 MB browser CI images do not all have) and takes seconds.
# The screenshot is kept as $REPORT_PNG (default /tmp/elscope-report.png).
# shellcheck source-path=SCRIPTDIR
. "$(dirname "$0")/lib.sh"

# report_gen is built beside the elscope under test (build-test/ in CI).
GEN=${REPORT_GEN:-$(dirname "$ELSCOPE")/tests/report_gen}
PNG=${REPORT_PNG:-${TMPDIR:-/tmp}/elscope-report.png}
CHROMIUM=$(command -v chromium || command -v chromium-browser || true)
[ -n "$CHROMIUM" ] || fail "no chromium (scripts/setup-deps installs it)"
[ -x "$GEN" ] || fail "no $GEN (ninja -C build)"
chrome() {
    timeout 120 "$CHROMIUM" --headless=new --no-sandbox --disable-gpu \
        --window-size=1400,900 --user-data-dir="$T/chrome" "$@" 2>>"$T/chrome.log"
}

"$GEN" "$T/report.html" 3000 2 || fail "report_gen failed"
size=$(stat -c %s "$T/report.html")
note "report.html: $size bytes"
grep -q '<script[^>]*src=' "$T/report.html" && fail "the report loads a script"
grep -Eq '(href|src)="https?:' "$T/report.html" && fail "the report refers to the network"

chrome --dump-dom "file://$T/report.html" >"$T/dom.html" ||
    fail "chromium --dump-dom failed: $(tail -n 1 "$T/chrome.log")"
body=$(grep -o '<body[^>]*>' "$T/dom.html" | head -n 1)
note "$body"
lanes=$(sed -n 's/.*data-lanes="\([^"]*\)".*/\1/p' <<<"$body")
labels=$(sed -n 's/.*data-labels="\([^"]*\)".*/\1/p' <<<"$body")
owners=$(sed -n 's/.*data-owners="\([^"]*\)".*/\1/p' <<<"$body")
[ "$lanes" = 2 ] || fail "data-lanes is '$lanes', not 2: the script did not draw"
for want in "pCPU 0" "pCPU 1" "Domain-0" "d1" "d1 waiting"; do
    grep -q "\(^\|,\)$want\(,\|$\)" <<<"$labels" ||
        fail "label '$want' not drawn (labels: $labels)"
done
for want in "Domain-0 v0" "Domain-0 v1" "d1 v0" "d1 v1" "xen idle" "busy (135)"; do
    grep -q "$want" <<<"$owners" || fail "'$want' not drawn (owners: $owners)"
done
# The profile and waiting panels were filled in.
grep -q 'busy_spin' "$T/dom.html" || fail "no profile table"
grep -q '43\.\|[0-9]%</b>' "$T/dom.html" || fail "no waiting share"

chrome --screenshot="$PNG" "file://$T/report.html" >/dev/null ||
    fail "chromium --screenshot failed: $(tail -n 1 "$T/chrome.log")"
[ -s "$PNG" ] || fail "no screenshot"
python3 "$IT_DIR/pngcheck.py" "$PNG" >"$T/px.txt" || fail "cannot read $PNG"
cat "$T/px.txt" >&2
px() { awk -v k="$1" '$1 == k { print $2 }' "$T/px.txt"; }
total=$(px total)
# Domain-0 (blue) and d1 (orange) lanes: each well over 1% of the page.
[ "$(px blue)" -gt $((total / 100)) ] || fail "too few Domain-0 (blue) pixels: $(px blue)"
[ "$(px orange)" -gt $((total / 100)) ] || fail "too few d1 (orange) pixels: $(px orange)"
[ "$(px grey)" -gt $((total / 200)) ] || fail "too few grey (Xen idle, axes) pixels"
[ "$(px red)" -gt 100 ] || fail "no red (waiting bars) pixels"
note "screenshot: $PNG"
exit 0
