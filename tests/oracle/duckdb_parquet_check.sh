#!/usr/bin/env bash
# Reads Parquet files written by DuckDB (an independent implementation, pinned from npm,
# installed once per build tree) with setlpp and compares every cell with what DuckDB
# reads back. Exits 77 (CTest: skipped) with a message when node/npm are missing or the
# npm registry cannot be reached. No DuckDB extension is installed or loaded implicitly.
# Usage: duckdb_parquet_check.sh <scratch-dir> <duckdb_parquet_read binary>
set -uo pipefail
scratch=$1 reader=$2
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
source "$here/npm_oracle.sh"
require_npm_packages "$scratch" @duckdb/node-api @duckdb/node-api@1.5.6-r.1
cp "$here/duckdb_parquet_write.mjs" "$scratch/"
rm -rf "$scratch/duckdb-parquet"
(cd "$scratch" && node duckdb_parquet_write.mjs duckdb-parquet) ||
  { echo "DuckDB could not write the Parquet files"; exit 1; }
"$reader" "$scratch/duckdb-parquet"
