#!/usr/bin/env bash
# Arrow IPC files and streams apache-arrow (JavaScript, an independent implementation)
# writes in every Arrow type setlpp reads, read by setlpp and compared value by value.
# Exits 77 (CTest: skipped) when node/npm are missing or the npm registry is unreachable.
# Usage: arrow_ipc_reverse_check.sh <scratch-dir> <arrow_ipc_oracle_check binary>
set -uo pipefail
scratch=$1 checker=$2
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)

source "$here/npm_oracle.sh"
require_npm_packages "$scratch" apache-arrow apache-arrow@21.2.0
cp "$here/arrow_ipc_write.mjs" "$scratch/"
rm -rf "$scratch/arrow-ipc-js"
(cd "$scratch" && node arrow_ipc_write.mjs arrow-ipc-js) || { echo "apache-arrow could not write"; exit 1; }
"$checker" "$scratch/arrow-ipc-js"
