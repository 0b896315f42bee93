// Date and timestamp kernels (proleptic Gregorian calendar, UTC).
#include "engine/expr/expr_eval.h"
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

}  // namespace

Datum eval_temporal(Fn fn, const DataType& type, const std::vector<Datum>& args, int64_t rows) {
  KernelInputs inputs = kernel_inputs(args, rows);
  const std::vector<ColumnPtr>& columns = inputs.columns;
  const BufferPtr& validity = inputs.validity;
  auto valid = [&](int64_t row) { return inputs.valid(row); };

  if (fn == Fn::kYear || fn == Fn::kMonth || fn == Fn::kDay || fn == Fn::kDateDiff) {
    auto out = Buffer::allocate(static_cast<size_t>(rows) * 8);
    int64_t* result = out->mutable_data_as<int64_t>();
    for (int64_t row = 0; row < rows; ++row) {
      if (!valid(row)) {
        result[row] = 0;
        continue;
      }
      if (fn == Fn::kDateDiff) {
        result[row] = day_number(*columns[0], row) - day_number(*columns[1], row);
        continue;
      }
      int64_t year = 0;
      unsigned month = 0;
      unsigned day = 0;
      civil_from_days(day_number(*columns[0], row), year, month, day);
      result[row] = fn == Fn::kYear ? year : fn == Fn::kMonth ? month : day;
    }
    return Datum{std::make_shared<Column>(DataType::int64(), rows, validity, out), {}};
  }

  if (fn == Fn::kDateAdd) {
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

  if (fn == Fn::kDateTrunc) {
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

}  // namespace setl::engine::detail
