// Date and timestamp kernels (proleptic Gregorian calendar, UTC).
#include <algorithm>

#include "engine/functions/registry.h"
#include "setl/core/error.h"
#include "setl/engine/builder.h"

namespace setl::engine::detail {
namespace {

constexpr int64_t kMicrosPerDay = 86'400'000'000LL;

int64_t floor_div(int64_t value, int64_t divisor) {
  int64_t quotient = value / divisor;
  return (value % divisor != 0 && (value < 0) != (divisor < 0)) ? quotient - 1 : quotient;
}

int64_t day_number(const Column& column, int64_t row) {
  return column.type().id() == TypeId::kDate32
             ? column.values<int32_t>()[row]
             : floor_div(column.values<int64_t>()[row], kMicrosPerDay);
}

enum class Date { kYear, kMonth, kDay, kDateDiff, kDateAdd, kAddMonths, kDateTrunc };

bool leap_year(int64_t year) {
  return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
}

unsigned days_in_month(int64_t year, unsigned month) {
  static constexpr unsigned kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  return month == 2 && leap_year(year) ? 29 : kDays[month - 1];
}

// The date `months` later, its day clamped to the target month's last (Spark's rule:
// 2024-01-31 plus one month is 2024-02-29).
int32_t plus_months(int64_t days, int64_t months) {
  int64_t year = 0;
  unsigned month = 0;
  unsigned day = 0;
  civil_from_days(days, year, month, day);
  // Years beyond ±5.8 million do not fit a date32 anyway: bound before adding.
  if (months > 120'000'000 || months < -120'000'000) {
    throw SchemaError("add_months overflows the date range");
  }
  int64_t index = year * 12 + (month - 1) + months;
  int64_t new_year = index >= 0 ? index / 12 : (index - 11) / 12;
  auto new_month = static_cast<unsigned>(index - new_year * 12 + 1);
  unsigned new_day = std::min(day, days_in_month(new_year, new_month));
  int64_t result = days_from_civil(new_year, new_month, new_day);
  if (result < INT32_MIN || result > INT32_MAX) {
    throw SchemaError("add_months overflows the date range");
  }
  return static_cast<int32_t>(result);
}

template <Date fn>
Datum temporal_kernel(const BoundExpr& call, const std::vector<Datum>& args, int64_t rows) {
  const DataType& type = call.type;
  KernelInputs inputs = kernel_inputs(args, rows);
  const std::vector<ColumnPtr>& columns = inputs.columns;
  const BufferPtr& validity = inputs.validity;
  auto valid = [&](int64_t row) { return inputs.valid(row); };

  if constexpr (fn == Date::kYear || fn == Date::kMonth || fn == Date::kDay ||
                fn == Date::kDateDiff) {
    auto out = Buffer::allocate(static_cast<size_t>(rows) * 8);
    int64_t* result = out->mutable_data_as<int64_t>();
    for (int64_t row = 0; row < rows; ++row) {
      if (!valid(row)) {
        result[row] = 0;
        continue;
      }
      if (fn == Date::kDateDiff) {
        result[row] = day_number(*columns[0], row) - day_number(*columns[1], row);
        continue;
      }
      int64_t year = 0;
      unsigned month = 0;
      unsigned day = 0;
      civil_from_days(day_number(*columns[0], row), year, month, day);
      result[row] = fn == Date::kYear ? year : fn == Date::kMonth ? month : day;
    }
    return Datum{std::make_shared<Column>(DataType::int64(), rows, validity, out), {}};
  }

  if constexpr (fn == Date::kDateAdd) {
    auto out = Buffer::allocate(static_cast<size_t>(rows) * 4);
    int32_t* result = out->mutable_data_as<int32_t>();
    for (int64_t row = 0; row < rows; ++row) {
      int64_t days = 0;
      // An int64 day count added to a date can overflow before any range check.
      if (valid(row) && (__builtin_add_overflow(int64_t{columns[0]->values<int32_t>()[row]},
                                                columns[1]->values<int64_t>()[row], &days) ||
                         days < INT32_MIN || days > INT32_MAX)) {
        throw SchemaError("date_add overflows the date range");
      }
      result[row] = static_cast<int32_t>(days);
    }
    return Datum{std::make_shared<Column>(DataType::date32(), rows, validity, out), {}};
  }

  if constexpr (fn == Date::kAddMonths) {
    auto out = Buffer::allocate(static_cast<size_t>(rows) * 4);
    int32_t* result = out->mutable_data_as<int32_t>();
    for (int64_t row = 0; row < rows; ++row) {
      result[row] = valid(row) ? plus_months(columns[0]->values<int32_t>()[row],
                                             columns[1]->values<int64_t>()[row])
                               : 0;
    }
    return Datum{std::make_shared<Column>(DataType::date32(), rows, validity, out), {}};
  }

  if constexpr (fn == Date::kDateTrunc) {
    std::string unit(columns[0]->string_value(0));
    const Column& input = *columns[1];
    ColumnBuilder builder(type, rows);
    for (int64_t row = 0; row < rows; ++row) {
      if (!valid(row)) {
        builder.append_null();
        continue;
      }
      int64_t days = day_number(input, row);
      int64_t year = 0;
      unsigned month = 0;
      unsigned day = 0;
      civil_from_days(days, year, month, day);
      int64_t truncated_days = unit == "year"    ? days_from_civil(year, 1, 1)
                               : unit == "month" ? days_from_civil(year, month, 1)
                                                 : days;
      if (type.id() == TypeId::kDate32) {
        builder.append_int(truncated_days);
        continue;
      }
      int64_t micros = input.values<int64_t>()[row];
      int64_t within_day = micros - days * kMicrosPerDay;
      int64_t kept = unit == "hour"     ? within_day / 3'600'000'000LL * 3'600'000'000LL
                     : unit == "minute" ? within_day / 60'000'000LL * 60'000'000LL
                                        : 0;
      builder.append_int(truncated_days * kMicrosPerDay + kept);
    }
    return Datum{builder.finish(), {}};
  }
  throw InternalError("unhandled temporal function");
}

Datum to_date_kernel(const BoundExpr&, const std::vector<Datum>& args, int64_t rows) {
  return eval_cast(args[0], DataType::date32(), false, rows);
}

DataType part_type(CallBinding& b) {
  b.require(0, is_temporal, "a date or timestamp");
  return DataType::int64();
}

DataType date_add_type(CallBinding& b) {
  b.require(0, is_date, "a date");
  b.require(1, is_integer, "an integer number of days");
  b.cast(1, DataType::int64());
  return DataType::date32();
}

DataType add_months_type(CallBinding& b) {
  b.require(0, is_date, "a date");
  b.require(1, is_integer, "an integer number of months");
  b.cast(1, DataType::int64());
  return DataType::date32();
}

DataType date_diff_type(CallBinding& b) {
  b.require(0, is_date, "a date");
  b.require(1, is_date, "a date");
  return DataType::int64();
}

DataType to_date_type(CallBinding& b) {
  b.require(0, is_text, "a string");
  if (b.arg(0).kind == ExprKind::kLiteral) {
    b.cast(0, DataType::date32());  // a literal that is no date fails now, not mid-run
  }
  return DataType::date32();
}

DataType date_trunc_type(CallBinding& b) {
  if (b.arg(0).kind != ExprKind::kLiteral || b.type(0).id() != TypeId::kString) {
    b.fail("date_trunc's unit must be a constant string");
  }
  const std::string& unit = b.arg(0).literal.as_string();
  b.require(1, is_temporal, "a date or timestamp");
  bool valid = unit == "year" || unit == "month" || unit == "day" ||
               (b.type(1).id() == TypeId::kTimestamp && (unit == "hour" || unit == "minute"));
  if (!valid) {
    b.fail("unknown date_trunc unit '" + unit +
           "'; expected year, month, day (and hour, minute for timestamps)");
  }
  return b.type(1);
}

FunctionInfo info(const char* name, size_t args, const char* signature, const char* doc) {
  return {name, FunctionKind::kScalar, "date and time", args, args, signature, kNullInNullOut, doc,
          {}};
}

}  // namespace

void register_temporal_functions(FunctionRegistry& r) {
  r.add(ScalarFunction{info("year", 1, "year(date | timestamp) -> int64", "The year"), part_type,
                       temporal_kernel<Date::kYear>});
  r.add(ScalarFunction{info("month", 1, "month(date | timestamp) -> int64", "The month, 1-12"),
                       part_type, temporal_kernel<Date::kMonth>});
  r.add(ScalarFunction{info("day", 1, "day(date | timestamp) -> int64", "The day of the month"),
                       part_type, temporal_kernel<Date::kDay>});
  r.add(ScalarFunction{info("date_add", 2, "date_add(date, days: integer) -> date32",
                            "The date `days` later (also date + days, date - days); leaving "
                            "the date range is an error"),
                       date_add_type, temporal_kernel<Date::kDateAdd>});
  r.add(ScalarFunction{info("add_months", 2, "add_months(date, months: integer) -> date32",
                            "The date `months` later, its day clamped to the last of the "
                            "month (2024-01-31 plus 1 is 2024-02-29)"),
                       add_months_type, temporal_kernel<Date::kAddMonths>});
  r.add(ScalarFunction{info("date_diff", 2, "date_diff(end: date, start: date) -> int64",
                            "Days from `start` to `end`"),
                       date_diff_type, temporal_kernel<Date::kDateDiff>});
  r.add(ScalarFunction{info("date_trunc", 2, "date_trunc(unit, date | timestamp) -> same type",
                            "Truncates to 'year', 'month', 'day', or for timestamps also "
                            "'hour', 'minute'"),
                       date_trunc_type, temporal_kernel<Date::kDateTrunc>});
  r.add(ScalarFunction{info("to_date", 1, "to_date(text) -> date32",
                            "Parses YYYY-MM-DD; text that is no date is an error (use "
                            "TRY_CAST(x AS date) for NULL instead)"),
                       to_date_type, to_date_kernel});
}

}  // namespace setl::engine::detail
