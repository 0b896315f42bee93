// Evaluation of bound expressions: columns, literals and casts here; every call runs the
// kernel its registry entry names (engine/functions/).
#include "engine/expr/expr_eval.h"

#include <cstring>

#include "engine/functions/registry.h"
#include "setl/core/error.h"

namespace setl::engine::detail {

Datum evaluate(const BoundExpr& expr, const RecordBatch& batch) {
  int64_t rows = batch.num_rows();
  switch (expr.kind) {
    case ExprKind::kColumn:
      return Datum{batch.column(static_cast<size_t>(expr.column)), {}};
    case ExprKind::kLiteral:
      return Datum{nullptr, expr.literal};
    case ExprKind::kCast:
      return eval_cast(evaluate(expr.args[0], batch), expr.type, expr.try_cast, rows);
    case ExprKind::kAggregate:
    case ExprKind::kWindow:
      throw InternalError("aggregate or window function reached scalar evaluation");
    case ExprKind::kCall:
      break;
  }
  std::vector<Datum> args;
  args.reserve(expr.args.size());
  bool all_scalar = true;
  for (const BoundExpr& arg : expr.args) {
    args.push_back(evaluate(arg, batch));
    all_scalar = all_scalar && args.back().is_scalar();
  }
  // Constant inputs are computed once on one row and kept scalar.
  int64_t work_rows = all_scalar ? 1 : rows;
  auto finish = [&](Datum result) {
    if (all_scalar && !result.is_scalar()) {
      return Datum{nullptr, result.column->scalar(0)};
    }
    return result;
  };
  return finish(expr.function->kernel(expr, args, work_rows));
}

ColumnPtr evaluate_column(const BoundExpr& expr, const RecordBatch& batch) {
  Datum result = evaluate(expr, batch);
  if (result.is_scalar()) {
    Scalar value = result.scalar;
    if (value.is_null() && !(value.type() == expr.type)) {
      value = Scalar::null(expr.type);
    }
    return Column::constant(value, batch.num_rows());
  }
  return result.column;
}

}  // namespace setl::engine::detail
