#!/usr/bin/env bash
# Checks that setlpp's Mermaid output parses with Mermaid itself. Installs pinned npm
# packages into a scratch folder (once per build tree); exits 77 (CTest: skipped) with a
# message when node/npm are missing or the npm registry cannot be reached.
# Usage: mermaid_check.sh <scratch-dir> <example-binary> <file.mmd>...
set -uo pipefail
scratch=$1 example=$2
shift 2
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)

source "$here/npm_oracle.sh"
require_npm_packages "$scratch" mermaid mermaid@11.17.2 jsdom@24.1.3
cp "$here/mermaid_parse.mjs" "$scratch/"

"$example" --orders 1000 --out "$scratch/example-out" > "$scratch/example.txt" 2>/dev/null || {
  echo "the example failed"; exit 1; }
sed -n '/^flowchart/,/^$/p' "$scratch/example.txt" > "$scratch/example.mmd"
[[ -s "$scratch/example.mmd" ]] || { echo "the example printed no Mermaid diagram"; exit 1; }
node "$scratch/mermaid_parse.mjs" "$scratch/example.mmd" "$@"
