// What kernels and type rules work on (private to the engine): bound expressions, data
// that are a column or one scalar, validity helpers, and the implicit casts the binder and
// the type rules insert. Below the expression layer: expr/ binds and evaluates with these.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "setl/engine/column.h"
#include "setl/engine/expr.h"

namespace setl::engine::detail {

struct ScalarFunction;

/// A value that is either a whole column or one scalar standing for every row.
struct Datum {
  ColumnPtr column;
  Scalar scalar;
  bool is_scalar() const { return column == nullptr; }
};

struct BoundExpr {
  ExprKind kind = ExprKind::kLiteral;
  const ScalarFunction* function = nullptr;  // for kCall
  DataType type;
  int column = -1;
  Scalar literal;
  bool try_cast = false;
  std::vector<BoundExpr> args;
  std::string text;  // for error messages
};

/// `value` brought to `type`: literals are folded now (so a bad literal fails before
/// execution), anything else is wrapped in a cast.
BoundExpr cast_to(BoundExpr value, const DataType& type);
/// The decimal an operand stands for exactly: a decimal itself, an integer (a constant
/// with just its digits), a float constant as written (0.05 is decimal(2,2)); nullopt for
/// anything inexact (a float column, 1e-7) or not a number.
std::optional<DataType> decimal_operand_type(const BoundExpr& value);
/// A decimal holding both: the larger scale and the larger count of whole digits plus
/// `extra_digits` (for a sum's carry), capped at 38 digits.
DataType widest_decimal(const DataType& x, const DataType& y, int extra_digits);
/// The type both sides of a comparison, arithmetic or CASE branch are brought to, if any.
std::optional<DataType> common_type(const BoundExpr& a, const BoundExpr& b);

Datum eval_cast(const Datum& value, const DataType& to, bool try_cast, int64_t rows);

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
