// Evaluation of bound expressions: columns, literals and casts here; every call runs the
// kernel its registry entry names (engine/functions/).
#include "engine/expr/expr_eval.h"

#include <cstring>

#include "engine/functions/registry.h"
#include "setl/core/error.h"

namespace setl::engine::detail {

ColumnPtr to_column(const Datum& datum, int64_t rows) {
  return datum.is_scalar() ? Column::constant(datum.scalar, rows) : datum.column;
}

KernelInputs kernel_inputs(const std::vector<Datum>& args, int64_t rows) {
  KernelInputs inputs;
  std::vector<const Datum*> data;
  for (const Datum& arg : args) {
    inputs.columns.push_back(to_column(arg, rows));
    data.push_back(&arg);
  }
  inputs.validity = and_validity(data, rows);
  return inputs;
}

BufferPtr normalized_validity(const Column& column) {
  if (column.null_count() == 0) {
    return nullptr;
  }
  if (column.validity_buffer() == nullptr) {  // null type
    return Buffer::allocate(static_cast<size_t>((column.length() + 7) / 8), true);
  }
  if (column.offset() % 8 == 0) {
    return Buffer::wrap(column.validity_buffer()->data() + column.offset() / 8,
                        static_cast<size_t>((column.length() + 7) / 8), column.validity_buffer());
  }
  auto out = Buffer::allocate(static_cast<size_t>((column.length() + 7) / 8), true);
  for (int64_t i = 0; i < column.length(); ++i) {
    set_bit(out->mutable_data(), i, column.is_valid(i));
  }
  return out;
}

BufferPtr and_validity(const std::vector<const Datum*>& data, int64_t rows) {
  BufferPtr result;
  size_t bytes = static_cast<size_t>((rows + 7) / 8);
  for (const Datum* datum : data) {
    if (datum->is_scalar()) {
      if (datum->scalar.is_null()) {
        return Buffer::allocate(bytes, true);
      }
      continue;
    }
    BufferPtr validity = normalized_validity(*datum->column);
    if (validity == nullptr) {
      continue;
    }
    if (result == nullptr) {
      result = Buffer::allocate(bytes);
      std::memcpy(result->mutable_data(), validity->data(), bytes);
    } else {
      uint8_t* out = result->mutable_data();
      const uint8_t* in = validity->data();
      for (size_t i = 0; i < bytes; ++i) {
        out[i] &= in[i];
      }
    }
  }
  return result;
}

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
