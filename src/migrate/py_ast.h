// Reading the helper's JSON syntax tree: every accessor tolerates a missing or mistyped
// field (the tree is checked input, not trusted structure).
#pragma once

#include <string>

#include <nlohmann/json.hpp>

namespace setl::migrate::ast {

using Json = nlohmann::json;

/// The node's Python class name ("Call", "Name"...), or "" when it has none.
inline const std::string& kind_of(const Json& node) {
  static const std::string none;
  if (!node.is_object()) {
    return none;
  }
  auto found = node.find("_type");
  return found != node.end() && found->is_string() ? found->get_ref<const std::string&>() : none;
}

/// A field, or null when the node has no such field.
inline const Json& field(const Json& node, const char* name) {
  static const Json null;
  if (!node.is_object()) {
    return null;
  }
  auto found = node.find(name);
  return found == node.end() ? null : *found;
}

/// An integer field (a line, a column), or 0.
inline int int_field(const Json& node, const char* name) {
  const Json& value = field(node, name);
  return value.is_number_integer() ? value.get<int>() : 0;
}

inline int line_of(const Json& node) {
  return int_field(node, "lineno");
}

}  // namespace setl::migrate::ast
