#!/usr/bin/env bash
# The main job: installs what is missing, builds setlpp (Release) and runs the example
# pipeline on data it generates, printing its outputs, its DAG and its benchmark.
# Extra arguments go to the example (e.g. --orders 2000000).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

bash scripts/install-deps.sh
cmake -S . -B build/release -G Ninja -DCMAKE_BUILD_TYPE=Release -DSETL_BUILD_TESTS=OFF \
  -DSETL_BUILD_EXAMPLES=ON -DSETL_BUILD_BENCHMARKS=ON
cmake --build build/release --target sales_pipeline
./build/release/examples/sales_pipeline --out build/release/sales-out "$@"
