// Arithmetic and comparison kernels. After binding, arithmetic sees int64 or float64 on
// both sides; comparisons see two values of one type.
#include <algorithm>
#include <cmath>
#include <cstring>
#include <functional>

#include "engine/expr/expr_eval.h"
#include "setl/core/error.h"

namespace setl::engine::detail {
namespace {

// A typed view of a datum: a pointer that advances with the row, or a constant.
template <class T>
struct Values {
  const T* data;
  bool scalar;
  T constant;
  T operator[](int64_t row) const { return scalar ? constant : data[row]; }
};

template <class T>
Values<T> values_of(const Datum& datum) {
  if (datum.is_scalar()) {
    T constant{};
    if (!datum.scalar.is_null()) {
      if constexpr (std::is_same_v<T, double>) {
        constant = datum.scalar.as_double();
      } else {
        constant = static_cast<T>(datum.scalar.as_int());
      }
    }
    return {nullptr, true, constant};
  }
  return {datum.column->values<T>(), false, T{}};
}

template <class T, class Op>
void fill(T* out, const Values<T>& a, const Values<T>& b, int64_t rows, Op op) {
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

[[noreturn]] void overflow(const char* operation, int64_t x, int64_t y) {
  throw SchemaError(std::string("integer overflow in ") + std::to_string(x) + " " + operation +
                    " " + std::to_string(y) + "; cast to float64 for larger values");
}

Datum int_arithmetic(Fn fn, const Datum& a, const Datum& b, int64_t rows) {
  BufferPtr validity = and_validity({&a, &b}, rows);
  auto out = Buffer::allocate(static_cast<size_t>(rows) * 8);
  int64_t* result = out->mutable_data_as<int64_t>();
  Values<int64_t> x = values_of<int64_t>(a);
  Values<int64_t> y = values_of<int64_t>(b);
  bool overflowed = false;
  switch (fn) {
    case Fn::kAdd:
    case Fn::kSub: {
      // Wrapping arithmetic vectorizes; a sign test flags overflow afterwards.
      uint64_t flags = 0;
      bool add = fn == Fn::kAdd;
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
    case Fn::kMul:
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
    case Fn::kMod: {
      bool any_zero = false;
      fill(result, x, y, rows, [&](int64_t p, int64_t q) {
        if (q == 0 || q == -1) {
          any_zero |= q == 0;
          return int64_t{0};
        }
        return p % q;
      });
      if (any_zero) {
        BufferPtr with_zero = Buffer::allocate(static_cast<size_t>((rows + 7) / 8));
        for (int64_t i = 0; i < rows; ++i) {
          set_bit(with_zero->mutable_data(), i, is_valid_row(validity, i) && y[i] != 0);
        }
        validity = with_zero;
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
      if (fn == Fn::kAdd && __builtin_add_overflow(x[i], y[i], &r)) {
        overflow("+", x[i], y[i]);
      }
      if (fn == Fn::kSub && __builtin_sub_overflow(x[i], y[i], &r)) {
        overflow("-", x[i], y[i]);
      }
      if (fn == Fn::kMul && __builtin_mul_overflow(x[i], y[i], &r)) {
        overflow("*", x[i], y[i]);
      }
    }
  }
  return Datum{std::make_shared<Column>(DataType::int64(), rows, validity, out), {}};
}

Datum float_arithmetic(Fn fn, const Datum& a, const Datum& b, int64_t rows) {
  BufferPtr validity = and_validity({&a, &b}, rows);
  auto out = Buffer::allocate(static_cast<size_t>(rows) * 8);
  double* result = out->mutable_data_as<double>();
  Values<double> x = values_of<double>(a);
  Values<double> y = values_of<double>(b);
  switch (fn) {
    case Fn::kAdd:
      fill(result, x, y, rows, std::plus<double>());
      break;
    case Fn::kSub:
      fill(result, x, y, rows, std::minus<double>());
      break;
    case Fn::kMul:
      fill(result, x, y, rows, std::multiplies<double>());
      break;
    case Fn::kDiv:
    case Fn::kMod: {
      if (fn == Fn::kDiv) {
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
        BufferPtr with_zero = Buffer::allocate(static_cast<size_t>((rows + 7) / 8));
        for (int64_t i = 0; i < rows; ++i) {
          set_bit(with_zero->mutable_data(), i, is_valid_row(validity, i) && y[i] != 0);
        }
        validity = with_zero;
      }
      break;
    }
    default:
      throw InternalError("bad float arithmetic");
  }
  return Datum{std::make_shared<Column>(DataType::float64(), rows, validity, out), {}};
}

template <class T, class Cmp>
void compare_into(uint8_t* bits, const Values<T>& a, const Values<T>& b, int64_t rows, Cmp cmp) {
  int64_t full = rows / 8 * 8;
  for (int64_t i = 0; i < full; i += 8) {
    uint8_t byte = 0;
    for (int j = 0; j < 8; ++j) {
      byte |= static_cast<uint8_t>(cmp(a[i + j], b[i + j])) << j;
    }
    bits[i / 8] = byte;
  }
  for (int64_t i = full; i < rows; ++i) {
    set_bit(bits, i, cmp(a[i], b[i]));
  }
}

template <class T>
void compare_typed(Fn fn, uint8_t* bits, const Values<T>& a, const Values<T>& b, int64_t rows) {
  switch (fn) {
    case Fn::kEq:
      compare_into(bits, a, b, rows, std::equal_to<T>());
      break;
    case Fn::kNe:
      compare_into(bits, a, b, rows, std::not_equal_to<T>());
      break;
    case Fn::kLt:
      compare_into(bits, a, b, rows, std::less<T>());
      break;
    case Fn::kLe:
      compare_into(bits, a, b, rows, std::less_equal<T>());
      break;
    case Fn::kGt:
      compare_into(bits, a, b, rows, std::greater<T>());
      break;
    case Fn::kGe:
      compare_into(bits, a, b, rows, std::greater_equal<T>());
      break;
    default:
      throw InternalError("bad comparison");
  }
}

// Strings and bools go through a per-row accessor.
struct StringValues {
  const Column* column;
  std::string_view constant;
  std::string_view operator[](int64_t row) const {
    return column ? column->string_value(row) : constant;
  }
};

struct BoolValues {
  const Column* column;
  bool constant;
  bool operator[](int64_t row) const { return column ? column->bool_value(row) : constant; }
};

}  // namespace

Datum eval_arithmetic(Fn fn, const DataType& type, const Datum& a, const Datum& b, int64_t rows) {
  if ((a.is_scalar() && a.scalar.is_null()) || (b.is_scalar() && b.scalar.is_null())) {
    return Datum{Column::nulls(type, rows), {}};
  }
  return type.id() == TypeId::kFloat64 ? float_arithmetic(fn, a, b, rows)
                                       : int_arithmetic(fn, a, b, rows);
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

Datum eval_unary_numeric(Fn fn, const Datum& a, int64_t rows) {
  ColumnPtr column = to_column(a, rows);
  const DataType& type = column->type();
  auto out = Buffer::allocate(static_cast<size_t>(rows) * 8);
  BufferPtr validity = normalized_validity(*column);
  if (type.id() == TypeId::kFloat64) {
    const double* in = column->values<double>();
    double* result = out->mutable_data_as<double>();
    for (int64_t i = 0; i < rows; ++i) {
      result[i] = fn == Fn::kNeg ? -in[i] : fn == Fn::kAbs ? std::fabs(in[i]) : std::round(in[i]);
    }
    return Datum{std::make_shared<Column>(DataType::float64(), rows, validity, out), {}};
  }
  const int64_t* in = column->values<int64_t>();
  int64_t* result = out->mutable_data_as<int64_t>();
  for (int64_t i = 0; i < rows; ++i) {
    if (in[i] == INT64_MIN && is_valid_row(validity, i)) {
      throw SchemaError("integer overflow negating " + std::to_string(in[i]));
    }
    result[i] = fn == Fn::kAbs ? (in[i] < 0 ? -in[i] : in[i]) : -in[i];
  }
  return Datum{std::make_shared<Column>(DataType::int64(), rows, validity, out), {}};
}

Datum eval_compare(Fn fn, const Datum& a, const Datum& b, int64_t rows) {
  if ((a.is_scalar() && a.scalar.is_null()) || (b.is_scalar() && b.scalar.is_null())) {
    return Datum{Column::nulls(DataType::boolean(), rows), {}};
  }
  const DataType& type = a.is_scalar() ? a.scalar.type() : a.column->type();
  BufferPtr validity = and_validity({&a, &b}, rows);
  auto out = Buffer::allocate(static_cast<size_t>((rows + 7) / 8));
  uint8_t* bits = out->mutable_data();
  switch (type.id()) {
    case TypeId::kInt64:
    case TypeId::kTimestamp:
      compare_typed<int64_t>(fn, bits, values_of<int64_t>(a), values_of<int64_t>(b), rows);
      break;
    case TypeId::kInt32:
    case TypeId::kDate32:
      compare_typed<int32_t>(fn, bits, values_of<int32_t>(a), values_of<int32_t>(b), rows);
      break;
    case TypeId::kFloat64:
      compare_typed<double>(fn, bits, values_of<double>(a), values_of<double>(b), rows);
      break;
    case TypeId::kString: {
      StringValues x{a.is_scalar() ? nullptr : a.column.get(),
                     a.is_scalar() ? std::string_view(a.scalar.as_string()) : std::string_view()};
      StringValues y{b.is_scalar() ? nullptr : b.column.get(),
                     b.is_scalar() ? std::string_view(b.scalar.as_string()) : std::string_view()};
      for (int64_t i = 0; i < rows; ++i) {
        int order = x[i].compare(y[i]);
        bool value = fn == Fn::kEq   ? order == 0
                     : fn == Fn::kNe ? order != 0
                     : fn == Fn::kLt ? order < 0
                     : fn == Fn::kLe ? order <= 0
                     : fn == Fn::kGt ? order > 0
                                     : order >= 0;
        set_bit(bits, i, value);
      }
      break;
    }
    case TypeId::kBool: {
      BoolValues x{a.is_scalar() ? nullptr : a.column.get(), a.is_scalar() && a.scalar.as_bool()};
      BoolValues y{b.is_scalar() ? nullptr : b.column.get(), b.is_scalar() && b.scalar.as_bool()};
      for (int64_t i = 0; i < rows; ++i) {
        int p = x[i], q = y[i];
        bool value = fn == Fn::kEq   ? p == q
                     : fn == Fn::kNe ? p != q
                     : fn == Fn::kLt ? p < q
                     : fn == Fn::kLe ? p <= q
                     : fn == Fn::kGt ? p > q
                                     : p >= q;
        set_bit(bits, i, value);
      }
      break;
    }
    case TypeId::kNull:
      return Datum{Column::nulls(DataType::boolean(), rows), {}};
  }
  return Datum{std::make_shared<Column>(DataType::boolean(), rows, validity, out), {}};
}

}  // namespace setl::engine::detail
