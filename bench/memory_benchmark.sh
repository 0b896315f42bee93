#!/usr/bin/env bash
# Runs bench/memory_benchmark.cc's measurements, each in its own process (peak RSS is per
# process): every query unlimited and under a limit, on generated data.
#
#   bench/memory_benchmark.sh BUILD_DIR [SF] [LIMIT] [DATA_DIR]
#   bench/memory_benchmark.sh build/release 10 1GiB /data/sf10     # the setting
set -euo pipefail
build=${1:?usage: memory_benchmark.sh BUILD_DIR [SF] [LIMIT] [DATA_DIR]}
sf=${2:-1}
limit=${3:-1GiB}
data=${4:-memory-bench-sf$sf}
program="$build/bench/memory_benchmark"
if [[ ! -f "$data/lineitem.csv" ]]; then
  "$program" generate --sf "$sf" --dir "$data"
fi
ls -l "$data"/*.csv
for query in convert q1 sort join; do
  for budget in unlimited "$limit"; do
    "$program" run --query "$query" --dir "$data" --limit "$budget"
  done
done
