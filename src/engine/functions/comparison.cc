// Comparisons (= != < <= > >=) and IN. After binding both sides have one type.
#include <algorithm>
#include <cstring>
#include <type_traits>
#include <unordered_set>

#include "engine/functions/bytes_equal.h"
#include "engine/functions/registry.h"
#include "engine/functions/values.h"
#include "setl/core/error.h"

namespace setl::engine::detail {
namespace {

enum class Cmp { kEq, kNe, kLt, kLe, kGt, kGe };

// Column and constant operands as distinct types, so the compare loop has no per-row
// branch on which one it got and vectorises.
template <class T>
struct ColumnOperand {
  const T* data;
  T operator[](int64_t row) const { return data[row]; }
};
template <class T>
struct ConstantOperand {
  T value;
  T operator[](int64_t) const { return value; }
};

// Sets bit i of `bits` to test(i), eight rows per byte written.
template <class Test>
void write_bits(uint8_t* bits, int64_t rows, Test test) {
  int64_t full = rows / 8 * 8;
  for (int64_t i = 0; i < full; i += 8) {
    uint8_t byte = 0;
    for (int j = 0; j < 8; ++j) {
      byte |= static_cast<uint8_t>(test(i + j)) << j;
    }
    bits[i / 8] = byte;
  }
  for (int64_t i = full; i < rows; ++i) {
    set_bit(bits, i, test(i));
  }
}

template <class A, class B, class Less>
void compare_into(uint8_t* bits, const A& a, const B& b, int64_t rows, Less cmp) {
  write_bits(bits, rows, [&](int64_t i) { return cmp(a[i], b[i]); });
}

template <Cmp op, class T>
auto comparator() {
  if constexpr (op == Cmp::kEq) {
    return std::equal_to<T>();
  } else if constexpr (op == Cmp::kNe) {
    return std::not_equal_to<T>();
  } else if constexpr (op == Cmp::kLt) {
    return std::less<T>();
  } else if constexpr (op == Cmp::kLe) {
    return std::less_equal<T>();
  } else if constexpr (op == Cmp::kGt) {
    return std::greater<T>();
  } else {
    return std::greater_equal<T>();
  }
}

template <Cmp op, class T>
void compare_typed(uint8_t* bits, const Values<T>& a, const Values<T>& b, int64_t rows) {
  auto cmp = comparator<op, T>();
  if (a.scalar && b.scalar) {
    compare_into(bits, ConstantOperand<T>{a.constant}, ConstantOperand<T>{b.constant}, rows, cmp);
  } else if (a.scalar) {
    compare_into(bits, ConstantOperand<T>{a.constant}, ColumnOperand<T>{b.data}, rows, cmp);
  } else if (b.scalar) {
    compare_into(bits, ColumnOperand<T>{a.data}, ConstantOperand<T>{b.constant}, rows, cmp);
  } else {
    compare_into(bits, ColumnOperand<T>{a.data}, ColumnOperand<T>{b.data}, rows, cmp);
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

// A string column against one constant, the common filter: lengths decide most rows
// without touching the characters.
void equal_to_constant(const Column& column, std::string_view constant, bool negate, uint8_t* bits,
                       int64_t rows) {
  const int32_t* offsets = column.values<int32_t>();
  const char* chars = column.chars_buffer() ? column.chars_buffer()->data_as<char>() : nullptr;
  auto length = static_cast<int32_t>(constant.size());
  write_bits(bits, rows, [&](int64_t row) {
    return (offsets[row + 1] - offsets[row] == length &&
            bytes_equal(chars + offsets[row], constant.data(), constant.size())) != negate;
  });
}

template <Cmp op>
Datum compare(const BoundExpr&, const std::vector<Datum>& args, int64_t rows) {
  const Datum& a = args[0];
  const Datum& b = args[1];
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
      compare_typed<op, int64_t>(bits, values_of<int64_t>(a), values_of<int64_t>(b), rows);
      break;
    case TypeId::kInt32:
    case TypeId::kDate32:
      compare_typed<op, int32_t>(bits, values_of<int32_t>(a), values_of<int32_t>(b), rows);
      break;
    case TypeId::kFloat64:
      compare_typed<op, double>(bits, values_of<double>(a), values_of<double>(b), rows);
      break;
    case TypeId::kDecimal:
      compare_typed<op, int128>(bits, values_of<int128>(a), values_of<int128>(b), rows);
      break;
    case TypeId::kString: {
      if ((op == Cmp::kEq || op == Cmp::kNe) && a.is_scalar() != b.is_scalar()) {
        const Datum& column = a.is_scalar() ? b : a;
        const Datum& constant = a.is_scalar() ? a : b;
        equal_to_constant(*column.column, constant.scalar.as_string(), op == Cmp::kNe, bits, rows);
        break;
      }
      StringValues x{a.is_scalar() ? nullptr : a.column.get(),
                     a.is_scalar() ? std::string_view(a.scalar.as_string()) : std::string_view()};
      StringValues y{b.is_scalar() ? nullptr : b.column.get(),
                     b.is_scalar() ? std::string_view(b.scalar.as_string()) : std::string_view()};
      for (int64_t i = 0; i < rows; ++i) {
        int order = x[i].compare(y[i]);
        bool value = op == Cmp::kEq   ? order == 0
                     : op == Cmp::kNe ? order != 0
                     : op == Cmp::kLt ? order < 0
                     : op == Cmp::kLe ? order <= 0
                     : op == Cmp::kGt ? order > 0
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
        bool value = op == Cmp::kEq   ? p == q
                     : op == Cmp::kNe ? p != q
                     : op == Cmp::kLt ? p < q
                     : op == Cmp::kLe ? p <= q
                     : op == Cmp::kGt ? p > q
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

// Marks the rows whose value is in `list`: TRUE when found, NULL when not found but the list
// holds a NULL, else FALSE. Short lists are searched in place (a few compares beat a hash);
// long ones go through a hash set built once per batch.
struct Int128Hash {
  size_t operator()(int128 value) const noexcept {
    auto bits = static_cast<uint128>(value);
    return std::hash<uint64_t>()(static_cast<uint64_t>(bits) ^
                                 static_cast<uint64_t>(bits >> 64) * 0x9E3779B97F4A7C15ULL);
  }
};

template <class Key>
using HashOf = std::conditional_t<std::is_same_v<Key, int128>, Int128Hash, std::hash<Key>>;

template <class Key, class ValueAt>
void mark_members(const Column& column, int64_t rows, const std::vector<Key>& list,
                  bool list_has_null, ValueAt value_at, uint8_t* values, uint8_t* validity) {
  constexpr size_t kLinearLimit = 12;
  auto mark = [&](auto contains) {
    if (column.null_count() == 0 && !list_has_null) {
      // Every row is valid and TRUE or FALSE: whole bytes, no per-row null checks.
      std::memset(validity, 0xFF, static_cast<size_t>((rows + 7) / 8));
      write_bits(values, rows, [&](int64_t row) { return contains(value_at(row)); });
      return;
    }
    for (int64_t row = 0; row < rows; ++row) {
      if (column.is_null(row)) {
        continue;
      }
      if (contains(value_at(row))) {
        set_bit(values, row, true);
        set_bit(validity, row, true);
      } else if (!list_has_null) {
        set_bit(validity, row, true);
      }
    }
  };
  if constexpr (std::is_same_v<Key, std::string_view>) {
    if (list.size() <= kLinearLimit) {
      mark([&](std::string_view key) {
        return std::any_of(list.begin(), list.end(), [&](std::string_view member) {
          return member.size() == key.size() && bytes_equal(member.data(), key.data(), key.size());
        });
      });
      return;
    }
  }
  if (list.size() <= kLinearLimit) {
    mark([&](const Key& key) { return std::find(list.begin(), list.end(), key) != list.end(); });
  } else {
    std::unordered_set<Key, HashOf<Key>> set(list.begin(), list.end());
    mark([&](const Key& key) { return set.count(key) > 0; });
  }
}

template <class Key>
std::vector<Key> list_values(const std::vector<Datum>& args, bool& list_has_null,
                             Key (Scalar::*get)() const) {
  std::vector<Key> list;
  for (size_t i = 1; i < args.size(); ++i) {
    const Scalar& value = args[i].scalar;
    if (value.is_null()) {
      list_has_null = true;
    } else {
      list.push_back(static_cast<Key>((value.*get)()));
    }
  }
  return list;
}

// x IN (v1, v2, ...): TRUE if x equals a value, NULL if x is NULL or no value matched but
// the list holds a NULL, else FALSE (SQL semantics).
Datum in_list(const BoundExpr& expr, const std::vector<Datum>& args, int64_t rows) {
  const DataType& type = expr.args[0].type;
  ColumnPtr column = to_column(args[0], rows);
  const Column& c = *column;
  size_t bytes = static_cast<size_t>((rows + 7) / 8);
  auto values = Buffer::allocate(bytes, true);
  auto validity = Buffer::allocate(bytes, true);
  uint8_t* value_bits = values->mutable_data();
  uint8_t* valid_bits = validity->mutable_data();
  bool list_has_null = false;
  switch (type.id()) {
    case TypeId::kString: {
      std::vector<std::string_view> list;
      for (size_t i = 1; i < args.size(); ++i) {
        args[i].scalar.is_null() ? void(list_has_null = true)
                                 : list.push_back(args[i].scalar.as_string());
      }
      const int32_t* offsets = c.values<int32_t>();
      const char* chars = c.chars_buffer() ? c.chars_buffer()->data_as<char>() : nullptr;
      mark_members(
          c, rows, list, list_has_null,
          [&](int64_t row) {
            return std::string_view(chars + offsets[row],
                                    static_cast<size_t>(offsets[row + 1] - offsets[row]));
          },
          value_bits, valid_bits);
      break;
    }
    case TypeId::kFloat64: {
      auto list = list_values<double>(args, list_has_null, &Scalar::as_double);
      const double* data = c.values<double>();
      mark_members(
          c, rows, list, list_has_null, [&](int64_t row) { return data[row]; }, value_bits,
          valid_bits);
      break;
    }
    case TypeId::kBool: {
      auto list = list_values<bool>(args, list_has_null, &Scalar::as_bool);
      mark_members(
          c, rows, list, list_has_null, [&](int64_t row) { return c.bool_value(row); }, value_bits,
          valid_bits);
      break;
    }
    case TypeId::kDecimal: {
      auto list = list_values<int128>(args, list_has_null, &Scalar::as_decimal);
      const int128* data = c.values<int128>();
      mark_members(
          c, rows, list, list_has_null, [&](int64_t row) { return data[row]; }, value_bits,
          valid_bits);
      break;
    }
    case TypeId::kInt32:
    case TypeId::kDate32: {
      auto list = list_values<int64_t>(args, list_has_null, &Scalar::as_int);
      const int32_t* data = c.values<int32_t>();
      mark_members(
          c, rows, list, list_has_null,
          [&](int64_t row) { return static_cast<int64_t>(data[row]); }, value_bits, valid_bits);
      break;
    }
    default: {
      auto list = list_values<int64_t>(args, list_has_null, &Scalar::as_int);
      const int64_t* data = c.values<int64_t>();
      mark_members(
          c, rows, list, list_has_null, [&](int64_t row) { return data[row]; }, value_bits,
          valid_bits);
    }
  }
  return Datum{std::make_shared<Column>(DataType::boolean(), rows, validity, values), {}};
}

DataType comparison_type(CallBinding& b) {
  std::optional<DataType> type = common_type(b.arg(0), b.arg(1));
  if (!type) {
    b.fail("cannot compare " + b.type(0).to_string() + " with " + b.type(1).to_string() +
           "; cast one side");
  }
  b.cast(0, *type);
  b.cast(1, *type);
  return DataType::boolean();
}

DataType in_type(CallBinding& b) {
  DataType type = b.type(0).id() == TypeId::kInt32 ? DataType::int64() : b.type(0);
  for (size_t i = 1; i < b.args().size(); ++i) {
    if (b.arg(i).kind != ExprKind::kLiteral) {
      b.fail("IN lists take constants; argument " + std::to_string(i + 1) + " is " + b.arg(i).text);
    }
    std::optional<DataType> common = common_type(b.arg(0), b.arg(i));
    if (!common) {
      b.fail("IN list value " + b.arg(i).text + " (" + b.type(i).to_string() +
             ") cannot be compared with " + b.type(0).to_string());
    }
    if (common->id() == TypeId::kFloat64) {
      type = DataType::float64();
    } else if (type.is_decimal() && common->is_decimal()) {
      // Every constant exactly: x IN (0.125) must not round 0.125 to x's scale.
      type = widest_decimal(type, *common, 0);
    }
  }
  for (size_t i = 0; i < b.args().size(); ++i) {
    b.cast(i, type);
  }
  return DataType::boolean();
}

FunctionInfo comparison(const char* name, const char* doc) {
  return {name,
          FunctionKind::kOperator,
          "comparison",
          2,
          2,
          std::string("a ") + name + " b -> bool",
          kNullInNullOut,
          doc,
          {}};
}

}  // namespace

void register_comparison_functions(FunctionRegistry& r) {
  r.add(
      ScalarFunction{comparison("=", "Equal (also ==); a date compared with text parses the text"),
                     comparison_type, compare<Cmp::kEq>});
  r.add(
      ScalarFunction{comparison("!=", "Not equal (also <>)"), comparison_type, compare<Cmp::kNe>});
  r.add(ScalarFunction{comparison("<", "Less than; text compares bytewise"), comparison_type,
                       compare<Cmp::kLt>});
  r.add(ScalarFunction{comparison("<=", "Less than or equal"), comparison_type, compare<Cmp::kLe>});
  r.add(ScalarFunction{comparison(">", "Greater than"), comparison_type, compare<Cmp::kGt>});
  r.add(ScalarFunction{comparison(">=", "Greater than or equal"), comparison_type,
                       compare<Cmp::kGe>});
  r.add(ScalarFunction{{"in",
                        FunctionKind::kOperator,
                        "comparison",
                        2,
                        FunctionInfo::kVariadic,
                        "x [NOT] IN (v1, v2, ...) -> bool",
                        "NULL if x is NULL, or if nothing matched and the list holds a NULL",
                        "TRUE if x equals one of the constants (C++: col(x).isin({...}))",
                        {}},
                       in_type,
                       in_list});
  r.add(FunctionInfo{"between",
                     FunctionKind::kOperator,
                     "comparison",
                     3,
                     3,
                     "x [NOT] BETWEEN low AND high -> bool",
                     kNullInNullOut,
                     "low <= x AND x <= high (C++: col(x).between(low, high))",
                     {}});
}

}  // namespace setl::engine::detail
