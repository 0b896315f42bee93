#!/usr/bin/env bash
# Arrow IPC checked against apache-arrow (JavaScript, an independent implementation), in
# either direction, value by value:
#   ours:   setlpp writes a file and a stream (arrow_ipc_oracle_files); apache-arrow reads
#           them (arrow_ipc_read.mjs);
#   theirs: apache-arrow writes every Arrow type setlpp reads (arrow_ipc_write.mjs); setlpp
#           reads them (arrow_ipc_oracle_check).
# Installs the pinned npm package into a scratch folder (once per build tree); exits 77
# (CTest: skipped) with a message when node/npm are missing or the registry is unreachable.
# Usage: arrow_ipc_check.sh <scratch-dir> ours|theirs <setlpp binary>
set -uo pipefail
scratch=$1 direction=$2 binary=$3
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)

source "$here/npm_oracle.sh"
require_npm_packages "$scratch" apache-arrow apache-arrow@21.2.0
case "$direction" in
  ours)
    cp "$here/arrow_ipc_read.mjs" "$scratch/"
    rm -rf "$scratch/arrow-ipc-out"
    "$binary" "$scratch/arrow-ipc-out" || { echo "writing the Arrow IPC files failed"; exit 1; }
    cd "$scratch" && node arrow_ipc_read.mjs arrow-ipc-out
    ;;
  theirs)
    cp "$here/arrow_ipc_write.mjs" "$scratch/"
    rm -rf "$scratch/arrow-ipc-js"
    (cd "$scratch" && node arrow_ipc_write.mjs arrow-ipc-js) ||
      { echo "apache-arrow could not write"; exit 1; }
    "$binary" "$scratch/arrow-ipc-js"
    ;;
  *)
    echo "usage: arrow_ipc_check.sh <scratch-dir> ours|theirs <setlpp binary>"
    exit 2
    ;;
esac
