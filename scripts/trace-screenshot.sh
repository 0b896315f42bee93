#!/usr/bin/env bash
# A PNG of a run's trace as a trace viewer shows it (for documentation): installs the
# pinned speedscope viewer and playwright-core from npm into BUILD_DIR/npm-trace-viewer
# and drives Debian's Chromium (apt-get install chromium; not a build dependency).
#
#   scripts/trace-screenshot.sh BUILD_DIR TRACE.json OUT.png
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
build=$(cd "${1:?usage: trace-screenshot.sh BUILD_DIR TRACE.json OUT.png}" && pwd)
trace=$(realpath "${2:?usage: trace-screenshot.sh BUILD_DIR TRACE.json OUT.png}")
out=$(realpath -m "${3:?usage: trace-screenshot.sh BUILD_DIR TRACE.json OUT.png}")
command -v chromium >/dev/null || { echo "trace-screenshot: needs Debian's chromium" >&2; exit 1; }
scratch="$build/npm-trace-viewer"
mkdir -p "$scratch"
cd "$scratch"
if [ ! -d node_modules/speedscope ] || [ ! -d node_modules/playwright-core ]; then
  npm install --no-audit --no-fund --silent speedscope@1.25.0 playwright-core@1.65.1
fi
cp "$here/trace_screenshot.mjs" .
node trace_screenshot.mjs "$scratch/node_modules/speedscope/dist/release" "$trace" "$out"
echo "trace-screenshot: $out"
