// The names, types and nullability of a table's columns.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "setl/engine/type.h"

namespace setl::engine {

struct Field {
  std::string name;
  DataType type;
  bool nullable = true;

  std::string to_string() const;
  friend bool operator==(const Field& a, const Field& b) {
    return a.name == b.name && a.type == b.type && a.nullable == b.nullable;
  }
};

class Schema {
 public:
  Schema() = default;
  /// Throws: SchemaError if two fields share a name.
  explicit Schema(std::vector<Field> fields);

  size_t num_fields() const noexcept { return fields_.size(); }
  const Field& field(size_t index) const { return fields_.at(index); }
  const std::vector<Field>& fields() const noexcept { return fields_; }
  std::vector<std::string> names() const;

  /// Index of the field with this name, if any.
  std::optional<size_t> find(std::string_view name) const;
  /// Index of the field with this name.
  /// Throws: SchemaError `no column "pricee"; did you mean "price"?` listing the columns.
  size_t index_of(std::string_view name) const;

  /// "a: int64, b: string not null"
  std::string to_string() const;
  friend bool operator==(const Schema& a, const Schema& b) { return a.fields_ == b.fields_; }

 private:
  std::vector<Field> fields_;
  // Name -> index for wide schemas (a CSV may have 100,000 columns); small ones scan.
  std::unordered_map<std::string, size_t> index_;
};

using SchemaPtr = std::shared_ptr<const Schema>;

}  // namespace setl::engine
