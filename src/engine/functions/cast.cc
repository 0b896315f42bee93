// Casts between engine types. cast fails with a ParseError naming the value; try_cast
// gives NULL instead.
#include <cmath>
#include <limits>
#include <string_view>

#include <fmt/format.h>

#include "engine/functions/registry.h"
#include "setl/core/error.h"
#include "setl/engine/builder.h"
#include "setl/engine/parse_value.h"

namespace setl::engine::detail {
namespace {

[[noreturn]] void cannot_cast(const Column& column, int64_t row, const DataType& to) {
  throw ParseError("cannot cast " + column.scalar(row).to_string() + " (" +
                   column.type().to_string() + ") to " + to.to_string() +
                   "; use try_cast to get NULL instead");
}

bool is_supported(const DataType& from, const DataType& to) {
  if (from.id() == TypeId::kNull || from.id() == TypeId::kString || to.id() == TypeId::kString) {
    return true;
  }
  bool from_number = from.is_numeric() || from.id() == TypeId::kBool;
  bool to_number = to.is_numeric() || to.id() == TypeId::kBool;
  if (from_number && to_number) {
    return true;
  }
  return from.is_temporal() && to.is_temporal();
}

std::string number_text(const Column& column, int64_t row) {
  switch (column.type().id()) {
    case TypeId::kFloat64:
      return fmt::format("{}", column.values<double>()[row]);
    default:
      return column.scalar(row).to_display();
  }
}

// Widening numeric casts on whole buffers (the common case after binding).
Datum widen(const Column& column, const DataType& to) {
  int64_t rows = column.length();
  BufferPtr validity = normalized_validity(column);
  auto out = Buffer::allocate(static_cast<size_t>(rows) * 8);
  if (to.id() == TypeId::kInt64) {
    const int32_t* in = column.values<int32_t>();
    int64_t* result = out->mutable_data_as<int64_t>();
    for (int64_t i = 0; i < rows; ++i) {
      result[i] = in[i];
    }
  } else if (column.type().id() == TypeId::kInt32) {
    const int32_t* in = column.values<int32_t>();
    double* result = out->mutable_data_as<double>();
    for (int64_t i = 0; i < rows; ++i) {
      result[i] = in[i];
    }
  } else {
    const int64_t* in = column.values<int64_t>();
    double* result = out->mutable_data_as<double>();
    for (int64_t i = 0; i < rows; ++i) {
      result[i] = static_cast<double>(in[i]);
    }
  }
  return Datum{std::make_shared<Column>(to, rows, validity, out), {}};
}

// Casts from or to decimal: exact where the target can hold the value (rounding half away
// from zero where it drops digits), else the value does not convert.
Datum decimal_cast(const Column& column, const DataType& to, bool try_cast) {
  const DataType& from = column.type();
  int64_t rows = column.length();
  ColumnBuilder builder(to, rows);
  for (int64_t row = 0; row < rows; ++row) {
    if (column.is_null(row)) {
      builder.append_null();
      continue;
    }
    bool ok = true;
    if (from.is_decimal()) {
      int128 value = column.values<int128>()[row];
      int128 whole = 0;
      switch (to.id()) {
        case TypeId::kDecimal:
          ok = rescale_decimal(value, from.scale(), to.scale(), to.precision(), whole);
          ok ? builder.append_decimal(whole) : void();
          break;
        case TypeId::kFloat64:
          builder.append_double(decimal_to_double(value, from.scale()));
          break;
        case TypeId::kBool:
          builder.append_bool(value != 0);
          break;
        case TypeId::kString:
          builder.append_string(format_decimal(value, from.scale()));
          break;
        default: {  // int32, int64
          ok = rescale_decimal(value, from.scale(), 0, kMaxDecimalPrecision, whole) &&
               whole >= (to.id() == TypeId::kInt32 ? INT32_MIN : INT64_MIN) &&
               whole <= (to.id() == TypeId::kInt32 ? INT32_MAX : INT64_MAX);
          ok ? builder.append_int(static_cast<int64_t>(whole)) : void();
        }
      }
    } else {
      int128 unscaled = 0;
      switch (from.id()) {
        case TypeId::kString:
          ok = parse_decimal(column.string_value(row), to.precision(), to.scale(), unscaled);
          break;
        case TypeId::kFloat64:
          ok = decimal_from_double(column.values<double>()[row], to.precision(), to.scale(),
                                   unscaled);
          break;
        case TypeId::kBool:
          ok = rescale_decimal(column.bool_value(row) ? 1 : 0, 0, to.scale(), to.precision(),
                               unscaled);
          break;
        default:  // int32, int64
          ok =
              rescale_decimal(column.scalar(row).as_int(), 0, to.scale(), to.precision(), unscaled);
      }
      ok ? builder.append_decimal(unscaled) : void();
    }
    if (!ok) {
      if (!try_cast) {
        cannot_cast(column, row, to);
      }
      builder.append_null();
    }
  }
  return Datum{builder.finish(), {}};
}

}  // namespace

Datum eval_cast(const Datum& value, const DataType& to, bool try_cast, int64_t rows) {
  const DataType& from = value.is_scalar() ? value.scalar.type() : value.column->type();
  if (from == to) {
    return value;
  }
  if (value.is_scalar() && value.scalar.is_null()) {
    return Datum{nullptr, Scalar::null(to)};
  }
  if (!is_supported(from, to)) {
    throw SchemaError("cannot cast " + from.to_string() + " to " + to.to_string());
  }
  if (value.is_scalar()) {
    Datum single = eval_cast(Datum{Column::constant(value.scalar, 1), {}}, to, try_cast, 1);
    return Datum{nullptr, single.column->scalar(0)};
  }
  const Column& column = *value.column;
  if ((from.id() == TypeId::kInt32 && (to.id() == TypeId::kInt64 || to.id() == TypeId::kFloat64)) ||
      (from.id() == TypeId::kInt64 && to.id() == TypeId::kFloat64)) {
    return widen(column, to);
  }
  if (from.is_decimal() || to.is_decimal()) {
    return decimal_cast(column, to, try_cast);
  }
  if (from.id() == TypeId::kTimestamp && to.id() == TypeId::kTimestamp) {
    return Datum{std::make_shared<Column>(to, column.length(), column.validity_buffer(),
                                          column.values_buffer(), nullptr, column.null_count(),
                                          column.offset()),
                 {}};
  }
  ColumnBuilder builder(to, rows);
  auto fail = [&](int64_t row) {
    if (!try_cast) {
      cannot_cast(column, row, to);
    }
    builder.append_null();
  };
  for (int64_t row = 0; row < rows; ++row) {
    if (column.is_null(row)) {
      builder.append_null();
      continue;
    }
    switch (to.id()) {
      case TypeId::kString: {
        if (from.id() == TypeId::kFloat64) {
          builder.append_string(number_text(column, row));
        } else {
          builder.append_string(column.scalar(row).to_display());
        }
        break;
      }
      case TypeId::kBool: {
        if (from.id() == TypeId::kString) {
          bool parsed = false;
          parse_bool(column.string_value(row), parsed) ? builder.append_bool(parsed) : fail(row);
        } else {
          Scalar cell = column.scalar(row);
          builder.append_bool(from.id() == TypeId::kFloat64 ? cell.as_double() != 0
                                                            : cell.as_int() != 0);
        }
        break;
      }
      case TypeId::kInt32:
      case TypeId::kInt64: {
        int64_t result = 0;
        bool ok = true;
        if (from.id() == TypeId::kString) {
          ok = parse_int64(column.string_value(row), result);
          if (!ok) {
            double as_double = 0;
            if (parse_float64(column.string_value(row), as_double) && std::isfinite(as_double) &&
                std::trunc(as_double) == as_double && std::fabs(as_double) < 9.2e18) {
              result = static_cast<int64_t>(as_double);
              ok = true;
            }
          }
        } else if (from.id() == TypeId::kFloat64) {
          double number = column.values<double>()[row];
          ok = std::isfinite(number) && std::fabs(number) < 9.2e18;
          result = ok ? static_cast<int64_t>(std::trunc(number)) : 0;
        } else if (from.id() == TypeId::kBool) {
          result = column.bool_value(row) ? 1 : 0;
        } else {
          result = column.scalar(row).as_int();
        }
        if (ok && to.id() == TypeId::kInt32 &&
            (result < std::numeric_limits<int32_t>::min() ||
             result > std::numeric_limits<int32_t>::max())) {
          ok = false;
        }
        ok ? builder.append_int(result) : fail(row);
        break;
      }
      case TypeId::kFloat64: {
        if (from.id() == TypeId::kString) {
          double parsed = 0;
          parse_float64(column.string_value(row), parsed) ? builder.append_double(parsed)
                                                          : fail(row);
        } else if (from.id() == TypeId::kBool) {
          builder.append_double(column.bool_value(row) ? 1.0 : 0.0);
        } else {
          builder.append_double(static_cast<double>(column.scalar(row).as_int()));
        }
        break;
      }
      case TypeId::kDate32: {
        if (from.id() == TypeId::kString) {
          int32_t days = 0;
          parse_date(column.string_value(row), days) ? builder.append_int(days) : fail(row);
        } else {  // timestamp
          int64_t micros = column.values<int64_t>()[row];
          int64_t days = micros >= 0 ? micros / 86'400'000'000LL
                                     : -((-micros + 86'400'000'000LL - 1) / 86'400'000'000LL);
          builder.append_int(days);
        }
        break;
      }
      case TypeId::kTimestamp: {
        if (from.id() == TypeId::kString) {
          int64_t micros = 0;
          parse_timestamp(column.string_value(row), micros) ? builder.append_int(micros)
                                                            : fail(row);
        } else {  // date
          builder.append_int(static_cast<int64_t>(column.values<int32_t>()[row]) *
                             86'400'000'000LL);
        }
        break;
      }
      case TypeId::kNull:
      case TypeId::kDecimal:  // decimal_cast above
        builder.append_null();
        break;
    }
  }
  return Datum{builder.finish(), {}};
}

void register_cast_syntax(FunctionRegistry& r) {
  r.add(FunctionInfo{"cast",
                     FunctionKind::kOperator,
                     "conversion",
                     1,
                     1,
                     "CAST(x AS type)",
                     kNullInNullOut,
                     "Converts to bool, int32, int64, float64, decimal(p,s), string, date or "
                     "timestamp; "
                     "a value that does not convert is an error (C++: x.cast(type))",
                     {}});
  r.add(FunctionInfo{"try_cast",
                     FunctionKind::kOperator,
                     "conversion",
                     1,
                     1,
                     "TRY_CAST(x AS type)",
                     "NULL also where x does not convert",
                     "Like CAST, with NULL instead of an error (C++: x.try_cast(type))",
                     {}});
}

}  // namespace setl::engine::detail
