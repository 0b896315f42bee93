// The canonical text of a cell that the Arrow IPC oracles compare on both sides (see
// arrow_ipc_oracle_files.cc and arrow_ipc_write.mjs): integers, dates (days), timestamps
// (microseconds) and decimals (unscaled) as integers, doubles in their shortest form,
// booleans as true/false, strings as they are; null for NULL.
#pragma once

#include <string>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "setl/engine/column.h"
#include "setl/engine/decimal.h"

namespace setl::oracle {

inline nlohmann::json canonical_cell(const engine::Column& column, int64_t row) {
  using engine::TypeId;
  if (column.is_null(row)) {
    return nullptr;
  }
  int64_t at = column.offset() + row;
  const auto& values = column.values_buffer();
  switch (column.type().id()) {
    case TypeId::kBool:
      return column.bool_value(row) ? "true" : "false";
    case TypeId::kInt32:
    case TypeId::kDate32:
      return std::to_string(values->data_as<int32_t>()[at]);
    case TypeId::kInt64:
    case TypeId::kTimestamp:
      return std::to_string(values->data_as<int64_t>()[at]);
    case TypeId::kFloat64:
      return fmt::format("{}", values->data_as<double>()[at]);
    case TypeId::kDecimal:
      return engine::format_decimal(values->data_as<engine::int128>()[at], 0);
    case TypeId::kString:
      return std::string(column.string_value(row));
    default:
      return nullptr;
  }
}

}  // namespace setl::oracle
