#include "setl/engine/type.h"

#include <algorithm>
#include <cctype>
#include <optional>

#include "setl/core/error.h"
#include "setl/core/parse_number.h"

namespace setl::engine {

DataType DataType::timestamp(std::string zone) {
  DataType type(TypeId::kTimestamp);
  type.zone_ = std::move(zone);
  return type;
}

DataType DataType::decimal(int precision, int scale) {
  if (precision < 1 || precision > 38 || scale < 0 || scale > precision) {
    throw SchemaError("decimal(" + std::to_string(precision) + "," + std::to_string(scale) +
                      ") is not a decimal type: precision must be 1 to 38 and scale 0 to "
                      "the precision");
  }
  DataType type(TypeId::kDecimal);
  type.precision_ = static_cast<uint8_t>(precision);
  type.scale_ = static_cast<uint8_t>(scale);
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
    case TypeId::kDecimal:
      return 16;
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
    case TypeId::kDecimal:
      return "decimal(" + std::to_string(precision_) + "," + std::to_string(scale_) + ")";
  }
  return "unknown";
}

namespace {
// decimal, decimal(p), decimal(p,s) and numeric(...) with optional blanks; nullopt when
// `lower` is not spelled as a decimal at all.
std::optional<DataType> parse_decimal_type(std::string_view name, const std::string& lower) {
  std::string compact;
  for (char c : lower) {
    if (c != ' ') {
      compact.push_back(c);
    }
  }
  std::string_view rest = compact;
  if (rest.starts_with("decimal")) {
    rest.remove_prefix(7);
  } else if (rest.starts_with("numeric")) {
    rest.remove_prefix(7);
  } else {
    return std::nullopt;
  }
  if (rest.empty()) {
    return DataType::decimal(18, 3);
  }
  auto bad = [&] {
    return ParseError("bad decimal type '" + std::string(name) +
                      "'; expected decimal(precision,scale) such as decimal(15,2)");
  };
  if (rest.front() != '(' || rest.back() != ')') {
    throw bad();
  }
  rest = rest.substr(1, rest.size() - 2);
  int numbers[2] = {0, 0};
  int count = 0;
  for (std::string_view part :
       {rest.substr(0, rest.find(',')), rest.find(',') == std::string_view::npos
                                            ? std::string_view()
                                            : rest.substr(rest.find(',') + 1)}) {
    if (count == 1 && rest.find(',') == std::string_view::npos) {
      break;
    }
    if (part.empty() || part.size() > 3 ||
        part.find_first_not_of("0123456789") != std::string_view::npos) {
      throw bad();
    }
    numbers[count++] = parse_number<int>(part).value_or(0);  // at most three digits
  }
  return DataType::decimal(numbers[0], numbers[1]);
}
}  // namespace

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
  if (std::optional<DataType> decimal = parse_decimal_type(name, lower)) {
    return *decimal;
  }
  throw ParseError("unknown type '" + std::string(name) +
                   "'; expected bool, int32, int64, float64, string, date32, timestamp or "
                   "decimal(precision,scale)");
}

}  // namespace setl::engine
