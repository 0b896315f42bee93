#!/usr/bin/env bash
# Installs the Debian 12 packages setlpp needs to build, test and run its examples.
# Idempotent: packages already present are skipped, and apt is not touched at all
# when nothing is missing. Safe to run from both README commands and from CI.
set -euo pipefail

packages=(
  build-essential cmake ninja-build pkg-config ccache
  libtbb-dev
  libyaml-cpp-dev nlohmann-json3-dev
  libspdlog-dev libfmt-dev
  libcli11-dev
  libgtest-dev libgmock-dev libbenchmark-dev
  libsqlite3-dev
  libpq-dev postgresql
  zlib1g-dev libzstd-dev libsimdjson-dev
  thrift-compiler libthrift-dev libboost-dev libsnappy-dev liblz4-dev
  flatbuffers-compiler libflatbuffers-dev
  libcpp-httplib-dev
  libxlsxwriter-dev libzip-dev libexpat1-dev python3-openpyxl
  unixodbc-dev odbc-postgresql libsqliteodbc
  libopenmpi-dev openmpi-bin
  libcpp-hocon-dev libleatherman-dev libboost-regex-dev libboost-locale-dev
  graphviz
  chromium
  python3 python3-pandas
  clang libclang-rt-dev clang-tidy
)

missing=()
for package in "${packages[@]}"; do
  status=$(dpkg-query -W -f='${Status}' "$package" 2>/dev/null || true)
  if [[ "$status" != "install ok installed" ]]; then
    missing+=("$package")
  fi
done

if ((${#missing[@]} == 0)); then
  echo "install-deps: all ${#packages[@]} packages present"
  exit 0
fi

echo "install-deps: installing ${missing[*]}"
sudo_cmd=()
if [[ $(id -u) -ne 0 ]]; then
  sudo_cmd=(sudo)
fi
export DEBIAN_FRONTEND=noninteractive
"${sudo_cmd[@]}" apt-get update -qq
"${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"
echo "install-deps: done"
