#!/usr/bin/env bash
# The HTML report with many events: build/tests/report_gen writes EVENTS
# (default 10 million) synthetic events on 4 pCPUs to a report; headless
# Chromium loads it with #bench, where the script times decoding, building
# the levels of detail, the first draw and 48 redraws while zooming in and
# out by 1.6x steps, and writes them to <body data-*>.
#   bench/report_html.sh [EVENTS]
set -euo pipefail
REPO=$(cd "$(dirname "$0")/.." && pwd)
N=${1:-10000000}
T=$(mktemp -d "${TMPDIR:-/tmp}/elscope-bench.XXXXXX")
trap 'rm -rf "$T"' EXIT
start=$(date +%s.%N)
"$REPO/build/tests/report_gen" "$T/r.html" "$N" 4
end=$(date +%s.%N)
echo "write: $(echo "$end - $start" | bc) s, $(stat -c %s "$T/r.html") bytes"
start=$(date +%s.%N)
timeout 600 chromium --headless=new --no-sandbox --disable-gpu \
    --window-size=1400,900 --user-data-dir="$T/chrome" \
    --dump-dom "file://$T/r.html#bench" 2>/dev/null |
    grep -o '<body[^>]*>' | tr ' ' '\n' | grep -E 'ms=|levels=|lanes='
end=$(date +%s.%N)
echo "chromium --dump-dom: $(echo "$end - $start" | bc) s in all (the dump of a page this size included)"
