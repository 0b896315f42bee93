// Hash aggregation over batches produced on demand (private to the engine), so that a
// filter or projection feeding an aggregate runs batch by batch without materializing
// its whole output.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "engine/expr/expr_eval.h"
#include "engine/functions/registry.h"
#include "setl/engine/table.h"

namespace setl::engine {

namespace detail {

/// One aggregate of an agg() call, bound to its input schema.
struct AggregatePlan {
  std::string name;
  const AggregateFunction* function = nullptr;
  std::optional<BoundExpr> input;  // none for count(*)
  DataType type;
};

/// Throws: SchemaError for something that is not an aggregate or nests one.
AggregatePlan plan_aggregate(const Expr& expr, const Schema& schema);
std::unique_ptr<Accumulator> make_accumulator(const AggregatePlan& plan);

}  // namespace detail

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
