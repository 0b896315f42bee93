// Logical types of engine columns. The physical layout of each follows the Apache Arrow
// columnar format: bool is bit-packed, numbers are little-endian fixed width, strings are
// int32 offsets plus UTF-8 bytes, date32 is days since 1970-01-01 (int32), timestamp is
// microseconds since the epoch in UTC (int64) with an optional zone name for display,
// decimal(p, s) is an exact number held as a 128-bit unscaled integer (Arrow decimal128).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace setl::engine {

enum class TypeId : uint8_t {
  kNull,  ///< only nulls (an untyped NULL literal, or an all-null inferred column)
  kBool,
  kInt32,
  kInt64,
  kFloat64,
  kString,
  kDate32,
  kTimestamp,
  kDecimal,
};

class DataType {
 public:
  constexpr DataType() = default;
  constexpr explicit DataType(TypeId id) : id_(id) {}

  static DataType null() { return DataType(TypeId::kNull); }
  static DataType boolean() { return DataType(TypeId::kBool); }
  static DataType int32() { return DataType(TypeId::kInt32); }
  static DataType int64() { return DataType(TypeId::kInt64); }
  static DataType float64() { return DataType(TypeId::kFloat64); }
  static DataType string() { return DataType(TypeId::kString); }
  static DataType date32() { return DataType(TypeId::kDate32); }
  /// Microsecond timestamps; `zone` (e.g. "UTC", "Europe/Paris") is kept for display and
  /// interchange, values are always UTC.
  static DataType timestamp(std::string zone = {});
  /// Exact numbers of at most `precision` digits, `scale` of them after the point
  /// (1 <= precision <= 38, 0 <= scale <= precision). Throws: SchemaError otherwise.
  static DataType decimal(int precision, int scale);

  TypeId id() const noexcept { return id_; }
  const std::string& zone() const noexcept { return zone_; }
  /// Digits in all and after the point of a decimal (0 for other types).
  int precision() const noexcept { return precision_; }
  int scale() const noexcept { return scale_; }

  bool is_integer() const noexcept { return id_ == TypeId::kInt32 || id_ == TypeId::kInt64; }
  bool is_decimal() const noexcept { return id_ == TypeId::kDecimal; }
  bool is_numeric() const noexcept {
    return is_integer() || id_ == TypeId::kFloat64 || id_ == TypeId::kDecimal;
  }
  bool is_temporal() const noexcept { return id_ == TypeId::kDate32 || id_ == TypeId::kTimestamp; }
  /// Bytes per value in the data buffer; 0 for bool (bits), string (variable) and null.
  int byte_width() const noexcept;

  /// "int64", "string", "timestamp[us, tz=UTC]", "decimal(15,2)", ...
  std::string to_string() const;

  friend bool operator==(const DataType& a, const DataType& b) {
    return a.id_ == b.id_ && a.zone_ == b.zone_ && a.precision_ == b.precision_ &&
           a.scale_ == b.scale_;
  }

 private:
  TypeId id_ = TypeId::kNull;
  std::string zone_;
  uint8_t precision_ = 0;
  uint8_t scale_ = 0;
};

/// Parses the names to_string() prints and common aliases (int, bigint, double, text,
/// date, timestamp, numeric(p,s); decimal alone is decimal(18,3)). Throws: ParseError naming the
/// accepted names.
DataType parse_type(std::string_view name);

}  // namespace setl::engine
