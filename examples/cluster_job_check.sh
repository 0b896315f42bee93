#!/usr/bin/env bash
# The cluster job prints the same report alone and on 2 MPI ranks:
#   cluster_job_check.sh CLUSTER_JOB OUT_DIR MPIEXEC
set -euo pipefail
job=$1 out=$2 mpiexec=$3
rm -rf "$out" && mkdir -p "$out"
"$job" --sf 0.05 --out "$out/alone" > "$out/alone.txt"
OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 \
  "$mpiexec" --oversubscribe --bind-to none --mca btl self,vader \
  --mca btl_vader_single_copy_mechanism none --mca oob_tcp_if_include lo -np 2 \
  "$job" --sf 0.05 --out "$out/ranks" > "$out/ranks.txt"
grep -q "late line items in the lake" "$out/alone.txt"
if ! diff "$out/alone.txt" "$out/ranks.txt"; then
  echo "cluster_job: 2 ranks printed another report than one process" >&2
  exit 1
fi
# The lake holds one commit of both ranks' files, and nothing else is visible.
ls "$out/ranks/late"/l_shipmode=*/part-*.parquet > /dev/null
echo "cluster_job: the same report on 1 process and 2 ranks"
