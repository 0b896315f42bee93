#!/usr/bin/env bash
# The live dashboard in Debian's Chromium, driven by playwright-core (pinned, installed into
# the build tree; the system browser, no download). Exits 77 (CTest: skipped) when Chromium,
# node or the npm registry is missing.
# Usage: dashboard_check.sh <dashboard_fixture> <npm-scratch-dir> <artifact-dir> [CHAIN LIMIT_MS]
# With CHAIN, the fixture's pipeline has CHAIN more factories and the page must paint and
# update within LIMIT_MS.
set -uo pipefail
fixture=$1 scratch=$2 artifacts=$3 chain=${4:-} limit=${5:-}
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
command -v chromium > /dev/null || { echo "SKIPPED: chromium is not installed"; exit 77; }
source "$here/../oracle/npm_oracle.sh"
require_npm_packages "$scratch" playwright-core playwright-core@1.64.1
cp "$here/dashboard_check.mjs" "$scratch/"
rm -rf "$artifacts" && mkdir -p "$artifacts"

# The fixture serves until its input closes: keep a pipe open to it.
mkfifo "$artifacts/input"
"$fixture" ${chain:+--chain "$chain"} < "$artifacts/input" > "$artifacts/fixture.out" \
  2> "$artifacts/fixture.err" &
fixture_pid=$!
exec 3> "$artifacts/input"
for _ in $(seq 100); do
  read -r url token < "$artifacts/fixture.out" 2> /dev/null && [[ -n "${token:-}" ]] && break
  sleep 0.1
done
[[ -n "${token:-}" ]] || { echo "the fixture did not start its monitor"; exec 3>&-; exit 1; }
node "$scratch/dashboard_check.mjs" "$url" "$token" "$artifacts" $limit
checked=$?
if ((checked != 0)); then
  kill "$fixture_pid" 2> /dev/null  # its run waits for a cancel that will not come
fi
exec 3>&-  # the fixture stops serving
wait "$fixture_pid"
ran=$?
grep -q "run cancelled" "$artifacts/fixture.out" || { echo "the run did not end cancelled"; exit 1; }
exit $(( checked != 0 ? checked : ran ))
