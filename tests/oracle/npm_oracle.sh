# Sourced by the oracle checks. require_npm_packages <scratch-dir> <marker> <package@version>...
# installs the pinned packages into the scratch folder once per build tree (the marker is
# the package whose presence says they are there), adding to what the folder already holds;
# exits 77 (CTest: skipped) with the reason when node/npm are missing or the npm registry
# cannot be reached.
require_npm_packages() {
  local scratch=$1 marker=$2
  shift 2
  if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
    echo "SKIPPED: node and npm are needed to install $*"
    exit 77
  fi
  mkdir -p "$scratch"
  if [[ -f "$scratch/node_modules/$marker/package.json" ]]; then
    return 0
  fi
  (cd "$scratch" && { [[ -f package.json ]] || echo '{"private":true}' > package.json; } &&
    timeout 300 npm install --no-audit --no-fund --silent "$@") ||
    { echo "SKIPPED: npm could not install $*"; exit 77; }
}
