#!/usr/bin/env bash
# Runs clang-tidy with the checks of .clang-tidy over every source file in src/, using the
# compile commands of a configured build tree (default build/test). Any finding fails.
# Usage: scripts/clang-tidy.sh [build-dir]
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
build=${1:-build/test}
if [[ ! -f "$build/compile_commands.json" ]]; then
  echo "clang-tidy: no $build/compile_commands.json; configure that build first" >&2
  exit 2
fi
# g++-only warning flags in the compile commands mean nothing to clang.
run-clang-tidy -p "$build" -quiet -j "$(nproc)" -extra-arg=-Wno-unknown-warning-option \
  "$PWD/src/.*\.cc$"
