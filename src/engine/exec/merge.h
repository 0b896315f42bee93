// Merging sorted spill runs (private to the engine): the k-way merge behind the external
// sort, and the merge by first-seen position behind a spilled aggregation.
#pragma once

#include <memory>
#include <vector>

#include "engine/exec/spill.h"

namespace setl::engine::detail {

/// One merge key: a column of the runs' schema and its order.
struct MergeKey {
  size_t column = 0;
  bool descending = false;
  bool nulls_first = true;
};

/// The rows of `runs` (each sorted by `keys`) in one sorted stream; ties go to the run
/// listed first. `output` is the runs' schema, or a prefix of its columns (trailing
/// columns such as a position tag are dropped). Rows come in batches of about
/// `batch_bytes`. Each run's file is read one batch at a time.
std::unique_ptr<BatchStream> merge_runs(std::vector<SpillRun> runs, std::vector<MergeKey> keys,
                                        SchemaPtr output, int64_t batch_bytes);

/// Writes `table` as a run of batches of about `chunk_bytes` each.
SpillRun write_run(SpillSpace& space, const Table& table, const std::string& operator_name,
                   int64_t chunk_bytes);

/// Merges `runs` in passes of at most `fan_in` until at most `fan_in` are left (each
/// pass writes new runs and removes the old ones).
std::vector<SpillRun> reduce_runs(SpillSpace& space, std::vector<SpillRun> runs,
                                  const std::vector<MergeKey>& keys, size_t fan_in,
                                  const std::string& operator_name, int64_t chunk_bytes);

/// Bytes of the rows of `batch`: what a copy of it takes.
int64_t batch_bytes(const RecordBatch& batch);
/// Bytes of memory `batch` keeps alive: its buffers' capacities (what holding it costs),
/// but only its rows' bytes for a column that is a small slice of larger buffers.
int64_t held_bytes(const RecordBatch& batch);

}  // namespace setl::engine::detail
