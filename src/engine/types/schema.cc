#include "setl/engine/schema.h"

#include "setl/core/error.h"
#include "setl/core/suggest.h"

namespace setl::engine {

std::string Field::to_string() const {
  return name + ": " + type.to_string() + (nullable ? "" : " not null");
}

Schema::Schema(std::vector<Field> fields) : fields_(std::move(fields)) {
  index_.reserve(fields_.size());
  for (size_t i = 0; i < fields_.size(); ++i) {
    if (!index_.emplace(fields_[i].name, i).second) {
      throw SchemaError("duplicate column name \"" + fields_[i].name + "\" in schema (" +
                        to_string() + ")");
    }
  }
}

std::vector<std::string> Schema::names() const {
  std::vector<std::string> names;
  names.reserve(fields_.size());
  for (const Field& field : fields_) {
    names.push_back(field.name);
  }
  return names;
}

std::optional<size_t> Schema::find(std::string_view name) const {
  if (fields_.size() <= 16) {
    for (size_t i = 0; i < fields_.size(); ++i) {
      if (fields_[i].name == name) {
        return i;
      }
    }
    return std::nullopt;
  }
  auto found = index_.find(std::string(name));
  return found == index_.end() ? std::nullopt : std::optional<size_t>(found->second);
}

size_t Schema::index_of(std::string_view name) const {
  if (std::optional<size_t> index = find(name)) {
    return *index;
  }
  std::string message = "no column \"" + std::string(name) + "\"";
  if (std::optional<std::string> suggestion = closest_match(name, names())) {
    message += "; did you mean \"" + *suggestion + "\"?";
  }
  std::string columns;
  for (const Field& field : fields_) {
    columns += (columns.empty() ? "" : ", ") + field.name;
  }
  throw SchemaError(message + " (columns: " + (columns.empty() ? "none" : columns) + ")");
}

std::string Schema::to_string() const {
  std::string text;
  for (const Field& field : fields_) {
    text += (text.empty() ? "" : ", ") + field.to_string();
  }
  return text;
}

}  // namespace setl::engine
