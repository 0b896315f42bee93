// Filters and projections applied batch by batch (private to the engine): the plan
// executor hands a chain of them to these operators instead of materialising each step.
#pragma once

#include <vector>

#include "setl/engine/table.h"

namespace setl::engine::detail {

/// One per-batch step: a filter (one predicate) or a projection (its columns).
struct BatchStep {
  bool is_filter = false;
  std::vector<Expr> exprs;
};

/// Runs every batch of `input` through `steps` (first step first) in parallel and returns
/// the rows left, in batch order, under `schema` (the chain's output schema).
Table run_batch_steps(const Table& input, const std::vector<BatchStep>& steps, SchemaPtr schema);

/// Aggregates what `steps` leave of `input` without holding it: each batch runs through
/// the chain inside the aggregate. When the last filter keeps most rows, its rows reach
/// the aggregate as a selection instead of a copy. `stepped_schema` is the chain's output.
Table aggregate_batch_steps(const Table& input, const std::vector<BatchStep>& steps,
                            const Schema& stepped_schema, const std::vector<std::string>& keys,
                            const std::vector<Expr>& aggregates);

}  // namespace setl::engine::detail
