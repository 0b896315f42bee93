#!/usr/bin/env bash
# Opens a run report from disk in Debian's Chromium (headless, no network) and checks what
# the browser made of it: every factory is there as text, no markup from the run became an
# element, and no script ran. Saves screenshots at 1280x800 and at a phone's width as test
# artifacts. Exits 77 (CTest: skipped) when Chromium is missing.
# Usage: report_check.sh <report_fixture> <artifact-dir>
set -euo pipefail
fixture=$1 artifacts=$2
browser=$(command -v chromium || true)
if [[ -z "$browser" ]]; then
  echo "chromium is not installed (scripts/install-deps.sh installs it)"
  exit 77
fi
rm -rf "$artifacts" && mkdir -p "$artifacts"
report="$artifacts/report.html"
"$fixture" "$report"
# Flags for a closed machine: no sandbox as root, no GPU, nothing fetched in the background.
chrome() {
  "$browser" --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
    --disable-background-networking --disable-component-update --disable-sync \
    --user-data-dir="$artifacts/profile" "$@" 2> "$artifacts/chromium.log"
}
chrome --dump-dom "file://$report" > "$artifacts/dom.html"
chrome --window-size=1280,800 --screenshot="$artifacts/report-1280x800.png" "file://$report"
chrome --window-size=390,844 --screenshot="$artifacts/report-390x844.png" "file://$report"

fail() { echo "report_check: $*" >&2; exit 1; }
dom="$artifacts/dom.html"
for factory in 'Numbers' 'Breaks' '&lt;img src=x onerror=alert(1)&gt;'; do
  grep -qF -- "$factory" "$dom" || fail "factory '$factory' is not on the page"
done
grep -qF -- '&lt;script&gt;document.title' "$dom" || fail "the error message is not on the page"
grep -q '<img' "$dom" && fail "markup from the run became an element"
grep -q '<title>pwned' "$dom" && fail "a script from the run ran"
grep -q '<script' "$dom" && fail "the page has a script"
for shot in report-1280x800.png report-390x844.png; do
  [[ -s "$artifacts/$shot" ]] || fail "no screenshot $shot"
done
echo "report_check: every factory shown as text, nothing injected; screenshots in $artifacts"
