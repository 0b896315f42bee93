#!/usr/bin/env bash
# The whole test suite: installs what is missing, builds everything (tests, examples,
# benchmarks) with warnings as errors, runs every CTest test, then rebuilds under
# ThreadSanitizer and reruns the core and workflow tests to catch data races in the
# parallel paths. Set SETL_SKIP_TSAN=1 to skip the second part locally.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

bash scripts/install-deps.sh
jobs=$(nproc)

cmake -S . -B build/test -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DSETL_BUILD_TESTS=ON \
  -DSETL_BUILD_EXAMPLES=ON -DSETL_BUILD_BENCHMARKS=ON
cmake --build build/test -j "$jobs"
ctest --test-dir build/test --output-on-failure -j "$jobs"

if [[ "${SETL_SKIP_TSAN:-0}" != "1" ]]; then
  cmake -S . -B build/tsan -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DSETL_TSAN=ON \
    -DSETL_BUILD_TESTS=ON -DSETL_BUILD_EXAMPLES=OFF -DSETL_BUILD_BENCHMARKS=OFF
  cmake --build build/tsan -j "$jobs" --target setl_core_workflow_tests
  TSAN_OPTIONS="halt_on_error=1 second_deadlock_stack=1" \
    ctest --test-dir build/tsan --output-on-failure -j "$jobs" -L "core|workflow|monitor"
fi
