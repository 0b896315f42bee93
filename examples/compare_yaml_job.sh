#!/usr/bin/env bash
# Runs the main job twice on the same data — the C++ job, then its YAML declaration through
# `setl run` — and checks that they print the same, timings aside.
# usage: compare_yaml_job.sh TPCH_ETL SETL PIPELINE_YAML OUT_DIR
set -euo pipefail
cpp_job=$1 setl=$2 pipeline=$3 out=$4
rm -rf "$out" && mkdir -p "$out"
# Timings and sizes in the benchmark, the summary and the trace differ from run to run.
comparable() { sed -e '/^== benchmark ==/,$d' -e 's/[0-9]*\.[0-9]* ms/N ms/g'; }
SETL_DATA_DIR="$out/data" "$cpp_job" --sf 0.01 --dag text > "$out/cpp.txt"
SETL_DATA_DIR="$out/data" "$setl" run "$pipeline" --set data.scale_factor=0.01 --dag text \
  > "$out/yaml.txt"
if ! diff <(comparable < "$out/cpp.txt") <(comparable < "$out/yaml.txt"); then
  echo "the YAML pipeline printed something else than the C++ job" >&2
  exit 1
fi
echo "same output: $(head -c 2000 "$out/yaml.txt")"
