// Evaluation of bound expressions: columns, literals and casts here; every call runs the
// kernel its registry entry names (engine/functions/).
//
// Kernels never see dictionary-encoded columns. A call or cast whose one column input is
// encoded runs once per distinct string (on the dictionary) when that is no more work
// than once per row, and its result is spread to the rows by their codes; otherwise the
// input is decoded first.
#include "engine/expr/expr_eval.h"

#include <cstring>
#include <optional>

#include "engine/functions/registry.h"
#include "engine/types/column_ops.h"
#include "setl/core/error.h"

namespace setl::engine::detail {
namespace {

using Run = Datum (*)(const BoundExpr&, std::vector<Datum>&, int64_t);

Datum run_call(const BoundExpr& expr, std::vector<Datum>& args, int64_t rows) {
  return expr.function->kernel(expr, args, rows);
}

Datum run_cast(const BoundExpr& expr, std::vector<Datum>& args, int64_t rows) {
  return eval_cast(args[0], expr.type, expr.try_cast, rows);
}

// The one dictionary-encoded column among otherwise constant arguments, if that is the
// shape of the call and its dictionary is no larger than the batch.
std::optional<size_t> lone_dictionary(const std::vector<Datum>& args, int64_t rows) {
  std::optional<size_t> found;
  for (size_t i = 0; i < args.size(); ++i) {
    if (args[i].is_scalar()) {
      continue;
    }
    if (found || !args[i].column->is_dictionary() ||
        args[i].column->dictionary()->length() > rows) {
      return std::nullopt;
    }
    found = i;
  }
  return found;
}

// The call's result for every row of the encoded argument `at`, computed on its
// dictionary; nullopt if the call failed there, so that the row-by-row evaluation
// reports errors only for values the rows hold.
std::optional<Datum> on_dictionary(Run run, const BoundExpr& expr, std::vector<Datum>& args,
                                   size_t at, int64_t rows) {
  ColumnPtr encoded = args[at].column;
  const ColumnPtr& dictionary = encoded->dictionary();
  int64_t entries = dictionary->length();
  ColumnPtr per_entry;
  ColumnPtr for_null;  // the result for a NULL input, when some row is NULL
  try {
    args[at] = Datum{dictionary, {}};
    Datum result = run(expr, args, entries);
    per_entry = result.is_scalar() ? Column::constant(result.scalar, entries) : result.column;
    if (encoded->null_count() > 0) {
      args[at] = Datum{Column::nulls(DataType::string(), 1), {}};
      Datum null_result = run(expr, args, 1);
      for_null =
          null_result.is_scalar() ? Column::constant(null_result.scalar, 1) : null_result.column;
    }
  } catch (const Error& error) {
    if (error.kind() != ErrorKind::kUser) {
      throw;
    }
    args[at] = Datum{encoded, {}};
    return std::nullopt;
  }
  args[at] = Datum{encoded, {}};
  const int32_t* codes = encoded->codes();
  bool null_gives_null = for_null == nullptr || for_null->is_null(0);
  if (per_entry->type().id() == TypeId::kString && per_entry->null_count() == 0 &&
      !per_entry->is_dictionary() && null_gives_null) {
    // A string result stays encoded: same codes, a new dictionary.
    auto copied = Buffer::allocate(static_cast<size_t>(rows) * 4);
    std::memcpy(copied->mutable_data(), codes, static_cast<size_t>(rows) * 4);
    BufferPtr validity;
    if (encoded->null_count() > 0) {
      validity = Buffer::allocate(static_cast<size_t>((rows + 7) / 8), true);
      for (int64_t row = 0; row < rows; ++row) {
        set_bit(validity->mutable_data(), row, encoded->is_valid(row));
      }
    }
    return Datum{
        Column::dictionary_encoded(per_entry, rows, std::move(copied), std::move(validity)), {}};
  }
  std::vector<int64_t> indices(static_cast<size_t>(rows));
  bool has_nulls = encoded->null_count() > 0;
  for (int64_t row = 0; row < rows; ++row) {
    indices[static_cast<size_t>(row)] =
        has_nulls && encoded->is_null(row) ? (null_gives_null ? -1 : entries) : codes[row];
  }
  if (!null_gives_null) {
    per_entry = concat({per_entry, for_null}, per_entry->type());
  }
  return Datum{take(*per_entry, indices), {}};
}

Datum run_on(Run run, const BoundExpr& expr, std::vector<Datum>& args, int64_t rows) {
  if (std::optional<size_t> at = lone_dictionary(args, rows)) {
    if (std::optional<Datum> result = on_dictionary(run, expr, args, *at, rows)) {
      return *std::move(result);
    }
  }
  for (Datum& arg : args) {
    if (!arg.is_scalar()) {
      arg.column = decoded(arg.column);
    }
  }
  return run(expr, args, rows);
}

}  // namespace

Datum evaluate(const BoundExpr& expr, const RecordBatch& batch) {
  int64_t rows = batch.num_rows();
  switch (expr.kind) {
    case ExprKind::kColumn:
      return Datum{batch.column(static_cast<size_t>(expr.column)), {}};
    case ExprKind::kLiteral:
      return Datum{nullptr, expr.literal};
    case ExprKind::kCast: {
      std::vector<Datum> args{evaluate(expr.args[0], batch)};
      return run_on(run_cast, expr, args, rows);
    }
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
  return finish(run_on(run_call, expr, args, work_rows));
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

namespace setl::engine {

struct RowEvaluator::Prepared {
  SchemaPtr schema;
  detail::BoundExpr bound;
};

RowEvaluator::RowEvaluator(const Expr& expr, Schema schema) {
  auto prepared = std::make_shared<Prepared>();
  prepared->bound = detail::bind(expr, schema);
  prepared->schema = std::make_shared<Schema>(std::move(schema));
  prepared_ = std::move(prepared);
}

const DataType& RowEvaluator::type() const {
  return prepared_->bound.type;
}

Scalar RowEvaluator::evaluate(const std::vector<Scalar>& values) const {
  const Schema& schema = *prepared_->schema;
  if (values.size() != schema.num_fields()) {
    throw SchemaError("evaluate_row: " + std::to_string(values.size()) + " values for " +
                      std::to_string(schema.num_fields()) + " columns");
  }
  std::vector<ColumnPtr> columns;
  columns.reserve(values.size());
  for (size_t i = 0; i < values.size(); ++i) {
    const DataType& type = schema.field(i).type;
    if (!(values[i].type() == type) && !values[i].is_null()) {
      throw SchemaError("evaluate_row: column \"" + schema.field(i).name + "\" is " +
                        type.to_string() + " but its value is " + values[i].type().to_string());
    }
    columns.push_back(
        Column::constant(values[i].is_null() ? Scalar::null(type) : values[i], /*length=*/1));
  }
  RecordBatch row(prepared_->schema, std::move(columns), 1);
  detail::Datum value = detail::evaluate(prepared_->bound, row);
  return value.is_scalar() ? value.scalar : value.column->scalar(0);
}

Scalar evaluate_row(const Expr& expr, const Schema& schema, const std::vector<Scalar>& values) {
  return RowEvaluator(expr, schema).evaluate(values);
}

}  // namespace setl::engine
