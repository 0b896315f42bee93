// How a SETL_SCHEMA struct is stored, SETL's field annotations:
//
//   struct Citizen { std::string name; int64_t age; std::string country; std::string city;
//                    std::string notes; };
//   SETL_SCHEMA(Citizen, name, age, country, city, notes)
//   SETL_ANNOTATE(Citizen,
//                 setl::engine::column_name("name", "full_name"),        // @ColumnName
//                 setl::engine::compound_key("country", "location", 1),  // @CompoundKey
//                 setl::engine::compound_key("city", "location", 2),
//                 setl::engine::compress("notes"))                       // @Compress
//
// In memory a Dataset<Citizen> has the fields' names; stored (through a Repository, or
// write_dataset/read_dataset on a connector) the table has the column full_name, a
// generated string column _location_key ("France-Paris": the key's fields in position
// order joined by "-", NULL if one is NULL) and notes as compress() text. Reads turn the
// stored form back; the generated key columns are dropped.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "setl/engine/expr.h"
#include "setl/engine/schema.h"

namespace setl::engine {

/// SETL's @ColumnName: the field is stored as the column `stored`.
struct ColumnName {
  std::string field;
  std::string stored;
};
/// SETL's @CompoundKey(id, position): the fields sharing `id` make the stored column
/// "_<id>_key", their values as text joined by "-" in `position` order.
struct CompoundKey {
  std::string field;
  std::string id;
  int position = 0;
};
/// SETL's @Compress: the field is stored as compress() text (zstd, base64); values of
/// other types than string are compressed as their text and cast back when read.
struct Compress {
  std::string field;
};

using Annotation = std::variant<ColumnName, CompoundKey, Compress>;

inline Annotation column_name(std::string field, std::string stored) {
  return ColumnName{std::move(field), std::move(stored)};
}
inline Annotation compound_key(std::string field, std::string id, int position) {
  return CompoundKey{std::move(field), std::move(id), position};
}
inline Annotation compress(std::string field) {
  return Compress{std::move(field)};
}

/// The annotations of T; SETL_ANNOTATE specializes it.
template <class T>
struct AnnotationsOf {
  static std::vector<Annotation> annotations() { return {}; }
};

/// The stored form of a declared schema under its annotations, and the projections that
/// convert between the two.
class StoredForm {
 public:
  /// Throws: SchemaError naming the type for an annotation of an unknown field (with the
  /// closest name), two columns stored under one name, a field renamed twice or
  /// compressed twice, or a compound key with a repeated position.
  StoredForm(SchemaPtr declared, const std::vector<Annotation>& annotations,
             std::string_view type_name);

  /// True if the stored form is the declared one (no annotations).
  bool identity() const noexcept { return identity_; }
  const SchemaPtr& declared_schema() const noexcept { return declared_; }
  /// The columns as stored: renamed, compressed ones as strings, then the key columns.
  const SchemaPtr& stored_schema() const noexcept { return stored_; }
  /// The stored column of a field. Throws: SchemaError for an unknown field.
  const std::string& stored_name(std::string_view field) const;
  /// The generated compound-key columns ("_<id>_key"), ordered by id.
  const std::vector<std::string>& key_columns() const noexcept { return key_columns_; }

  /// Over declared columns, producing the stored ones (Table::select, LazyFrame::select).
  const std::vector<Expr>& to_stored() const noexcept { return to_stored_; }
  /// Over stored columns, producing the declared ones (key columns dropped).
  const std::vector<Expr>& from_stored() const noexcept { return from_stored_; }
  /// `condition` over the fields rewritten over the stored columns (a renamed field
  /// becomes its column, a compressed one decompress(column)), for deletes run by the
  /// store itself.
  Expr on_stored(const Expr& condition) const;

 private:
  SchemaPtr declared_;
  SchemaPtr stored_;
  bool identity_ = true;
  std::map<std::string, std::string, std::less<>> stored_names_;
  std::map<std::string, Expr> field_from_stored_;
  std::vector<std::string> key_columns_;
  std::vector<Expr> to_stored_;
  std::vector<Expr> from_stored_;
};

}  // namespace setl::engine

/// Declares the annotations of a SETL_SCHEMA struct, at global namespace scope.
#define SETL_ANNOTATE(Type, ...)                                                           \
  template <>                                                                              \
  struct setl::engine::AnnotationsOf<Type> {                                               \
    static std::vector<::setl::engine::Annotation> annotations() { return {__VA_ARGS__}; } \
  };
