// Three-valued logic (AND, OR, NOT), IS [NOT] NULL, CASE and COALESCE.
#include <cstring>

#include "engine/functions/registry.h"
#include "setl/core/error.h"
#include "setl/engine/builder.h"

namespace setl::engine::detail {
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

enum class Logic { kAnd, kOr, kNot };

template <Logic op>
Datum logical(const BoundExpr&, const std::vector<Datum>& args, int64_t rows) {
  const Datum& a = args[0];
  size_t bytes = static_cast<size_t>((rows + 7) / 8);
  BufferPtr va = bool_bits(a, rows);
  BufferPtr ma = valid_bits(a, rows);
  auto values = Buffer::allocate(bytes);
  auto validity = Buffer::allocate(bytes);
  uint8_t* out_value = values->mutable_data();
  uint8_t* out_valid = validity->mutable_data();
  if constexpr (op == Logic::kNot) {
    for (size_t i = 0; i < bytes; ++i) {
      out_value[i] = static_cast<uint8_t>(~va->data()[i] & ma->data()[i]);
      out_valid[i] = ma->data()[i];
    }
  } else {
    const Datum& b = args[1];
    BufferPtr vb = bool_bits(b, rows);
    BufferPtr mb = valid_bits(b, rows);
    for (size_t i = 0; i < bytes; ++i) {
      uint8_t x = va->data()[i], mx = ma->data()[i], y = vb->data()[i], my = mb->data()[i];
      if constexpr (op == Logic::kAnd) {
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

template <bool want_null>
Datum null_test(const BoundExpr&, const std::vector<Datum>& args, int64_t rows) {
  const Datum& a = args[0];
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

// CASE and COALESCE pick, row by row, which argument supplies the value.
template <bool is_coalesce>
Datum choose(const BoundExpr& expr, const std::vector<Datum>& args, int64_t rows) {
  std::vector<ColumnPtr> columns;
  columns.reserve(args.size());
  for (const Datum& arg : args) {
    columns.push_back(to_column(arg, rows));
  }
  ColumnBuilder builder(expr.type, rows);
  for (int64_t row = 0; row < rows; ++row) {
    const Column* source = nullptr;
    if constexpr (is_coalesce) {
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

DataType logic_type(CallBinding& b) {
  for (size_t i = 0; i < b.args().size(); ++i) {
    b.require(i, is_bool, "a bool");
    b.cast(i, DataType::boolean());
  }
  return DataType::boolean();
}

DataType null_test_type(CallBinding&) {
  return DataType::boolean();
}

// The common type of the values a CASE or COALESCE may return (`value_indexes`).
DataType choice_type(CallBinding& b, const std::vector<size_t>& value_indexes) {
  BoundExpr probe;
  probe.type = DataType::null();
  for (size_t index : value_indexes) {
    std::optional<DataType> common = common_type(probe, b.arg(index));
    if (!common) {
      std::string types;
      for (const BoundExpr& arg : b.args()) {
        types += (types.empty() ? "" : ", ") + arg.type.to_string();
      }
      b.fail("its values have incompatible types (" + types + ")");
    }
    probe.type = *common;
    probe.kind = ExprKind::kCall;
  }
  for (size_t index : value_indexes) {
    b.cast(index, probe.type);
  }
  return probe.type;
}

DataType case_type(CallBinding& b) {
  std::vector<size_t> values;
  size_t count = b.args().size();
  for (size_t i = 0; i + 1 < count; i += 2) {
    b.require(i, is_bool, "a bool condition");
    b.cast(i, DataType::boolean());
    values.push_back(i + 1);
  }
  if (count % 2 == 1) {
    values.push_back(count - 1);
  }
  return choice_type(b, values);
}

DataType coalesce_type(CallBinding& b) {
  std::vector<size_t> values(b.args().size());
  for (size_t i = 0; i < values.size(); ++i) {
    values[i] = i;
  }
  return choice_type(b, values);
}

// NULL on every row, after checking that `condition` is TRUE on every row: a query states
// what its data must satisfy (a scalar subquery returns at most one row).
Datum assert_true(const BoundExpr& call, const std::vector<Datum>& args, int64_t rows) {
  ColumnPtr condition = to_column(args[0], rows);
  for (int64_t row = 0; row < rows; ++row) {
    if (!condition->is_valid(row) || !condition->bool_value(row)) {
      std::string message = args.size() > 1
                                ? std::string(to_column(args[1], rows)->string_value(row))
                                : "assert_true(" + call.args[0].text + ") failed";
      throw StateError(message);
    }
  }
  return Datum{Column::nulls(DataType::boolean(), rows), {}};
}

DataType assert_true_type(CallBinding& b) {
  b.require(0, is_bool, "a bool");
  if (b.call().args.size() > 1) {
    b.require(1, is_text, "a string message");
  }
  return DataType::boolean();
}

}  // namespace

void register_logical_functions(FunctionRegistry& r) {
  r.add(ScalarFunction{{"assert_true",
                        FunctionKind::kScalar,
                        "logic",
                        1,
                        2,
                        "assert_true(condition [, message]) -> bool",
                        "a NULL condition fails",
                        "NULL, after checking that the condition holds on every row (else "
                        "the query fails with the message)",
                        {}},
                       assert_true_type,
                       assert_true});
  const char* category = "logic";
  r.add(ScalarFunction{{"and",
                        FunctionKind::kOperator,
                        category,
                        2,
                        2,
                        "a AND b -> bool",
                        "FALSE if either side is FALSE, else NULL if either is NULL",
                        "Logical and, with SQL's three-valued logic",
                        {}},
                       logic_type,
                       logical<Logic::kAnd>});
  r.add(ScalarFunction{{"or",
                        FunctionKind::kOperator,
                        category,
                        2,
                        2,
                        "a OR b -> bool",
                        "TRUE if either side is TRUE, else NULL if either is NULL",
                        "Logical or, with SQL's three-valued logic",
                        {}},
                       logic_type,
                       logical<Logic::kOr>});
  r.add(ScalarFunction{{"not",
                        FunctionKind::kOperator,
                        category,
                        1,
                        1,
                        "NOT a -> bool",
                        kNullInNullOut,
                        "Logical negation",
                        {}},
                       logic_type,
                       logical<Logic::kNot>});
  r.add(ScalarFunction{{"is_null",
                        FunctionKind::kOperator,
                        category,
                        1,
                        1,
                        "x IS NULL -> bool",
                        "never NULL",
                        "TRUE where x is NULL",
                        {}},
                       null_test_type,
                       null_test<true>});
  r.add(ScalarFunction{{"is_not_null",
                        FunctionKind::kOperator,
                        category,
                        1,
                        1,
                        "x IS NOT NULL -> bool",
                        "never NULL",
                        "TRUE where x is not NULL",
                        {}},
                       null_test_type,
                       null_test<false>});
  r.add(ScalarFunction{{"case",
                        FunctionKind::kOperator,
                        category,
                        1,
                        FunctionInfo::kVariadic,
                        "CASE WHEN c1 THEN v1 [WHEN ...] [ELSE v] END",
                        "a NULL condition counts as not true; NULL when nothing matches and "
                        "there is no ELSE",
                        "The value of the first true condition (C++: fn::when(c, v)...)",
                        {}},
                       case_type,
                       choose<false>});
  r.add(ScalarFunction{{"coalesce",
                        FunctionKind::kScalar,
                        category,
                        1,
                        FunctionInfo::kVariadic,
                        "coalesce(x1, x2, ...) -> common type",
                        "NULL only if every value is",
                        "The first non-NULL value",
                        {}},
                       coalesce_type,
                       choose<true>});
}

}  // namespace setl::engine::detail
