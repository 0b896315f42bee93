#!/usr/bin/env bash
# The whole test suite: installs what is missing, builds everything (tests, examples,
# benchmarks) with warnings as errors, runs every CTest test, runs clang-tidy's checks
# (.clang-tidy) over src/, then rebuilds under ThreadSanitizer and reruns the core,
# workflow, monitor and job-runner tests to catch data races in the parallel paths, then
# builds the libFuzzer targets with clang and runs each for a short, bounded time
# (SETL_FUZZ_SECONDS, default 20) after replaying its saved crash inputs.
# Set SETL_SKIP_TIDY=1, SETL_SKIP_TSAN=1 or SETL_SKIP_FUZZ=1 to skip those parts locally.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

bash scripts/install-deps.sh
jobs=$(nproc)
# Compiler cache entries keyed by paths relative to the checkout, so that a fresh clone
# in another folder reuses what an earlier build of the same sources compiled.
export CCACHE_BASEDIR="$PWD" CCACHE_NOHASHDIR=true
# Line tables only: sanitizer reports and backtraces keep file:line, and the three build
# trees take a fifth of the disk full debug information needs (about 17 GB for build/test).
# Configure a build tree of your own with CMAKE_BUILD_TYPE=Debug to inspect variables.
debug_flags=(-DCMAKE_CXX_FLAGS_RELWITHDEBINFO="-O2 -g1 -DNDEBUG")

cmake -S . -B build/test -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo "${debug_flags[@]}" -DSETL_BUILD_TESTS=ON \
  -DSETL_BUILD_EXAMPLES=ON -DSETL_BUILD_BENCHMARKS=ON
cmake --build build/test -j "$jobs"
ctest --test-dir build/test --output-on-failure -j "$jobs"
if [[ "${SETL_SKIP_TIDY:-0}" != "1" ]]; then
  bash scripts/clang-tidy.sh build/test
fi

if [[ "${SETL_SKIP_TSAN:-0}" != "1" ]]; then
  cmake -S . -B build/tsan -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo "${debug_flags[@]}" -DSETL_TSAN=ON \
    -DSETL_BUILD_TESTS=ON -DSETL_BUILD_EXAMPLES=OFF -DSETL_BUILD_BENCHMARKS=OFF
  cmake --build build/tsan -j "$jobs" --target setl_core_workflow_tests
  TSAN_OPTIONS="halt_on_error=1 second_deadlock_stack=1" \
    ctest --test-dir build/tsan --output-on-failure -j "$jobs" -L "core|workflow|monitor|cli"
fi

if [[ "${SETL_SKIP_FUZZ:-0}" != "1" ]]; then
  cmake -S . -B build/fuzz -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo "${debug_flags[@]}" -DCMAKE_CXX_COMPILER=clang++ \
    -DSETL_FUZZ=ON -DSETL_WERROR=OFF -DSETL_BUILD_TESTS=OFF -DSETL_BUILD_EXAMPLES=OFF \
    -DSETL_BUILD_BENCHMARKS=OFF -DSETL_FUZZ_SECONDS="${SETL_FUZZ_SECONDS:-20}"
  cmake --build build/fuzz -j "$jobs" --target setl_fuzzers
  ctest --test-dir build/fuzz --output-on-failure -j "$jobs" -L fuzz
fi
