// Queries across the ranks of a distributed run. Under a DistributedScope, LazyFrame plans
// run on every rank at once (SPMD): each rank scans its share of every source (Parquet row
// groups, partition directories and files of a file set, byte ranges of a CSV or JSON
// Lines file cut between records; a source that cannot split is read by rank 0), large in-memory tables are split by rows, small ones stay whole on every
// rank (replicated), and the optimizer puts exchanges where an operator needs rows that
// live on other ranks:
//
//   - a join shuffles both inputs by their keys, or broadcasts an input expected to have
//     at most `broadcast_rows` rows (the side the join does not keep whole);
//   - an aggregation aggregates each rank's rows, shuffles the partial results by the
//     group keys and combines them (count, sum, min, max, mean; others shuffle the rows);
//   - distinct shuffles by every column, a window by its PARTITION BY keys;
//   - a sort samples its keys on every rank, picks splitters and sends each row to the
//     rank of its key range (sample sort), so the ranks' parts follow one another;
//   - a limit takes its rows on every rank, then again from what is gathered.
//
// collect() gathers the result on every rank (the same rows everywhere);
// collect_partition() keeps each rank's part. explain() shows the exchanges. Every rank
// must run the same queries in the same order; the plans are checked to agree.
//
//   DistributedScope scope({.communicator = &comm});
//   Table top = orders.group_by({"city"}).agg({sum(col("amount"))}).collect();
#pragma once

#include <cstdint>

#include "setl/core/communicator.h"

namespace setl::engine {

struct DistributedContext {
  /// This rank's end (not owned; outlives the scope). Null: not distributed.
  Communicator* communicator = nullptr;
  /// An input expected to have at most this many rows is sent whole to every rank for a
  /// join (broadcast) rather than shuffled, and an in-memory table this small is not split.
  int64_t broadcast_rows = 100'000;
  /// An exchange sends at most this many bytes to one rank per round (at least one batch),
  /// so a shuffle holds at most size() of these in flight; the rest of what it sends and
  /// receives is reserved from the memory budget and spilled past it.
  int64_t chunk_bytes = int64_t{16} << 20;
  /// Rows each rank samples to choose a distributed sort's splitters.
  int64_t sample_rows = 1024;
};

/// The innermost scope's context on this thread, else the process default; null when
/// neither has a communicator.
const DistributedContext* current_distributed_context();
/// The context of threads without a scope (a pipeline run under mpirun sets it).
void set_default_distributed_context(DistributedContext context);

/// Makes `context` current on this thread until destroyed.
class DistributedScope {
 public:
  explicit DistributedScope(DistributedContext context);
  ~DistributedScope();
  DistributedScope(const DistributedScope&) = delete;
  DistributedScope& operator=(const DistributedScope&) = delete;

 private:
  const DistributedContext* previous_;
  DistributedContext context_;
};

}  // namespace setl::engine
