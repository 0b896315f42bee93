// Hash aggregation over batches produced on demand (private to the engine), so that a
// filter or projection feeding an aggregate runs batch by batch without materializing
// its whole output.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "setl/engine/table.h"

namespace setl::engine {

/// A batch and, optionally, the rows of it that count: a bitmap from bit 0 (null means
/// every row). High-selectivity filters pass a selection instead of copying the rows.
struct SelectedBatch {
  RecordBatch batch;
  BufferPtr selection;
};

/// Produces batch `index` (nullopt or an empty batch when nothing remains of it); called
/// from worker threads, each index once.
using BatchSource = std::function<std::optional<SelectedBatch>(size_t index)>;

/// Aggregates the batches of a virtual table with `schema`. No keys: one output row.
Table aggregate_batches(const Schema& schema, size_t batch_count, const BatchSource& batch_at,
                        const std::vector<std::string>& keys, const std::vector<Expr>& aggregates);

}  // namespace setl::engine
