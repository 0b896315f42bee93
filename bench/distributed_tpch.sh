#!/usr/bin/env bash
# TPC-H on 1 and 2 MPI ranks on this machine (shared memory between ranks), each rank
# with one engine thread (a rank per core: what scaling out adds), then one rank with
# every core for reference:
#   bench/distributed_tpch.sh BUILD_DIR [SCALE_FACTOR] [QUERIES]
# e.g. bench/distributed_tpch.sh build/test 1 1,3,5,6,9,10,12,14,18
# The data is written once to BUILD_DIR/distributed-tpch-sfN. As root (containers), Open
# MPI needs the two OMPI_ALLOW_RUN_AS_ROOT variables set here.
set -euo pipefail
build=${1:?usage: distributed_tpch.sh BUILD_DIR [SCALE_FACTOR] [QUERIES]}
scale=${2:-1}
queries=${3:-1,3,5,6,9,10,12,14,18}
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
data="$build/distributed-tpch-sf$scale"
first=1
for run in "1 1" "2 1" "1 0"; do
  read -r ranks threads <<< "$run"
  mpirun --oversubscribe --bind-to none --mca btl self,vader \
    --mca btl_vader_single_copy_mechanism none --mca oob_tcp_if_include lo -np "$ranks" \
    "$build/bench/distributed_tpch" --sf "$scale" --dir "$data" --queries "$queries" \
    --threads "$threads" | { if ((first)); then cat; else tail -n +2; fi; }
  first=0
done
