#!/usr/bin/env bash
# Checks that the Parquet files setlpp writes read back correctly with hyparquet, an
# independent JavaScript implementation. Installs pinned npm packages into a scratch folder
# (once per build tree); exits 77 (CTest: skipped) with a message when node/npm are missing
# or the npm registry cannot be reached.
# Usage: parquet_check.sh <scratch-dir> <parquet_oracle_files binary>
set -uo pipefail
scratch=$1 writer=$2
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)

source "$here/npm_oracle.sh"
require_npm_packages "$scratch" hyparquet-compressors hyparquet@1.33.0 \
  hyparquet-compressors@1.1.2
cp "$here/parquet_read.mjs" "$scratch/"
rm -rf "$scratch/parquet-out"
"$writer" "$scratch/parquet-out" || { echo "writing the Parquet files failed"; exit 1; }
cd "$scratch/parquet-out" && node ../parquet_read.mjs . *.parquet
