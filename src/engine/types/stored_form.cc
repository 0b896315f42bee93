#include <set>

#include "engine/expr/expr_node.h"
#include "setl/core/error.h"
#include "setl/core/suggest.h"
#include "setl/engine/annotations.h"
#include "setl/engine/functions.h"

namespace setl::engine {
namespace {

// What the annotations say, field by field, once checked.
struct Parsed {
  std::map<std::string, std::string> renamed;
  std::set<std::string> compressed;
  std::map<std::string, std::map<int, std::string>> keys;  // id -> position -> field
};

class AnnotationReader {
 public:
  AnnotationReader(const Schema& declared, std::string_view type_name)
      : declared_(declared), type_name_(type_name) {}

  Parsed read(const std::vector<Annotation>& annotations) {
    Parsed parsed;
    for (const Annotation& annotation : annotations) {
      if (const auto* rename = std::get_if<ColumnName>(&annotation)) {
        require_field(rename->field, "column_name");
        if (rename->stored.empty()) {
          throw fail("column_name(\"" + rename->field + "\") needs a non-empty column name");
        }
        if (!parsed.renamed.emplace(rename->field, rename->stored).second) {
          throw fail("field \"" + rename->field + "\" has two column_name annotations");
        }
      } else if (const auto* key = std::get_if<CompoundKey>(&annotation)) {
        require_field(key->field, "compound_key");
        if (key->id.empty()) {
          throw fail("compound_key(\"" + key->field + "\") needs a non-empty key id");
        }
        auto [at, added] = parsed.keys[key->id].emplace(key->position, key->field);
        if (!added) {
          throw fail("compound key \"" + key->id + "\" has two fields at position " +
                     std::to_string(key->position) + " (\"" + at->second + "\" and \"" +
                     key->field + "\")");
        }
      } else {
        const std::string& field = std::get<Compress>(annotation).field;
        require_field(field, "compress");
        if (!parsed.compressed.insert(field).second) {
          throw fail("field \"" + field + "\" is compressed twice");
        }
      }
    }
    return parsed;
  }

  SchemaError fail(const std::string& why) const {
    return SchemaError("the annotations of " + std::string(type_name_) + ": " + why);
  }

 private:
  void require_field(const std::string& field, const char* annotation) const {
    if (declared_.find(field)) {
      return;
    }
    std::string message = std::string(annotation) + "(\"" + field + "\"): no such field";
    if (auto suggestion = closest_match(field, declared_.names())) {
      message += "; did you mean \"" + *suggestion + "\"?";
    }
    throw fail(message + " (fields: " + declared_.to_string() + ")");
  }

  const Schema& declared_;
  std::string_view type_name_;
};

Expr as_text(const Field& field) {
  Expr column = col(field.name);
  return field.type.id() == TypeId::kString ? column : column.cast(DataType::string());
}

Expr replace_columns(const Expr& expr, const std::map<std::string, Expr>& replacements) {
  if (expr.kind() == ExprKind::kColumn) {
    auto found = replacements.find(expr.name());
    return found == replacements.end() ? expr : found->second;
  }
  if (expr.args().empty()) {
    return expr;
  }
  auto node = std::make_shared<detail::ExprNode>(*expr.node());
  for (Expr& arg : node->args) {
    arg = replace_columns(arg, replacements);
  }
  return Expr(std::move(node));
}

}  // namespace

StoredForm::StoredForm(SchemaPtr declared, const std::vector<Annotation>& annotations,
                       std::string_view type_name)
    : declared_(std::move(declared)), identity_(annotations.empty()) {
  AnnotationReader reader(*declared_, type_name);
  Parsed parsed = reader.read(annotations);
  std::vector<Field> stored_fields;
  std::set<std::string> taken;
  auto claim = [&](const std::string& name, const std::string& what) {
    if (!taken.insert(name).second) {
      throw reader.fail(what + " is stored as \"" + name + "\", a name another column has");
    }
  };
  for (const Field& field : declared_->fields()) {
    auto renamed = parsed.renamed.find(field.name);
    std::string stored = renamed == parsed.renamed.end() ? field.name : renamed->second;
    claim(stored, "field \"" + field.name + "\"");
    stored_names_.emplace(field.name, stored);
    bool compressed = parsed.compressed.count(field.name) > 0;
    Expr to = compressed ? fn::compress(as_text(field)) : col(field.name);
    Expr from = col(stored);
    if (compressed) {
      from = fn::decompress(from);
      if (field.type.id() != TypeId::kString) {
        from = from.cast(field.type);
      }
    }
    to_stored_.push_back(to.alias(stored));
    from_stored_.push_back(from.alias(field.name));
    field_from_stored_.emplace(field.name, from);
    stored_fields.push_back({stored, compressed ? DataType::string() : field.type, field.nullable});
  }
  for (const auto& [id, fields] : parsed.keys) {
    std::string name = "_" + id + "_key";
    claim(name, "compound key \"" + id + "\"");
    std::vector<Expr> parts;
    bool nullable = false;
    for (const auto& [position, field_name] : fields) {
      const Field& field = declared_->field(*declared_->find(field_name));
      if (!parts.empty()) {
        parts.push_back(lit("-"));
      }
      parts.push_back(as_text(field));
      nullable = nullable || field.nullable;
    }
    to_stored_.push_back(fn::concat(std::move(parts)).alias(name));
    key_columns_.push_back(name);
    stored_fields.push_back({name, DataType::string(), nullable});
  }
  stored_ = std::make_shared<Schema>(std::move(stored_fields));
}

const std::string& StoredForm::stored_name(std::string_view field) const {
  auto found = stored_names_.find(field);
  if (found == stored_names_.end()) {
    throw SchemaError("no field \"" + std::string(field) + "\" in " + declared_->to_string());
  }
  return found->second;
}

Expr StoredForm::on_stored(const Expr& condition) const {
  return identity_ ? condition : replace_columns(condition, field_from_stored_);
}

}  // namespace setl::engine
