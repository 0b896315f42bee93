// Datum helpers and the implicit casts shared by the binder and the type rules.
#include "engine/functions/kernel.h"

#include <algorithm>
#include <cstring>
#include <string>

namespace setl::engine::detail {

BoundExpr cast_to(BoundExpr value, const DataType& type) {
  if (value.type == type) {
    return value;
  }
  if (value.kind == ExprKind::kLiteral) {
    // Fold literal casts now, so that a bad literal fails before execution.
    Datum folded = eval_cast(Datum{nullptr, value.literal}, type, false, 1);
    BoundExpr literal;
    literal.kind = ExprKind::kLiteral;
    literal.type = type;
    literal.literal = folded.scalar;
    literal.text = value.text;
    return literal;
  }
  BoundExpr cast;
  cast.kind = ExprKind::kCast;
  cast.type = type;
  cast.text = value.text;
  cast.args.push_back(std::move(value));
  return cast;
}

std::optional<DataType> decimal_operand_type(const BoundExpr& value) {
  const DataType& type = value.type;
  if (type.is_decimal()) {
    return type;
  }
  if (type.id() == TypeId::kInt32) {
    return DataType::decimal(10, 0);
  }
  if (type.id() == TypeId::kInt64 && value.kind == ExprKind::kLiteral && !value.literal.is_null()) {
    // A constant needs only its own digits (1 as decimal(1,0), not decimal(19,0)).
    std::string digits = std::to_string(value.literal.as_int());
    return DataType::decimal(static_cast<int>(digits.size()) - (digits[0] == '-' ? 1 : 0), 0);
  }
  if (type.id() == TypeId::kInt64) {
    return DataType::decimal(19, 0);
  }
  if (type.id() == TypeId::kFloat64 && value.kind == ExprKind::kLiteral &&
      !value.literal.is_null()) {
    // The literal as written: 0.05 is decimal(2,2), 100.5 decimal(4,1).
    if (std::optional<WrittenDecimal> written = decimal_as_written(value.literal.as_double())) {
      return DataType::decimal(written->precision, written->scale);
    }
  }
  return std::nullopt;
}

DataType widest_decimal(const DataType& x, const DataType& y, int extra_digits) {
  int scale = std::max(x.scale(), y.scale());
  int whole = std::max(x.precision() - x.scale(), y.precision() - y.scale()) + extra_digits;
  return DataType::decimal(std::min(kMaxDecimalPrecision, whole + scale),
                           std::min(scale, kMaxDecimalPrecision));
}

// The type both sides of a comparison or arithmetic are brought to, if any.
std::optional<DataType> common_type(const BoundExpr& a, const BoundExpr& b) {
  const DataType& x = a.type;
  const DataType& y = b.type;
  if (x.id() == TypeId::kNull) {
    return y;
  }
  if (y.id() == TypeId::kNull) {
    return x;
  }
  if (x == y) {
    return x.id() == TypeId::kInt32 ? DataType::int64() : x;
  }
  if ((x.is_decimal() || y.is_decimal()) && x.is_numeric() && y.is_numeric()) {
    // Exact when both sides are exact (an integer, a decimal, a float constant as
    // written); a float column makes it a float comparison.
    std::optional<DataType> dx = decimal_operand_type(a);
    std::optional<DataType> dy = decimal_operand_type(b);
    if (dx && dy) {
      return widest_decimal(*dx, *dy, 0);
    }
    return DataType::float64();
  }
  if (x.is_numeric() && y.is_numeric()) {
    return x.id() == TypeId::kFloat64 || y.id() == TypeId::kFloat64 ? DataType::float64()
                                                                    : DataType::int64();
  }
  // A date or timestamp compared with a string literal parses the literal.
  if (x.is_temporal() && y.id() == TypeId::kString && b.kind == ExprKind::kLiteral) {
    return x;
  }
  if (y.is_temporal() && x.id() == TypeId::kString && a.kind == ExprKind::kLiteral) {
    return y;
  }
  if (x.is_temporal() && y.is_temporal()) {
    return DataType::timestamp(x.id() == TypeId::kTimestamp ? x.zone() : y.zone());
  }
  return std::nullopt;
}

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

}  // namespace setl::engine::detail
