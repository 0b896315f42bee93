// Typed, bound expressions and their vectorized evaluation over record batches (private
// to the engine). bind() resolves columns and functions against a schema, inserts the
// implicit casts, and rejects type errors before any data is touched.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "engine/functions/kernel.h"
#include "setl/engine/expr.h"
#include "setl/engine/record_batch.h"

namespace setl::engine::detail {

/// Types `expr` against `schema`. Throws: SchemaError, ParseError.
BoundExpr bind(const Expr& expr, const Schema& schema);

Datum evaluate(const BoundExpr& expr, const RecordBatch& batch);
/// Like evaluate, but a scalar result is broadcast to a column of the batch's length.
ColumnPtr evaluate_column(const BoundExpr& expr, const RecordBatch& batch);

/// The columns of `schema` as column references, with `name` replaced by (or, if absent,
/// followed by) `value` aliased to it: the projection behind with_column.
std::vector<Expr> columns_with(const Schema& schema, std::string name, const Expr& value);

}  // namespace setl::engine::detail
