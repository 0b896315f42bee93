// Typed, bound expressions and their vectorized evaluation over record batches (private
// to the engine). bind() resolves columns and functions against a schema, inserts the
// implicit casts, and rejects type errors before any data is touched.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "setl/engine/expr.h"
#include "setl/engine/record_batch.h"

namespace setl::engine::detail {

struct ScalarFunction;

/// A value that is either a whole column or one scalar standing for every row.
struct Datum {
  ColumnPtr column;
  Scalar scalar;
  bool is_scalar() const { return column == nullptr; }
};

struct InSet;

struct BoundExpr {
  ExprKind kind = ExprKind::kLiteral;
  const ScalarFunction* function = nullptr;  // for kCall
  DataType type;
  int column = -1;
  Scalar literal;
  bool try_cast = false;
  std::vector<BoundExpr> args;
  std::shared_ptr<const InSet> in_set;
  std::string text;  // for error messages
};

/// Types `expr` against `schema`. Throws: SchemaError, ParseError.
BoundExpr bind(const Expr& expr, const Schema& schema);

Datum evaluate(const BoundExpr& expr, const RecordBatch& batch);
/// Like evaluate, but a scalar result is broadcast to a column of the batch's length.
ColumnPtr evaluate_column(const BoundExpr& expr, const RecordBatch& batch);

/// `value` brought to `type`: literals are folded now (so a bad literal fails before
/// execution), anything else is wrapped in a cast.
BoundExpr cast_to(BoundExpr value, const DataType& type);
/// The type both sides of a comparison, arithmetic or CASE branch are brought to, if any.
std::optional<DataType> common_type(const BoundExpr& a, const BoundExpr& b);

Datum eval_cast(const Datum& value, const DataType& to, bool try_cast, int64_t rows);

/// The columns of `schema` as column references, with `name` replaced by (or, if absent,
/// followed by) `value` aliased to it: the projection behind with_column.
std::vector<Expr> columns_with(const Schema& schema, std::string name, const Expr& value);

/// Kernel arguments as columns (scalars broadcast) and the AND of their validities.
struct KernelInputs {
  std::vector<ColumnPtr> columns;
  BufferPtr validity;  // null: every row valid
  bool valid(int64_t row) const { return validity == nullptr || get_bit(validity->data(), row); }
};
KernelInputs kernel_inputs(const std::vector<Datum>& args, int64_t rows);

/// A column of `rows` rows for a datum (scalars broadcast).
ColumnPtr to_column(const Datum& datum, int64_t rows);
/// The validity of a column as a bitmap starting at bit 0 (null when all rows are valid).
BufferPtr normalized_validity(const Column& column);
/// AND of validities of several data (null when all rows are valid).
BufferPtr and_validity(const std::vector<const Datum*>& data, int64_t rows);

}  // namespace setl::engine::detail
