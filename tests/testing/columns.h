// Column and table literals for engine tests: int64s({1, std::nullopt, 3}), strings({"a"}).
#pragma once

#include <optional>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "setl/engine/builder.h"
#include "setl/engine/parse_value.h"
#include "setl/engine/table.h"

namespace setl::testing {

using engine::ColumnPtr;
using engine::DataType;

inline ColumnPtr int64s(const std::vector<std::optional<int64_t>>& values) {
  engine::ColumnBuilder builder(DataType::int64());
  for (const auto& value : values) {
    value ? builder.append_int(*value) : builder.append_null();
  }
  return builder.finish();
}
inline ColumnPtr int32s(const std::vector<std::optional<int32_t>>& values) {
  engine::ColumnBuilder builder(DataType::int32());
  for (const auto& value : values) {
    value ? builder.append_int(*value) : builder.append_null();
  }
  return builder.finish();
}
inline ColumnPtr float64s(const std::vector<std::optional<double>>& values) {
  engine::ColumnBuilder builder(DataType::float64());
  for (const auto& value : values) {
    value ? builder.append_double(*value) : builder.append_null();
  }
  return builder.finish();
}
inline ColumnPtr strings(const std::vector<std::optional<std::string>>& values) {
  engine::ColumnBuilder builder(DataType::string());
  for (const auto& value : values) {
    value ? builder.append_string(*value) : builder.append_null();
  }
  return builder.finish();
}
inline ColumnPtr bools(const std::vector<std::optional<bool>>& values) {
  engine::ColumnBuilder builder(DataType::boolean());
  for (const auto& value : values) {
    value ? builder.append_bool(*value) : builder.append_null();
  }
  return builder.finish();
}
/// Decimals of `type` from their text ("-12.50"); text that does not fit is a test bug.
inline ColumnPtr decimals(const DataType& type,
                          const std::vector<std::optional<std::string>>& values) {
  engine::ColumnBuilder builder(type);
  for (const auto& value : values) {
    engine::int128 unscaled = 0;
    if (value && !engine::parse_decimal(*value, type.precision(), type.scale(), unscaled)) {
      throw std::invalid_argument("'" + *value + "' is not a " + type.to_string());
    }
    value ? builder.append_decimal(unscaled) : builder.append_null();
  }
  return builder.finish();
}
inline ColumnPtr dates(const std::vector<std::optional<std::string>>& values) {
  engine::ColumnBuilder builder(DataType::date32());
  for (const auto& value : values) {
    if (value) {
      int32_t days = 0;
      engine::parse_date(*value, days);
      builder.append_int(days);
    } else {
      builder.append_null();
    }
  }
  return builder.finish();
}

/// Every cell of a column as display text ("null" for NULL), for compact assertions.
inline std::vector<std::string> cells(const engine::Column& column) {
  std::vector<std::string> out;
  for (int64_t row = 0; row < column.length(); ++row) {
    out.push_back(column.scalar(row).to_display());
  }
  return out;
}
/// Every cell of a table column as display text.
inline std::vector<std::string> cells(const engine::Table& table, std::string_view name) {
  return cells(*table.column(name));
}

}  // namespace setl::testing
