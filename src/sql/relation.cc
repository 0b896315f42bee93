#include "sql/relation.h"

#include <algorithm>
#include <cctype>
#include <set>

#include "setl/core/error.h"
#include "setl/engine/functions.h"

namespace setl::sql::detail {
namespace {

// A value of the type standing in for NULL in a null-safe key (the flag tells them apart).
engine::Expr placeholder(const engine::DataType& type) {
  switch (type.id()) {
    case engine::TypeId::kString:
      return engine::lit("");
    case engine::TypeId::kBool:
      return engine::lit(false);
    case engine::TypeId::kNull:
      return engine::lit(0);
    default:
      return engine::lit(0).cast(type);
  }
}

}  // namespace

bool same_ignoring_case(const std::string& a, const std::string& b) {
  return a.size() == b.size() &&
         std::equal(a.begin(), a.end(), b.begin(), [](unsigned char x, unsigned char y) {
           return std::tolower(x) == std::tolower(y);
         });
}

std::string Relation::add_hidden(const engine::Expr& value, const std::string& prefix,
                                 const Relation* other) {
  std::string name = fresh(prefix);
  for (int n = 2; other != nullptr && other->uses(name); ++n) {
    name = fresh(prefix + "#" + std::to_string(n));
  }
  frame = frame.with_column(name, value);
  columns.push_back({"", name, name, true});
  return name;
}

std::vector<RelationColumn> Relation::visible() const {
  std::vector<RelationColumn> out;
  for (const RelationColumn& column : columns) {
    if (!column.hidden) {
      out.push_back(column);
    }
  }
  return out;
}

bool Relation::uses(const std::string& internal) const {
  return std::any_of(columns.begin(), columns.end(),
                     [&](const RelationColumn& c) { return c.internal == internal; });
}

std::string Relation::fresh(const std::string& base) const {
  if (!uses(base) && !base.empty()) {
    return base;
  }
  for (int n = 2;; ++n) {
    std::string candidate = base + "#" + std::to_string(n);
    if (!uses(candidate)) {
      return candidate;
    }
  }
}

Lookup lookup(const Relation& relation, const std::vector<std::string>& names) {
  Lookup result;
  if (names.empty() || names.size() > 2) {
    return result;
  }
  const std::string& column = names.back();
  const std::string* qualifier = names.size() == 2 ? &names[0] : nullptr;
  for (bool exact : {true, false}) {
    for (const RelationColumn& candidate : relation.columns) {
      if (candidate.hidden) {
        continue;
      }
      bool name_matches =
          exact ? candidate.name == column : same_ignoring_case(candidate.name, column);
      bool qualifier_matches =
          qualifier == nullptr || (exact ? candidate.qualifier == *qualifier
                                         : same_ignoring_case(candidate.qualifier, *qualifier));
      if (name_matches && qualifier_matches) {
        result.matches.push_back(&candidate);
      }
    }
    if (!result.matches.empty()) {
      return result;
    }
  }
  return result;
}

engine::DataType common_type(const engine::DataType& a, const engine::DataType& b) {
  if (a == b) {
    return a;
  }
  engine::Schema schema({{"a", a, true}, {"b", b, true}});
  return engine::result_type(engine::fn::coalesce({engine::col("a"), engine::col("b")}), schema);
}

void make_unique_against(Relation& right, const Relation& left) {
  std::vector<std::pair<std::string, std::string>> renames;
  std::set<std::string> taken;
  for (const RelationColumn& column : left.columns) {
    taken.insert(column.internal);
  }
  for (const RelationColumn& column : right.columns) {
    taken.insert(column.internal);
  }
  for (RelationColumn& column : right.columns) {
    if (!left.uses(column.internal)) {
      continue;
    }
    std::string base =
        column.qualifier.empty() ? column.internal : column.qualifier + "." + column.name;
    std::string candidate = base;
    for (int n = 2; taken.count(candidate) > 0; ++n) {
      candidate = base + "#" + std::to_string(n);
    }
    taken.insert(candidate);
    renames.emplace_back(column.internal, candidate);
    column.internal = candidate;
  }
  if (!renames.empty()) {
    right.frame = right.frame.rename(renames);
  }
}

std::pair<std::vector<std::string>, std::vector<std::string>> null_safe_keys(
    Relation& left, const std::vector<std::string>& left_columns, Relation& right,
    const std::vector<std::string>& right_columns) {
  engine::SchemaPtr left_schema = left.frame.schema();
  engine::SchemaPtr right_schema = right.frame.schema();
  std::pair<std::vector<std::string>, std::vector<std::string>> keys;
  for (size_t i = 0; i < left_columns.size(); ++i) {
    const engine::Field& l = left_schema->field(left_schema->index_of(left_columns[i]));
    const engine::Field& r = right_schema->field(right_schema->index_of(right_columns[i]));
    engine::DataType type = common_type(l.type, r.type);
    auto add = [&](Relation& relation, const engine::Field& field, std::vector<std::string>& out,
                   const Relation& other) {
      engine::Expr column =
          field.type == type ? engine::col(field.name) : engine::col(field.name).cast(type);
      if (!l.nullable && !r.nullable) {
        out.push_back(field.type == type ? field.name
                                         : relation.add_hidden(column, "__setl_key", &other));
        return;
      }
      out.push_back(relation.add_hidden(engine::fn::coalesce({column, placeholder(type)}),
                                        "__setl_key", &other));
      out.push_back(relation.add_hidden(engine::col(field.name).is_null(), "__setl_null", &other));
    };
    add(left, l, keys.first, right);
    add(right, r, keys.second, left);
  }
  return keys;
}

}  // namespace setl::sql::detail
