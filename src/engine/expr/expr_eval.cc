// Evaluation of bound expressions: dispatch, three-valued boolean logic, IS NULL, IN,
// CASE and COALESCE. Numeric, string, temporal and cast kernels live in kernels_*.cc.
#include "engine/expr/expr_eval.h"

#include <cstring>
#include <unordered_set>

#include "setl/core/error.h"
#include "setl/engine/builder.h"

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

namespace {

// Value bits of a bool datum starting at bit 0 (scalars broadcast).
BufferPtr bool_bits(const Datum& datum, int64_t rows) {
  size_t bytes = static_cast<size_t>((rows + 7) / 8);
  if (datum.is_scalar()) {
    auto out = Buffer::allocate(bytes);
    bool value = !datum.scalar.is_null() && datum.scalar.as_bool();
    std::memset(out->mutable_data(), value ? 0xFF : 0, bytes);
    return out;
  }
  const Column& column = *datum.column;
  if (column.type().id() == TypeId::kNull) {
    return Buffer::allocate(bytes, true);
  }
  if (column.offset() % 8 == 0) {
    return Buffer::wrap(column.values_buffer()->data() + column.offset() / 8, bytes,
                        column.values_buffer());
  }
  auto out = Buffer::allocate(bytes, true);
  for (int64_t i = 0; i < rows; ++i) {
    set_bit(out->mutable_data(), i, column.bool_value(i));
  }
  return out;
}

BufferPtr valid_bits(const Datum& datum, int64_t rows) {
  size_t bytes = static_cast<size_t>((rows + 7) / 8);
  if (datum.is_scalar()) {
    auto out = Buffer::allocate(bytes);
    std::memset(out->mutable_data(), datum.scalar.is_null() ? 0 : 0xFF, bytes);
    return out;
  }
  BufferPtr validity = normalized_validity(*datum.column);
  if (validity == nullptr) {
    auto out = Buffer::allocate(bytes);
    std::memset(out->mutable_data(), 0xFF, bytes);
    return out;
  }
  return validity;
}

Datum logical(Fn fn, const Datum& a, const Datum& b, int64_t rows) {
  size_t bytes = static_cast<size_t>((rows + 7) / 8);
  BufferPtr va = bool_bits(a, rows);
  BufferPtr ma = valid_bits(a, rows);
  auto values = Buffer::allocate(bytes);
  auto validity = Buffer::allocate(bytes);
  uint8_t* out_value = values->mutable_data();
  uint8_t* out_valid = validity->mutable_data();
  if (fn == Fn::kNot) {
    for (size_t i = 0; i < bytes; ++i) {
      out_value[i] = static_cast<uint8_t>(~va->data()[i] & ma->data()[i]);
      out_valid[i] = ma->data()[i];
    }
  } else {
    BufferPtr vb = bool_bits(b, rows);
    BufferPtr mb = valid_bits(b, rows);
    for (size_t i = 0; i < bytes; ++i) {
      uint8_t x = va->data()[i], mx = ma->data()[i], y = vb->data()[i], my = mb->data()[i];
      if (fn == Fn::kAnd) {
        uint8_t known_false = static_cast<uint8_t>((mx & ~x) | (my & ~y));
        out_valid[i] = static_cast<uint8_t>((mx & my) | known_false);
        out_value[i] = static_cast<uint8_t>(x & y & mx & my);
      } else {
        uint8_t known_true = static_cast<uint8_t>((mx & x) | (my & y));
        out_valid[i] = static_cast<uint8_t>((mx & my) | known_true);
        out_value[i] = known_true;
      }
    }
  }
  return Datum{std::make_shared<Column>(DataType::boolean(), rows, validity, values), {}};
}

Datum null_test(bool want_null, const Datum& a, int64_t rows) {
  if (a.is_scalar()) {
    return Datum{nullptr, Scalar::boolean(a.scalar.is_null() == want_null)};
  }
  size_t bytes = static_cast<size_t>((rows + 7) / 8);
  BufferPtr valid = valid_bits(a, rows);
  auto values = Buffer::allocate(bytes);
  for (size_t i = 0; i < bytes; ++i) {
    values->mutable_data()[i] =
        want_null ? static_cast<uint8_t>(~valid->data()[i]) : valid->data()[i];
  }
  return Datum{std::make_shared<Column>(DataType::boolean(), rows, nullptr, values), {}};
}

struct ScalarHash {
  size_t operator()(const Scalar& value) const {
    switch (value.type().id()) {
      case TypeId::kString:
        return std::hash<std::string>()(value.as_string());
      case TypeId::kFloat64:
        return std::hash<double>()(value.as_double());
      case TypeId::kBool:
        return value.as_bool();
      default:
        return std::hash<int64_t>()(value.as_int());
    }
  }
};

// x IN (v1, v2, ...): TRUE if x equals a value, NULL if x is NULL or no value matched but
// the list holds a NULL, else FALSE (SQL semantics).
Datum in_list(const BoundExpr& expr, const std::vector<Datum>& args, int64_t rows) {
  const DataType& type = expr.args[0].type;
  bool list_has_null = false;
  std::unordered_set<int64_t> integers;
  std::unordered_set<double> doubles;
  std::unordered_set<std::string_view> strings;
  std::unordered_set<bool> bools;
  for (size_t i = 1; i < args.size(); ++i) {
    const Scalar& value = args[i].scalar;
    if (value.is_null()) {
      list_has_null = true;
    } else if (type.id() == TypeId::kString) {
      strings.insert(value.as_string());
    } else if (type.id() == TypeId::kFloat64) {
      doubles.insert(value.as_double());
    } else if (type.id() == TypeId::kBool) {
      bools.insert(value.as_bool());
    } else {
      integers.insert(value.as_int());
    }
  }
  ColumnPtr column = to_column(args[0], rows);
  size_t bytes = static_cast<size_t>((rows + 7) / 8);
  auto values = Buffer::allocate(bytes, true);
  auto validity = Buffer::allocate(bytes, true);
  for (int64_t row = 0; row < rows; ++row) {
    if (column->is_null(row)) {
      continue;
    }
    bool found = false;
    switch (type.id()) {
      case TypeId::kString:
        found = strings.count(column->string_value(row)) > 0;
        break;
      case TypeId::kFloat64:
        found = doubles.count(column->values<double>()[row]) > 0;
        break;
      case TypeId::kBool:
        found = bools.count(column->bool_value(row)) > 0;
        break;
      case TypeId::kInt32:
      case TypeId::kDate32:
        found = integers.count(column->values<int32_t>()[row]) > 0;
        break;
      default:
        found = integers.count(column->values<int64_t>()[row]) > 0;
    }
    if (found) {
      set_bit(values->mutable_data(), row, true);
      set_bit(validity->mutable_data(), row, true);
    } else if (!list_has_null) {
      set_bit(validity->mutable_data(), row, true);
    }
  }
  return Datum{std::make_shared<Column>(DataType::boolean(), rows, validity, values), {}};
}

// CASE and COALESCE pick, row by row, which argument supplies the value.
Datum choose(const BoundExpr& expr, const std::vector<Datum>& args, int64_t rows) {
  std::vector<ColumnPtr> columns;
  columns.reserve(args.size());
  for (const Datum& arg : args) {
    columns.push_back(to_column(arg, rows));
  }
  ColumnBuilder builder(expr.type, rows);
  for (int64_t row = 0; row < rows; ++row) {
    const Column* source = nullptr;
    if (expr.fn == Fn::kCoalesce) {
      for (const ColumnPtr& column : columns) {
        if (column->is_valid(row)) {
          source = column.get();
          break;
        }
      }
    } else {
      size_t pairs = columns.size() / 2;
      for (size_t i = 0; i < pairs; ++i) {
        const Column& condition = *columns[2 * i];
        if (condition.is_valid(row) && condition.bool_value(row)) {
          source = columns[2 * i + 1].get();
          break;
        }
      }
      if (source == nullptr && columns.size() % 2 == 1) {
        source = columns.back().get();
      }
    }
    if (source == nullptr) {
      builder.append_null();
    } else {
      builder.append_from(*source, row);
    }
  }
  return Datum{builder.finish(), {}};
}

}  // namespace

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
  switch (expr.fn) {
    case Fn::kAdd:
    case Fn::kSub:
    case Fn::kMul:
    case Fn::kDiv:
    case Fn::kMod:
      return finish(eval_arithmetic(expr.fn, expr.type, args[0], args[1], work_rows));
    case Fn::kNeg:
    case Fn::kAbs:
    case Fn::kRound:
      if (args.size() == 2) {
        return finish(eval_round(args[0], args[1], work_rows));
      }
      return finish(eval_unary_numeric(expr.fn, args[0], work_rows));
    case Fn::kEq:
    case Fn::kNe:
    case Fn::kLt:
    case Fn::kLe:
    case Fn::kGt:
    case Fn::kGe:
      return finish(eval_compare(expr.fn, args[0], args[1], work_rows));
    case Fn::kAnd:
    case Fn::kOr:
      return finish(logical(expr.fn, args[0], args[1], work_rows));
    case Fn::kNot:
      return finish(logical(expr.fn, args[0], args[0], work_rows));
    case Fn::kIsNull:
    case Fn::kIsNotNull:
      return finish(null_test(expr.fn == Fn::kIsNull, args[0], work_rows));
    case Fn::kIn:
      return finish(in_list(expr, args, work_rows));
    case Fn::kCase:
    case Fn::kCoalesce:
      return finish(choose(expr, args, work_rows));
    case Fn::kLike:
    case Fn::kLength:
    case Fn::kLower:
    case Fn::kUpper:
    case Fn::kTrim:
    case Fn::kSubstr:
    case Fn::kContains:
    case Fn::kStartsWith:
    case Fn::kEndsWith:
    case Fn::kConcat:
    case Fn::kReplace:
      return finish(eval_string(expr.fn, args, work_rows));
    case Fn::kYear:
    case Fn::kMonth:
    case Fn::kDay:
    case Fn::kDateAdd:
    case Fn::kDateDiff:
    case Fn::kDateTrunc:
      return finish(eval_temporal(expr.fn, expr.type, args, work_rows));
    case Fn::kNone:
      break;
  }
  throw InternalError("unhandled function in " + expr.text);
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
