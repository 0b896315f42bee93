// YAML text to the document tree, remembering where each key was written.
#include <charconv>

#include <yaml-cpp/yaml.h>

#include "config_document.h"
#include "setl/core/error.h"

namespace setl::config_detail {

bool parse_int(std::string_view text, int64_t& out) {
  if (!text.empty() && text.front() == '+') {
    text.remove_prefix(1);
  }
  auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), out);
  return error == std::errc() && end == text.data() + text.size() && !text.empty();
}

bool parse_double(std::string_view text, double& out) {
  if (!text.empty() && text.front() == '+') {
    text.remove_prefix(1);
  }
  auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), out);
  return error == std::errc() && end == text.data() + text.size() && !text.empty();
}

// YAML 1.2 core schema for plain (unquoted) scalars.
Json yaml_plain_scalar(const std::string& text) {
  if (text.empty() || text == "~" || text == "null" || text == "Null" || text == "NULL") {
    return nullptr;
  }
  if (text == "true" || text == "True" || text == "TRUE") {
    return true;
  }
  if (text == "false" || text == "False" || text == "FALSE") {
    return false;
  }
  int64_t integer = 0;
  if (parse_int(text, integer)) {
    return integer;
  }
  double number = 0;
  if (text.find_first_of("0123456789") != std::string::npos && parse_double(text, number)) {
    return number;
  }
  return text;
}

namespace {

struct YamlBudget {
  std::string source;
  int64_t values = 0;
};

std::string mark_text(const YAML::Mark& mark) {
  return std::to_string(mark.line + 1) + ":" + std::to_string(mark.column + 1);
}

Json yaml_to_json(const YAML::Node& node, const std::string& path, Locations& locations,
                  YamlBudget& budget, int depth) {
  if (depth > kMaxConfigDepth) {
    throw ConfigError(budget.source + ":" + mark_text(node.Mark()) + ": nesting deeper than " +
                      std::to_string(kMaxConfigDepth) + " levels");
  }
  if (++budget.values > kMaxConfigValues) {
    throw ConfigError(budget.source + ": the YAML expands to more than " +
                      std::to_string(kMaxConfigValues) +
                      " values (aliases referring to aliases?); refusing to expand it");
  }
  if (!path.empty()) {
    locations[path] = budget.source + ":" + mark_text(node.Mark());
  }
  switch (node.Type()) {
    case YAML::NodeType::Null:
    case YAML::NodeType::Undefined:
      return nullptr;
    case YAML::NodeType::Scalar:
      return node.Tag() == "!" ? Json(node.Scalar()) : yaml_plain_scalar(node.Scalar());
    case YAML::NodeType::Sequence: {
      Json array = Json::array();
      size_t index = 0;
      for (const auto& item : node) {
        array.push_back(yaml_to_json(item, join_key(path, std::to_string(index++)), locations,
                                     budget, depth + 1));
      }
      return array;
    }
    case YAML::NodeType::Map: {
      Json object = Json::object();
      for (const auto& entry : node) {
        std::string key = entry.first.Scalar();
        object[key] = yaml_to_json(entry.second, join_key(path, key), locations, budget, depth + 1);
      }
      return object;
    }
  }
  return nullptr;
}

}  // namespace

ConfigDocument read_yaml_text(std::string_view text, const std::string& source) {
  YAML::Node node;
  try {
    node = YAML::Load(std::string(text));
  } catch (const YAML::Exception& error) {
    throw ConfigError(source + ":" + mark_text(error.mark) + ": invalid YAML: " + error.msg);
  }
  ConfigDocument document;
  YamlBudget budget{source};
  document.root = yaml_to_json(node, "", document.locations, budget, 0);
  return document;
}

}  // namespace setl::config_detail
