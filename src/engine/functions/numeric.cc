// Arithmetic: + - * / % negate abs round. After binding, kernels see int64, float64 or
// decimal operands of the types the rules chose.
#include <algorithm>
#include <cmath>
#include <cstring>
#include <functional>
#include <optional>
#include <string>

#include "engine/functions/registry.h"
#include "engine/functions/values.h"
#include "setl/core/error.h"

namespace setl::engine::detail {
namespace {

enum class Op { kAdd, kSub, kMul, kDiv, kMod, kNeg, kAbs, kRound };

template <class T, class Fill>
void fill(T* out, const Values<T>& a, const Values<T>& b, int64_t rows, Fill op) {
  if (!a.scalar && !b.scalar) {
    for (int64_t i = 0; i < rows; ++i) {
      out[i] = op(a.data[i], b.data[i]);
    }
  } else if (!a.scalar) {
    for (int64_t i = 0; i < rows; ++i) {
      out[i] = op(a.data[i], b.constant);
    }
  } else if (!b.scalar) {
    for (int64_t i = 0; i < rows; ++i) {
      out[i] = op(a.constant, b.data[i]);
    }
  } else {
    for (int64_t i = 0; i < rows; ++i) {
      out[i] = op(a.constant, b.constant);
    }
  }
}

bool is_valid_row(const BufferPtr& validity, int64_t row) {
  return validity == nullptr || get_bit(validity->data(), row);
}

// `validity` with the rows whose divisor is 0 cleared: x / 0 and x % 0 are NULL.
template <class T>
BufferPtr null_where_zero(const BufferPtr& validity, const Values<T>& divisor, int64_t rows) {
  BufferPtr out = Buffer::allocate(static_cast<size_t>((rows + 7) / 8));
  for (int64_t i = 0; i < rows; ++i) {
    set_bit(out->mutable_data(), i, is_valid_row(validity, i) && divisor[i] != 0);
  }
  return out;
}

[[noreturn]] void overflow(const char* operation, int64_t x, int64_t y) {
  throw SchemaError(std::string("integer overflow in ") + std::to_string(x) + " " + operation +
                    " " + std::to_string(y) + "; cast to float64 for larger values");
}

Datum int_arithmetic(Op op, const Datum& a, const Datum& b, int64_t rows) {
  BufferPtr validity = and_validity({&a, &b}, rows);
  auto out = Buffer::allocate(static_cast<size_t>(rows) * 8);
  int64_t* result = out->mutable_data_as<int64_t>();
  Values<int64_t> x = values_of<int64_t>(a);
  Values<int64_t> y = values_of<int64_t>(b);
  bool overflowed = false;
  switch (op) {
    case Op::kAdd:
    case Op::kSub: {
      // Wrapping arithmetic vectorizes; a sign test flags overflow afterwards.
      uint64_t flags = 0;
      bool add = op == Op::kAdd;
      fill(result, x, y, rows, [&](int64_t p, int64_t q) {
        uint64_t up = static_cast<uint64_t>(p);
        uint64_t uq = static_cast<uint64_t>(q);
        uint64_t r = add ? up + uq : up - uq;
        flags |= add ? ((up ^ r) & (uq ^ r)) : ((up ^ uq) & (up ^ r));
        return static_cast<int64_t>(r);
      });
      overflowed = (flags >> 63) != 0;
      break;
    }
    case Op::kMul:
      if (x.scalar != y.scalar) {
        // Column times constant: wrap, track the column's range, and compare it with the
        // range the constant allows (vectorizes, unlike a per-row overflow builtin).
        const Values<int64_t>& column = x.scalar ? y : x;
        int64_t factor = x.scalar ? x.constant : y.constant;
        int64_t low = INT64_MAX;
        int64_t high = INT64_MIN;
        for (int64_t i = 0; i < rows; ++i) {
          int64_t p = column.data[i];
          low = std::min(low, p);
          high = std::max(high, p);
          result[i] =
              static_cast<int64_t>(static_cast<uint64_t>(p) * static_cast<uint64_t>(factor));
        }
        if (rows > 0 && factor != 0 && factor != 1) {
          if (factor == -1) {
            overflowed = low == INT64_MIN;
          } else if (factor > 0) {
            overflowed = low < INT64_MIN / factor || high > INT64_MAX / factor;
          } else {
            overflowed = high > INT64_MIN / factor || low < INT64_MAX / factor;
          }
        }
        break;
      }
      fill(result, x, y, rows, [&](int64_t p, int64_t q) {
        int64_t r;
        overflowed |= __builtin_mul_overflow(p, q, &r);
        return r;
      });
      break;
    case Op::kMod: {
      bool any_zero = false;
      fill(result, x, y, rows, [&](int64_t p, int64_t q) {
        if (q == 0 || q == -1) {
          any_zero |= q == 0;
          return int64_t{0};
        }
        return p % q;
      });
      if (any_zero) {
        validity = null_where_zero(validity, y, rows);
      }
      break;
    }
    default:
      throw InternalError("bad integer arithmetic");
  }
  if (overflowed) {
    // Overflow in a NULL row's garbage value is harmless; only valid rows count.
    for (int64_t i = 0; i < rows; ++i) {
      int64_t r;
      if (!is_valid_row(validity, i)) {
        continue;
      }
      if (op == Op::kAdd && __builtin_add_overflow(x[i], y[i], &r)) {
        overflow("+", x[i], y[i]);
      }
      if (op == Op::kSub && __builtin_sub_overflow(x[i], y[i], &r)) {
        overflow("-", x[i], y[i]);
      }
      if (op == Op::kMul && __builtin_mul_overflow(x[i], y[i], &r)) {
        overflow("*", x[i], y[i]);
      }
    }
  }
  return Datum{std::make_shared<Column>(DataType::int64(), rows, validity, out), {}};
}

Datum float_arithmetic(Op op, const Datum& a, const Datum& b, int64_t rows) {
  BufferPtr validity = and_validity({&a, &b}, rows);
  auto out = Buffer::allocate(static_cast<size_t>(rows) * 8);
  double* result = out->mutable_data_as<double>();
  Values<double> x = values_of<double>(a);
  Values<double> y = values_of<double>(b);
  switch (op) {
    case Op::kAdd:
      fill(result, x, y, rows, std::plus<double>());
      break;
    case Op::kSub:
      fill(result, x, y, rows, std::minus<double>());
      break;
    case Op::kMul:
      fill(result, x, y, rows, std::multiplies<double>());
      break;
    case Op::kDiv:
    case Op::kMod: {
      if (op == Op::kDiv) {
        fill(result, x, y, rows, std::divides<double>());
      } else {
        fill(result, x, y, rows, [](double p, double q) { return q == 0 ? 0.0 : std::fmod(p, q); });
      }
      // x / 0 and x % 0 are NULL.
      bool any_zero = false;
      for (int64_t i = 0; i < rows && !any_zero; ++i) {
        any_zero = y[i] == 0 && is_valid_row(validity, i);
      }
      if (any_zero) {
        validity = null_where_zero(validity, y, rows);
      }
      break;
    }
    default:
      throw InternalError("bad float arithmetic");
  }
  return Datum{std::make_shared<Column>(DataType::float64(), rows, validity, out), {}};
}

[[noreturn]] void decimal_overflow(const char* operation, int128 x, int128 y, int x_scale,
                                   int y_scale, const DataType& type) {
  throw SchemaError("decimal overflow in " + format_decimal(x, x_scale) + " " + operation + " " +
                    format_decimal(y, y_scale) + ": the result does not fit in " +
                    type.to_string() + "; cast to float64 for larger values");
}

// Operands of + - % share the result's scale (the binder cast them); * adds the scales.
// Each result is checked against the result's precision.
Datum decimal_arithmetic(Op op, const DataType& type, const Datum& a, const Datum& b,
                         int64_t rows) {
  BufferPtr validity = and_validity({&a, &b}, rows);
  auto out = Buffer::allocate(static_cast<size_t>(rows) * 16);
  int128* result = out->mutable_data_as<int128>();
  Values<int128> x = values_of<int128>(a);
  Values<int128> y = values_of<int128>(b);
  const int128 limit = pow10_int128(type.precision());
  bool failed = false;
  auto check = [&](bool overflowed, int128 r) {
    failed |= overflowed || r >= limit || r <= -limit;
    return r;
  };
  switch (op) {
    case Op::kAdd:
      fill(result, x, y, rows, [&](int128 p, int128 q) {
        int128 r = 0;
        bool overflowed = __builtin_add_overflow(p, q, &r);
        return check(overflowed, r);
      });
      break;
    case Op::kSub:
      fill(result, x, y, rows, [&](int128 p, int128 q) {
        int128 r = 0;
        bool overflowed = __builtin_sub_overflow(p, q, &r);
        return check(overflowed, r);
      });
      break;
    case Op::kMul:
      fill(result, x, y, rows, [&](int128 p, int128 q) {
        // Operands of up to 18 digits (the usual money) multiply in one 64x64->128 step,
        // which cannot overflow; wider ones take the checked 128-bit product.
        auto p64 = static_cast<int64_t>(p);
        auto q64 = static_cast<int64_t>(q);
        int128 r = 0;
        bool overflowed = false;
        if (p64 == p && q64 == q) {
          r = int128{p64} * q64;
        } else {
          overflowed = __builtin_mul_overflow(p, q, &r);
        }
        return check(overflowed, r);
      });
      break;
    case Op::kMod: {
      bool any_zero = false;
      fill(result, x, y, rows, [&](int128 p, int128 q) {
        any_zero |= q == 0;
        return q == 0 ? int128{0} : p % q;
      });
      if (any_zero) {
        validity = null_where_zero(validity, y, rows);
      }
      break;
    }
    default:
      throw InternalError("bad decimal arithmetic");
  }
  if (failed) {
    // Overflow in a NULL row's garbage value is harmless; only valid rows count.
    for (int64_t i = 0; i < rows; ++i) {
      if (!is_valid_row(validity, i)) {
        continue;
      }
      int128 r = 0;
      bool overflowed = op == Op::kMul   ? __builtin_mul_overflow(x[i], y[i], &r)
                        : op == Op::kAdd ? __builtin_add_overflow(x[i], y[i], &r)
                                         : __builtin_sub_overflow(x[i], y[i], &r);
      if (overflowed || r >= limit || r <= -limit) {
        const char* name = op == Op::kAdd ? "+" : op == Op::kSub ? "-" : "*";
        int x_scale = a.is_scalar() ? a.scalar.type().scale() : a.column->type().scale();
        int y_scale = b.is_scalar() ? b.scalar.type().scale() : b.column->type().scale();
        decimal_overflow(name, x[i], y[i], x_scale, y_scale, type);
      }
    }
  }
  return Datum{std::make_shared<Column>(type, rows, validity, out), {}};
}

Datum eval_arithmetic(Op op, const DataType& type, const Datum& a, const Datum& b, int64_t rows) {
  if ((a.is_scalar() && a.scalar.is_null()) || (b.is_scalar() && b.scalar.is_null())) {
    return Datum{Column::nulls(type, rows), {}};
  }
  if (type.is_decimal()) {
    return decimal_arithmetic(op, type, a, b, rows);
  }
  return type.id() == TypeId::kFloat64 ? float_arithmetic(op, a, b, rows)
                                       : int_arithmetic(op, a, b, rows);
}

Datum eval_round(const Datum& value, const Datum& digits, int64_t rows) {
  // round(x, d): half away from zero at d decimal places (d may be negative).
  ColumnPtr column = to_column(value, rows);
  ColumnPtr places = to_column(digits, rows);
  BufferPtr validity = and_validity({&value, &digits}, rows);
  auto out = Buffer::allocate(static_cast<size_t>(rows) * 8);
  const double* in = column->values<double>();
  const int64_t* d = places->values<int64_t>();
  double* result = out->mutable_data_as<double>();
  for (int64_t i = 0; i < rows; ++i) {
    double scale = std::pow(10.0, static_cast<double>(std::clamp<int64_t>(d[i], -300, 300)));
    result[i] = std::round(in[i] * scale) / scale;
  }
  return Datum{std::make_shared<Column>(DataType::float64(), rows, validity, out), {}};
}

// round(x, digits) of a decimal: digits is a constant the binder folded into the result
// scale (at most x's scale); negative digits round to tens, hundreds, ... at scale 0.
Datum eval_decimal_round(const BoundExpr& call, const Datum& value, int64_t digits, int64_t rows) {
  ColumnPtr column = to_column(value, rows);
  const DataType& from = column->type();
  const DataType& to = call.type;
  BufferPtr validity = normalized_validity(*column);
  auto out = Buffer::allocate(static_cast<size_t>(rows) * 16);
  const int128* in = column->values<int128>();
  int128* result = out->mutable_data_as<int128>();
  int tens = digits < 0 ? static_cast<int>(std::min<int64_t>(-digits, kMaxDecimalPrecision)) : 0;
  for (int64_t i = 0; i < rows; ++i) {
    int128 rounded = 0;
    bool ok = true;
    if (tens == 0) {
      ok = rescale_decimal(in[i], from.scale(), to.scale(), kMaxDecimalPrecision, rounded);
    } else if (from.scale() + tens <= kMaxDecimalPrecision) {
      // Divide by 10^(scale + tens) with rounding, then put the tens back.
      ok = rescale_decimal(in[i], from.scale() + tens, 0, kMaxDecimalPrecision, rounded) &&
           !__builtin_mul_overflow(rounded, pow10_int128(tens), &rounded);
    }  // else |x| < 10^(38 - scale) <= 10^tens / 10 rounds to 0
    if ((!ok || !fits_precision(rounded, to.precision())) && is_valid_row(validity, i)) {
      throw SchemaError("decimal overflow rounding " + format_decimal(in[i], from.scale()) +
                        " to " + to.to_string());
    }
    result[i] = rounded;
  }
  return Datum{std::make_shared<Column>(to, rows, validity, out), {}};
}

Datum eval_unary_numeric(Op op, const Datum& a, int64_t rows) {
  ColumnPtr column = to_column(a, rows);
  const DataType& type = column->type();
  BufferPtr validity = normalized_validity(*column);
  if (type.is_decimal()) {  // |x| < 10^38: negation cannot overflow
    auto out = Buffer::allocate(static_cast<size_t>(rows) * 16);
    const int128* in = column->values<int128>();
    int128* result = out->mutable_data_as<int128>();
    for (int64_t i = 0; i < rows; ++i) {
      result[i] = op == Op::kAbs ? (in[i] < 0 ? -in[i] : in[i]) : -in[i];
    }
    return Datum{std::make_shared<Column>(type, rows, validity, out), {}};
  }
  auto out = Buffer::allocate(static_cast<size_t>(rows) * 8);
  if (type.id() == TypeId::kFloat64) {
    const double* in = column->values<double>();
    double* result = out->mutable_data_as<double>();
    for (int64_t i = 0; i < rows; ++i) {
      result[i] = op == Op::kNeg ? -in[i] : op == Op::kAbs ? std::fabs(in[i]) : std::round(in[i]);
    }
    return Datum{std::make_shared<Column>(DataType::float64(), rows, validity, out), {}};
  }
  const int64_t* in = column->values<int64_t>();
  int64_t* result = out->mutable_data_as<int64_t>();
  for (int64_t i = 0; i < rows; ++i) {
    if (in[i] == INT64_MIN && is_valid_row(validity, i)) {
      throw SchemaError("integer overflow negating " + std::to_string(in[i]));
    }
    result[i] = op == Op::kAbs ? (in[i] < 0 ? -in[i] : in[i]) : -in[i];
  }
  return Datum{std::make_shared<Column>(DataType::int64(), rows, validity, out), {}};
}

template <Op op>
Datum binary_kernel(const BoundExpr& call, const std::vector<Datum>& args, int64_t rows) {
  return eval_arithmetic(op, call.type, args[0], args[1], rows);
}

template <Op op>
Datum unary_kernel(const BoundExpr&, const std::vector<Datum>& args, int64_t rows) {
  return eval_unary_numeric(op, args[0], rows);
}

Datum round_kernel(const BoundExpr& call, const std::vector<Datum>& args, int64_t rows) {
  if (call.type.is_decimal()) {
    return eval_decimal_round(call, args[0], args.size() == 2 ? args[1].scalar.as_int() : 0, rows);
  }
  return args.size() == 2 ? eval_round(args[0], args[1], rows)
                          : eval_unary_numeric(Op::kRound, args[0], rows);
}

// Decimals stay exact: + and - keep the larger scale with a digit for the carry, * adds
// the scales, % keeps the larger scale. A float column makes the call float64.
DataType decimal_arithmetic_type(CallBinding& b, Op op) {
  std::optional<DataType> x = decimal_operand_type(b.arg(0));
  std::optional<DataType> y = decimal_operand_type(b.arg(1));
  if (!x || !y) {
    b.cast(0, DataType::float64());
    b.cast(1, DataType::float64());
    return DataType::float64();
  }
  if (op == Op::kMul) {
    if (x->scale() + y->scale() > kMaxDecimalPrecision) {
      b.fail("the product of " + x->to_string() + " and " + y->to_string() + " needs " +
             std::to_string(x->scale() + y->scale()) +
             " digits after the point, more than 38; round or cast an operand first");
    }
    b.cast(0, *x);
    b.cast(1, *y);
    int scale = x->scale() + y->scale();
    return DataType::decimal(
        std::min(kMaxDecimalPrecision, std::max(x->precision() + y->precision(), scale)), scale);
  }
  DataType operands = widest_decimal(*x, *y, 0);
  b.cast(0, operands);
  b.cast(1, operands);
  return op == Op::kMod ? operands : widest_decimal(*x, *y, 1);
}

// Integers compute in int64 (overflow is an error), anything with a float64 in float64.
template <Op op>
DataType arithmetic_type(CallBinding& b) {
  b.require(0, is_number, "a number");
  b.require(1, is_number, "a number");
  if (b.type(0).is_decimal() || b.type(1).is_decimal()) {
    return decimal_arithmetic_type(b, op);
  }
  DataType type = common_type(b.arg(0), b.arg(1)).value_or(DataType::int64());
  if (type.id() == TypeId::kNull) {
    type = DataType::int64();
  }
  b.cast(0, type);
  b.cast(1, type);
  return type;
}

// date + days and date - days are date_add.
bool is_date_shift(CallBinding& b) {
  return b.type(0).id() == TypeId::kDate32 && b.type(1).is_integer();
}

DataType plus_type(CallBinding& b) {
  if (is_date_shift(b)) {
    b.rewrite_as("date_add");
    b.cast(1, DataType::int64());
    return DataType::date32();
  }
  return arithmetic_type<Op::kAdd>(b);
}

DataType minus_type(CallBinding& b) {
  if (is_date_shift(b)) {
    BoundExpr negated;
    negated.kind = ExprKind::kCall;
    negated.function = &FunctionRegistry::instance().require_scalar("negate");
    negated.type = DataType::int64();
    negated.text = "-" + b.arg(1).text;
    negated.args.push_back(cast_to(std::move(b.arg(1)), DataType::int64()));
    b.arg(1) = std::move(negated);
    b.rewrite_as("date_add");
    return DataType::date32();
  }
  return arithmetic_type<Op::kSub>(b);
}

DataType divide_type(CallBinding& b) {
  b.require(0, is_number, "a number");
  b.require(1, is_number, "a number");
  b.cast(0, DataType::float64());
  b.cast(1, DataType::float64());
  return DataType::float64();
}

DataType sign_preserving_type(CallBinding& b) {
  b.require(0, is_number, "a number");
  if (b.type(0).is_decimal()) {
    return b.type(0);
  }
  DataType type = b.type(0).id() == TypeId::kFloat64 ? DataType::float64() : DataType::int64();
  b.cast(0, type);
  return type;
}

DataType round_type(CallBinding& b) {
  b.require(0, is_number, "a number");
  if (b.type(0).is_decimal()) {
    // Exact: the result keeps min(scale, digits) places, with a digit for the carry.
    const DataType& x = b.type(0);
    int64_t digits = 0;
    if (b.args().size() == 2) {
      b.require(1, is_integer, "an integer");
      b.require_constant(1, "round()'s digits for a decimal");
      b.cast(1, DataType::int64());
      digits = b.arg(1).literal.is_null() ? 0 : b.arg(1).literal.as_int();
    }
    int scale = static_cast<int>(std::clamp<int64_t>(digits, 0, x.scale()));
    return DataType::decimal(std::min(kMaxDecimalPrecision, x.precision() - x.scale() + scale + 1),
                             scale);
  }
  b.cast(0, DataType::float64());
  if (b.args().size() == 2) {
    b.require(1, is_integer, "an integer");
    b.cast(1, DataType::int64());
  }
  return DataType::float64();
}

FunctionInfo op(const char* name, const char* signature, const char* nulls, const char* doc) {
  return {name, FunctionKind::kOperator, "numeric", 2, 2, signature, nulls, doc, {}};
}

}  // namespace

void register_numeric_functions(FunctionRegistry& r) {
  r.add(ScalarFunction{
      op("+", "a + b -> int64 | float64 | decimal | date32", kNullInNullOut,
         "Addition; date + integer adds days; integer and decimal overflow are errors"),
      plus_type, binary_kernel<Op::kAdd>});
  r.add(ScalarFunction{op("-", "a - b -> int64 | float64 | decimal | date32", kNullInNullOut,
                          "Subtraction; date - integer subtracts days"),
                       minus_type, binary_kernel<Op::kSub>});
  r.add(ScalarFunction{
      op("*", "a * b -> int64 | float64 | decimal", kNullInNullOut,
         "Multiplication; integer and decimal overflow are errors; a decimal product "
         "adds the operands' scales"),
      arithmetic_type<Op::kMul>, binary_kernel<Op::kMul>});
  r.add(ScalarFunction{op("/", "a / b -> float64", "NULL if an argument is NULL or b is 0",
                          "Division, always in float64 (decimals too)"),
                       divide_type, binary_kernel<Op::kDiv>});
  r.add(ScalarFunction{op("%", "a % b -> int64 | float64 | decimal",
                          "NULL if an argument is NULL or b is 0", "Remainder, with the sign of a"),
                       arithmetic_type<Op::kMod>, binary_kernel<Op::kMod>});
  r.add(ScalarFunction{{"negate",
                        FunctionKind::kOperator,
                        "numeric",
                        1,
                        1,
                        "-a -> int64 | float64 | decimal",
                        kNullInNullOut,
                        "Negation",
                        {}},
                       sign_preserving_type,
                       unary_kernel<Op::kNeg>});
  r.add(ScalarFunction{{"abs",
                        FunctionKind::kScalar,
                        "numeric",
                        1,
                        1,
                        "abs(x: number) -> int64 | float64 | decimal",
                        kNullInNullOut,
                        "Absolute value",
                        {}},
                       sign_preserving_type,
                       unary_kernel<Op::kAbs>});
  r.add(ScalarFunction{{"round",
                        FunctionKind::kScalar,
                        "numeric",
                        1,
                        2,
                        "round(x: number [, digits: integer]) -> float64 | decimal",
                        kNullInNullOut,
                        "Rounds half away from zero at `digits` decimal places (default 0; "
                        "negative rounds to tens, hundreds, ...); a decimal stays exact, with "
                        "min(scale, digits) places (digits must be a constant)",
                        {}},
                       round_type,
                       round_kernel});
}

}  // namespace setl::engine::detail
