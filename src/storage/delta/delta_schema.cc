#include "storage/delta/delta_schema.h"

#include <cmath>
#include <regex>

#include <nlohmann/json.hpp>

#include "setl/core/error.h"
#include "setl/core/parse_number.h"
#include "setl/engine/functions.h"
#include "setl/engine/parse_value.h"

namespace setl::storage::detail {
namespace {

using engine::DataType;
using engine::Expr;
using engine::TypeId;
using Json = nlohmann::json;

DataType type_from_delta(const Json& type, const std::string& column, const std::string& where) {
  if (!type.is_string()) {
    throw SchemaError(where + ": column \"" + column +
                      "\" has a nested type (struct, array or map), which setlpp does not read");
  }
  std::string name = type.get<std::string>();
  static const std::regex kDecimal(R"(^decimal\(\s*(\d+)\s*,\s*(\d+)\s*\)$)");
  std::smatch match;
  if (name == "string")
    return DataType::string();
  if (name == "long")
    return DataType::int64();
  if (name == "integer" || name == "short" || name == "byte")
    return DataType::int32();
  if (name == "double" || name == "float")
    return DataType::float64();
  if (name == "boolean")
    return DataType::boolean();
  if (name == "date")
    return DataType::date32();
  if (name == "timestamp")
    return DataType::timestamp();
  if (std::regex_match(name, match, kDecimal)) {
    std::optional<int> parsed_precision = parse_number<int>(match.str(1));
    std::optional<int> parsed_scale = parse_number<int>(match.str(2));
    int precision = parsed_precision.value_or(0);
    int scale = parsed_scale.value_or(0);
    if (!parsed_precision || !parsed_scale || precision < 1 || precision > 38 ||
        scale > precision) {
      throw SchemaError(where + ": column \"" + column + "\" has an invalid type " + name);
    }
    return DataType::decimal(precision, scale);
  }
  throw SchemaError(where + ": column \"" + column + "\" has type " + name +
                    ", which setlpp does not read");
}

std::string type_to_delta(const DataType& type, const std::string& column) {
  switch (type.id()) {
    case TypeId::kString:
      return "string";
    case TypeId::kInt64:
      return "long";
    case TypeId::kInt32:
      return "integer";
    case TypeId::kFloat64:
      return "double";
    case TypeId::kBool:
      return "boolean";
    case TypeId::kDate32:
      return "date";
    case TypeId::kTimestamp:
      return "timestamp";
    case TypeId::kDecimal:
      return "decimal(" + std::to_string(type.precision()) + "," + std::to_string(type.scale()) +
             ")";
    default:
      throw SchemaError("column \"" + column + "\" has type " + type.to_string() +
                        ", which a Delta table cannot hold");
  }
}

}  // namespace

engine::SchemaPtr schema_from_delta(const std::string& schema_string, const std::string& where) {
  Json schema;
  try {
    schema = Json::parse(schema_string, [](int depth, Json::parse_event_t, Json&) {
      if (depth > 64) {
        throw ParseError("the schema nests deeper than 64");
      }
      return true;
    });
  } catch (const Json::exception& error) {
    throw ParseError(where + ": schemaString is not JSON: " + error.what());
  }
  if (!schema.is_object() || schema.value("type", "") != "struct" || !schema.contains("fields") ||
      !schema["fields"].is_array()) {
    throw ParseError(where + ": schemaString is not a struct with fields");
  }
  std::vector<engine::Field> fields;
  for (const Json& field : schema["fields"]) {
    if (!field.is_object() || !field.contains("name") || !field["name"].is_string() ||
        !field.contains("type")) {
      throw ParseError(where + ": a schema field lacks a name or a type");
    }
    std::string name = field["name"].get<std::string>();
    bool nullable = !field.contains("nullable") || !field["nullable"].is_boolean() ||
                    field["nullable"].get<bool>();
    fields.push_back({name, type_from_delta(field["type"], name, where), nullable});
  }
  return std::make_shared<engine::Schema>(std::move(fields));
}

std::string schema_to_delta(const engine::Schema& schema) {
  Json fields = Json::array();
  for (const engine::Field& field : schema.fields()) {
    fields.push_back({{"name", field.name},
                      {"type", type_to_delta(field.type, field.name)},
                      {"nullable", field.nullable},
                      {"metadata", Json::object()}});
  }
  return Json{{"type", "struct"}, {"fields", fields}}.dump();
}

std::optional<std::string> partition_value_text(const engine::Scalar& value) {
  if (value.is_null()) {
    return std::nullopt;
  }
  switch (value.type().id()) {
    case TypeId::kBool:
      return value.as_bool() ? "true" : "false";
    case TypeId::kString:
      return value.as_string();
    default:
      return value.to_display();  // numbers, yyyy-mm-dd, yyyy-mm-dd hh:mm:ss[.ffffff]
  }
}

engine::Scalar partition_value(const std::optional<std::string>& text, const DataType& type,
                               const std::string& column) {
  if (!text) {
    return engine::Scalar::null(type);
  }
  auto fail = [&]() -> engine::Scalar {
    throw ParseError("Delta partition value '" + *text + "' of column \"" + column +
                     "\" is not a " + type.to_string());
  };
  switch (type.id()) {
    case TypeId::kString:
      return engine::Scalar::string(*text);
    case TypeId::kBool:
      return *text == "true"    ? engine::Scalar::boolean(true)
             : *text == "false" ? engine::Scalar::boolean(false)
                                : fail();
    case TypeId::kInt32:
    case TypeId::kInt64: {
      int64_t value = 0;
      if (!engine::parse_int64(*text, value)) {
        return fail();
      }
      return type.id() == TypeId::kInt64 ? engine::Scalar::int64(value)
                                         : engine::Scalar::int32(static_cast<int32_t>(value));
    }
    case TypeId::kFloat64: {
      double value = 0;
      return engine::parse_float64(*text, value) ? engine::Scalar::float64(value) : fail();
    }
    case TypeId::kDate32: {
      int32_t days = 0;
      return engine::parse_date(*text, days) ? engine::Scalar::date32(days) : fail();
    }
    case TypeId::kTimestamp: {
      int64_t micros = 0;
      std::string stamp = *text;
      if (stamp.size() > 10 && stamp[10] == 'T') {
        stamp[10] = ' ';
      }
      if (!stamp.empty() && stamp.back() == 'Z') {
        stamp.pop_back();
      }
      return engine::parse_timestamp(stamp, micros) ? engine::Scalar::timestamp(micros) : fail();
    }
    case TypeId::kDecimal: {
      engine::int128 unscaled = 0;
      return engine::parse_decimal(*text, type.precision(), type.scale(), unscaled)
                 ? engine::Scalar::decimal(unscaled, type.precision(), type.scale())
                 : fail();
    }
    default:
      return fail();
  }
}

namespace {

bool has_order(TypeId id) {
  return id == TypeId::kInt32 || id == TypeId::kInt64 || id == TypeId::kFloat64 ||
         id == TypeId::kDate32 || id == TypeId::kTimestamp || id == TypeId::kString;
}

Json stat_json(const engine::Scalar& value) {
  switch (value.type().id()) {
    case TypeId::kInt32:
    case TypeId::kInt64:
      return value.as_int();
    case TypeId::kFloat64:
      return value.as_double();
    case TypeId::kString:
      return value.as_string();
    default:
      return value.to_display();
  }
}

}  // namespace

std::string delta_file_stats(const engine::Table& rows) {
  // One aggregation over the rows: per column its non-NULL count, and bounds where the
  // type is ordered.
  std::vector<Expr> aggregates;
  for (const engine::Field& field : rows.schema()->fields()) {
    const std::string& name = field.name;
    aggregates.push_back(engine::fn::count(engine::col(name)).alias("n:" + name));
    if (has_order(field.type.id())) {
      aggregates.push_back(engine::fn::min(engine::col(name)).alias("lo:" + name));
      aggregates.push_back(engine::fn::max(engine::col(name)).alias("hi:" + name));
    }
  }
  engine::Table totals = rows.aggregate(aggregates);
  Json minimum = Json::object();
  Json maximum = Json::object();
  Json nulls = Json::object();
  for (const engine::Field& field : rows.schema()->fields()) {
    const std::string& name = field.name;
    nulls[name] = rows.num_rows() - totals.at(0, "n:" + name).as_int();
    if (!has_order(field.type.id())) {
      continue;
    }
    engine::Scalar lo = totals.at(0, "lo:" + name);
    engine::Scalar hi = totals.at(0, "hi:" + name);
    if (lo.is_null() || hi.is_null()) {
      continue;  // only NULLs
    }
    if (field.type.id() == TypeId::kString &&
        (lo.as_string().size() > 32 || hi.as_string().size() > 32)) {
      continue;  // a cut maximum would no longer bound the column
    }
    if (field.type.id() == TypeId::kFloat64 &&
        (std::isnan(lo.as_double()) || std::isnan(hi.as_double()))) {
      continue;
    }
    minimum[name] = stat_json(lo);
    maximum[name] = stat_json(hi);
  }
  return Json{{"numRecords", rows.num_rows()},
              {"minValues", minimum},
              {"maxValues", maximum},
              {"nullCount", nulls}}
      .dump();
}

}  // namespace setl::storage::detail
