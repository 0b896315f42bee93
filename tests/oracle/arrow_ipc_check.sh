#!/usr/bin/env bash
# Arrow IPC files and streams setlpp writes, read by apache-arrow (JavaScript, an
# independent implementation) and compared value by value. Installs the pinned npm package
# into a scratch folder (once per build tree); exits 77 (CTest: skipped) with a message
# when node/npm are missing or the npm registry cannot be reached.
# Usage: arrow_ipc_check.sh <scratch-dir> <arrow_ipc_oracle_files binary>
set -uo pipefail
scratch=$1 writer=$2
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)

source "$here/npm_oracle.sh"
require_npm_packages "$scratch" apache-arrow apache-arrow@21.2.0
cp "$here/arrow_ipc_read.mjs" "$scratch/"
rm -rf "$scratch/arrow-ipc-out"
"$writer" "$scratch/arrow-ipc-out" || { echo "writing the Arrow IPC files failed"; exit 1; }
cd "$scratch" && node arrow_ipc_read.mjs arrow-ipc-out
