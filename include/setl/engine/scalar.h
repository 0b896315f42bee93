// A single typed value or a typed NULL: literals in expressions, cells read back from a
// table, and keys in tests.
#pragma once

#include <cstdint>
#include <string>

#include "setl/engine/decimal.h"
#include "setl/engine/type.h"

namespace setl::engine {

class Scalar {
 public:
  /// An untyped NULL.
  Scalar() = default;

  static Scalar null(DataType type = DataType::null());
  static Scalar boolean(bool value);
  static Scalar int32(int32_t value);
  static Scalar int64(int64_t value);
  static Scalar float64(double value);
  static Scalar string(std::string value);
  /// Days since 1970-01-01.
  static Scalar date32(int32_t days);
  /// Microseconds since the epoch, UTC.
  static Scalar timestamp(int64_t micros, std::string zone = {});
  /// unscaled / 10^scale as decimal(precision, scale). Throws: SchemaError if `unscaled`
  /// has more than `precision` digits.
  static Scalar decimal(int128 unscaled, int precision, int scale);

  const DataType& type() const noexcept { return type_; }
  bool is_null() const noexcept { return !valid_; }

  bool as_bool() const;
  /// The integer behind int32, int64, date32 and timestamp values.
  int64_t as_int() const;
  /// Numbers as double (integers and decimals converted).
  double as_double() const;
  /// The unscaled integer of a decimal (the value times 10^scale).
  int128 as_decimal() const;
  const std::string& as_string() const;

  /// SQL-like text: NULL, 42, 3.5, 12.30 (decimal), 'text', 2024-01-31,
  /// 2024-01-31 12:00:00.
  std::string to_string() const;
  /// Text as `show()` prints it: strings without quotes, NULL as "null".
  std::string to_display() const;

  /// Same type and value (NULL equals NULL of the same type here: this is identity, not
  /// SQL equality).
  friend bool operator==(const Scalar& a, const Scalar& b);

 private:
  DataType type_;
  bool valid_ = false;
  int64_t int_ = 0;
  double double_ = 0;
  int128 decimal_ = 0;
  std::string string_;
};

/// "2024-01-31" for days since the epoch.
std::string format_date(int32_t days);
/// "2024-01-31 12:34:56" (".123456" appended when there are microseconds).
std::string format_timestamp(int64_t micros);
/// Days since the epoch for a civil date (proleptic Gregorian).
int32_t days_from_civil(int64_t year, unsigned month, unsigned day);
/// The civil date of a day number.
void civil_from_days(int64_t days, int64_t& year, unsigned& month, unsigned& day);

}  // namespace setl::engine
