#!/usr/bin/env bash
# TPC-H in setlpp and in DuckDB on the same generated data, interleaved, with the answers
# checked against each other; prints a markdown table of times and ratios. DuckDB comes
# from npm (@duckdb/node-api, pinned), installed once into the build tree; no DuckDB
# extension is installed or loaded.
#
#   bench/tpch_peer.sh BUILD_DIR [SF] [REPS] [QUERIES]     e.g. bench/tpch_peer.sh build/release 1 3
#   TPCH_SOURCE=parquet bench/tpch_peer.sh ...   both engines query the Parquet files
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
build=$(cd "${1:?usage: tpch_peer.sh BUILD_DIR [SF] [REPS] [QUERIES]}" && pwd)
sf=${2:-1}
reps=${3:-3}
queries=${4:-}
scratch="$build/npm-duckdb"
source "$here/../tests/oracle/npm_oracle.sh"
require_npm_packages "$scratch" @duckdb/node-api @duckdb/node-api@1.5.6-r.1
cp "$here/tpch_peer.mjs" "$scratch/"
data="$build/tpch-peer-sf$sf"
cd "$scratch"
node tpch_peer.mjs "$build/bench/tpch_peer_runner" "$sf" "$data" "$reps" $queries
