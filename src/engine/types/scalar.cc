#include "setl/engine/scalar.h"

#include <cmath>

#include <fmt/format.h>

#include "setl/core/error.h"

namespace setl::engine {

Scalar Scalar::null(DataType type) {
  Scalar scalar;
  scalar.type_ = std::move(type);
  return scalar;
}

Scalar Scalar::boolean(bool value) {
  Scalar scalar;
  scalar.type_ = DataType::boolean();
  scalar.valid_ = true;
  scalar.int_ = value ? 1 : 0;
  return scalar;
}

Scalar Scalar::int32(int32_t value) {
  Scalar scalar;
  scalar.type_ = DataType::int32();
  scalar.valid_ = true;
  scalar.int_ = value;
  return scalar;
}

Scalar Scalar::int64(int64_t value) {
  Scalar scalar;
  scalar.type_ = DataType::int64();
  scalar.valid_ = true;
  scalar.int_ = value;
  return scalar;
}

Scalar Scalar::float64(double value) {
  Scalar scalar;
  scalar.type_ = DataType::float64();
  scalar.valid_ = true;
  scalar.double_ = value;
  return scalar;
}

Scalar Scalar::string(std::string value) {
  Scalar scalar;
  scalar.type_ = DataType::string();
  scalar.valid_ = true;
  scalar.string_ = std::move(value);
  return scalar;
}

Scalar Scalar::date32(int32_t days) {
  Scalar scalar;
  scalar.type_ = DataType::date32();
  scalar.valid_ = true;
  scalar.int_ = days;
  return scalar;
}

Scalar Scalar::timestamp(int64_t micros, std::string zone) {
  Scalar scalar;
  scalar.type_ = DataType::timestamp(std::move(zone));
  scalar.valid_ = true;
  scalar.int_ = micros;
  return scalar;
}

Scalar Scalar::decimal(int128 unscaled, int precision, int scale) {
  Scalar scalar;
  scalar.type_ = DataType::decimal(precision, scale);
  if (!fits_precision(unscaled, precision)) {
    throw SchemaError(format_decimal(unscaled, scale) + " does not fit in " +
                      scalar.type_.to_string());
  }
  scalar.valid_ = true;
  scalar.decimal_ = unscaled;
  return scalar;
}

bool Scalar::as_bool() const {
  if (type_.id() != TypeId::kBool || !valid_) {
    throw StateError("scalar " + to_string() + " is not a non-null bool");
  }
  return int_ != 0;
}

int64_t Scalar::as_int() const {
  if (!valid_ || !(type_.is_integer() || type_.is_temporal() || type_.id() == TypeId::kBool)) {
    throw StateError("scalar " + to_string() + " is not a non-null integer");
  }
  return int_;
}

double Scalar::as_double() const {
  if (valid_ && type_.id() == TypeId::kFloat64) {
    return double_;
  }
  if (valid_ && type_.is_integer()) {
    return static_cast<double>(int_);
  }
  if (valid_ && type_.is_decimal()) {
    return decimal_to_double(decimal_, type_.scale());
  }
  throw StateError("scalar " + to_string() + " is not a non-null number");
}

int128 Scalar::as_decimal() const {
  if (!valid_ || !type_.is_decimal()) {
    throw StateError("scalar " + to_string() + " is not a non-null decimal");
  }
  return decimal_;
}

const std::string& Scalar::as_string() const {
  if (type_.id() != TypeId::kString || !valid_) {
    throw StateError("scalar " + to_string() + " is not a non-null string");
  }
  return string_;
}

namespace {

std::string format_double(double value) {
  if (std::isnan(value)) {
    return "NaN";
  }
  if (std::isinf(value)) {
    return value > 0 ? "inf" : "-inf";
  }
  std::string text = fmt::format("{}", value);
  return text;
}

}  // namespace

std::string Scalar::to_display() const {
  if (!valid_) {
    return "null";
  }
  switch (type_.id()) {
    case TypeId::kNull:
      return "null";
    case TypeId::kBool:
      return int_ ? "true" : "false";
    case TypeId::kInt32:
    case TypeId::kInt64:
      return std::to_string(int_);
    case TypeId::kFloat64:
      return format_double(double_);
    case TypeId::kString:
      return string_;
    case TypeId::kDate32:
      return format_date(static_cast<int32_t>(int_));
    case TypeId::kTimestamp:
      return format_timestamp(int_);
    case TypeId::kDecimal:
      return format_decimal(decimal_, type_.scale());
  }
  return "?";
}

std::string Scalar::to_string() const {
  if (!valid_) {
    return "NULL";
  }
  if (type_.id() == TypeId::kString) {
    std::string quoted = "'";
    for (char c : string_) {
      quoted += c;
      if (c == '\'') {
        quoted += '\'';
      }
    }
    return quoted + "'";
  }
  if (type_.id() == TypeId::kFloat64) {
    // Keep a float literal a float when the text is parsed back.
    std::string text = to_display();
    bool looks_integral = text.find_first_of(".eEn") == std::string::npos;
    return looks_integral ? text + ".0" : text;
  }
  if (type_.id() == TypeId::kDate32) {
    return "DATE '" + to_display() + "'";
  }
  if (type_.id() == TypeId::kTimestamp) {
    return "TIMESTAMP '" + to_display() + "'";
  }
  return to_display();
}

bool operator==(const Scalar& a, const Scalar& b) {
  if (!(a.type_ == b.type_) || a.valid_ != b.valid_) {
    return false;
  }
  if (!a.valid_) {
    return true;
  }
  switch (a.type_.id()) {
    case TypeId::kFloat64:
      return a.double_ == b.double_ || (std::isnan(a.double_) && std::isnan(b.double_));
    case TypeId::kString:
      return a.string_ == b.string_;
    case TypeId::kDecimal:
      return a.decimal_ == b.decimal_;
    default:
      return a.int_ == b.int_;
  }
}

// Howard Hinnant's public-domain civil calendar algorithms, written from their description.
int32_t days_from_civil(int64_t year, unsigned month, unsigned day) {
  year -= month <= 2 ? 1 : 0;
  const int64_t era = (year >= 0 ? year : year - 399) / 400;
  const unsigned year_of_era = static_cast<unsigned>(year - era * 400);
  const unsigned day_of_year = (153 * (month > 2 ? month - 3 : month + 9) + 2) / 5 + day - 1;
  const unsigned day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
  return static_cast<int32_t>(era * 146097 + static_cast<int64_t>(day_of_era) - 719468);
}

void civil_from_days(int64_t days, int64_t& year, unsigned& month, unsigned& day) {
  days += 719468;
  const int64_t era = (days >= 0 ? days : days - 146096) / 146097;
  const unsigned day_of_era = static_cast<unsigned>(days - era * 146097);
  const unsigned year_of_era =
      (day_of_era - day_of_era / 1460 + day_of_era / 36524 - day_of_era / 146096) / 365;
  const unsigned day_of_year =
      day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
  const unsigned month_index = (5 * day_of_year + 2) / 153;
  day = day_of_year - (153 * month_index + 2) / 5 + 1;
  month = month_index < 10 ? month_index + 3 : month_index - 9;
  year = static_cast<int64_t>(year_of_era) + era * 400 + (month <= 2 ? 1 : 0);
}

std::string format_date(int32_t days) {
  int64_t year = 0;
  unsigned month = 0;
  unsigned day = 0;
  civil_from_days(days, year, month, day);
  return fmt::format("{:04}-{:02}-{:02}", year, month, day);
}

std::string format_timestamp(int64_t micros) {
  constexpr int64_t kMicrosPerDay = 86'400'000'000LL;
  int64_t days =
      micros >= 0 ? micros / kMicrosPerDay : -((-micros + kMicrosPerDay - 1) / kMicrosPerDay);
  int64_t rest = micros - days * kMicrosPerDay;
  int64_t seconds = rest / 1'000'000;
  int64_t fraction = rest % 1'000'000;
  std::string text =
      format_date(static_cast<int32_t>(days)) +
      fmt::format(" {:02}:{:02}:{:02}", seconds / 3600, seconds / 60 % 60, seconds % 60);
  if (fraction != 0) {
    text += fmt::format(".{:06}", fraction);
  }
  return text;
}

}  // namespace setl::engine
