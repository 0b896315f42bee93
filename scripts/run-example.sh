#!/usr/bin/env bash
# The main job: installs what is missing, builds setlpp (Release) and runs the TPC-H-shaped
# ETL example on data it generates (CSV sources read through connectors, joins and
# aggregates, a SQLite warehouse table), printing its result, its DAG and its benchmark.
# Extra arguments go to the example (e.g. --sf 1).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

bash scripts/install-deps.sh
cmake -S . -B build/release -G Ninja -DCMAKE_BUILD_TYPE=Release -DSETL_BUILD_TESTS=OFF \
  -DSETL_BUILD_EXAMPLES=ON -DSETL_BUILD_BENCHMARKS=ON
cmake --build build/release --target tpch_etl
./build/release/examples/tpch_etl --out build/release/tpch-etl "$@"
