// What the planner knows about an intermediate result (private): a LazyFrame and, for
// each of its columns, the names SQL may use for it. Engine column names ("internal")
// are unique within a FROM clause; a clash is renamed when two relations are joined.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "setl/engine/lazy_frame.h"
#include "sql/ast.h"

namespace setl::sql::detail {

struct RelationColumn {
  std::string qualifier;    // table alias or name (lower case); empty for none
  std::string name;         // as SQL sees it
  std::string internal;     // the engine column
  bool hidden = false;      // planner's own helper columns: never matched by name
  size_t from_item = 0;     // position in a comma-separated FROM (joins may reorder them)
  std::string from_column;  // the engine column in that FROM table, if it is one
};

struct Relation {
  engine::LazyFrame frame = engine::LazyFrame::from(engine::Table());
  std::vector<RelationColumn> columns;
  /// For a FROM clause's result: each table with the WHERE conditions on it alone. Every
  /// row of the result comes from a row of each (a superset of a column's values there).
  std::vector<engine::LazyFrame> from_tables;

  /// A helper column computed from `value`, invisible to SQL names, named unlike any
  /// column here (and in `other`, which it will be joined with); returns its name.
  std::string add_hidden(const engine::Expr& value, const std::string& prefix,
                         const Relation* other = nullptr);
  /// The visible columns, in order.
  std::vector<RelationColumn> visible() const;
  /// Engine names in use (for fresh ones).
  bool uses(const std::string& internal) const;
  std::string fresh(const std::string& base) const;
};

/// Names compare ignoring ASCII case (SQL names are case-insensitive).
bool same_ignoring_case(const std::string& a, const std::string& b);

/// Where a column reference points; ambiguity and absence are reported by the caller.
struct Lookup {
  std::vector<const RelationColumn*> matches;
};
/// Matches `names` ([qualifier.]column) against the visible columns: exact names first,
/// then ignoring case.
Lookup lookup(const Relation& relation, const std::vector<std::string>& names);

/// The engine type both `a` and `b` convert to (as CASE or COALESCE would give).
engine::DataType common_type(const engine::DataType& a, const engine::DataType& b);

/// Renames `right`'s engine columns that `left` also uses, so that they can be joined.
void make_unique_against(Relation& right, const Relation& left);

/// Join keys under which NULL equals NULL, for pairs of columns of two relations: where
/// either side may be NULL, a value key (NULL as a fixed value) and a null flag, added as
/// hidden columns on both sides. Returns the left and the right key names.
std::pair<std::vector<std::string>, std::vector<std::string>> null_safe_keys(
    Relation& left, const std::vector<std::string>& left_columns, Relation& right,
    const std::vector<std::string>& right_columns);

}  // namespace setl::sql::detail
