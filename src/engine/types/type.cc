#include "setl/engine/type.h"

#include <algorithm>
#include <cctype>

#include "setl/core/error.h"

namespace setl::engine {

DataType DataType::timestamp(std::string zone) {
  DataType type(TypeId::kTimestamp);
  type.zone_ = std::move(zone);
  return type;
}

int DataType::byte_width() const noexcept {
  switch (id_) {
    case TypeId::kInt32:
    case TypeId::kDate32:
      return 4;
    case TypeId::kInt64:
    case TypeId::kFloat64:
    case TypeId::kTimestamp:
      return 8;
    default:
      return 0;
  }
}

std::string DataType::to_string() const {
  switch (id_) {
    case TypeId::kNull:
      return "null";
    case TypeId::kBool:
      return "bool";
    case TypeId::kInt32:
      return "int32";
    case TypeId::kInt64:
      return "int64";
    case TypeId::kFloat64:
      return "float64";
    case TypeId::kString:
      return "string";
    case TypeId::kDate32:
      return "date32";
    case TypeId::kTimestamp:
      return zone_.empty() ? "timestamp[us]" : "timestamp[us, tz=" + zone_ + "]";
  }
  return "unknown";
}

DataType parse_type(std::string_view name) {
  std::string lower(name);
  std::transform(lower.begin(), lower.end(), lower.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  if (lower == "bool" || lower == "boolean") {
    return DataType::boolean();
  }
  if (lower == "int32" || lower == "int" || lower == "integer") {
    return DataType::int32();
  }
  if (lower == "int64" || lower == "bigint" || lower == "long") {
    return DataType::int64();
  }
  if (lower == "float64" || lower == "double" || lower == "float" || lower == "real") {
    return DataType::float64();
  }
  if (lower == "string" || lower == "text" || lower == "varchar" || lower == "utf8") {
    return DataType::string();
  }
  if (lower == "date32" || lower == "date") {
    return DataType::date32();
  }
  if (lower == "timestamp" || lower == "timestamp[us]") {
    return DataType::timestamp();
  }
  const std::string prefix = "timestamp[us, tz=";
  if (lower.starts_with(prefix) && lower.ends_with("]")) {
    return DataType::timestamp(
        std::string(name.substr(prefix.size(), name.size() - prefix.size() - 1)));
  }
  throw ParseError("unknown type '" + std::string(name) +
                   "'; expected bool, int32, int64, float64, string, date32 or timestamp");
}

}  // namespace setl::engine
