// Streaming transforms (private to the engine): filter with selection vectors, and
// projection.
#pragma once

#include <memory>
#include <vector>

#include "engine/exec/pipeline.h"

namespace setl::engine::detail {

/// Keeps the rows where `predicate` is TRUE. When most rows pass, it narrows the morsel's
/// selection instead of copying every column; otherwise it copies the rows.
std::shared_ptr<Transform> filter_transform(const Expr& predicate, const Schema& input);
/// Computes `columns` (the projection's output under `schema`); keeps the selection.
std::shared_ptr<Transform> project_transform(std::vector<Expr> columns, SchemaPtr schema);
/// Gives the batch `schema` (same columns, other names or nullability).
std::shared_ptr<Transform> rename_transform(SchemaPtr schema);

}  // namespace setl::engine::detail
