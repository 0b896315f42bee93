#!/usr/bin/env bash
# Reads Parquet files written by DuckDB (an independent implementation, pinned from npm,
# installed once per build tree) with setlpp and compares every cell with what DuckDB
# reads back. Exits 77 (CTest: skipped) with a message when node/npm are missing or the
# npm registry cannot be reached. No DuckDB extension is installed or loaded implicitly.
# Usage: duckdb_parquet_check.sh <scratch-dir> <duckdb_parquet_read binary>
set -uo pipefail
scratch=$1 reader=$2
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
package=@duckdb/node-api@1.5.6-r.1

if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
  echo "SKIPPED: node and npm are needed for the DuckDB oracle"
  exit 77
fi
mkdir -p "$scratch"
if [[ ! -f "$scratch/node_modules/@duckdb/node-api/package.json" ]]; then
  (cd "$scratch" && { [[ -f package.json ]] || echo '{"private":true}' > package.json; } &&
    timeout 300 npm install --no-audit --no-fund --silent "$package") ||
    { echo "SKIPPED: npm could not install $package"; exit 77; }
fi
cp "$here/duckdb_parquet_write.mjs" "$scratch/"
rm -rf "$scratch/duckdb-parquet"
(cd "$scratch" && node duckdb_parquet_write.mjs duckdb-parquet) ||
  { echo "DuckDB could not write the Parquet files"; exit 1; }
"$reader" "$scratch/duckdb-parquet"
