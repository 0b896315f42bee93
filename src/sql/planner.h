// From a statement's syntax tree to a LazyFrame (private). The planner resolves names
// against the catalog, the WITH queries and the FROM clause, turns joins written in
// WHERE into join keys, subqueries into joins (decorrelated: a correlated subquery is
// joined once on its correlation keys, never run per row), and GROUP BY, windows, set
// operations, ORDER BY and LIMIT into the engine's operators. Every name and type is
// checked here, before anything runs.
#pragma once

#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "setl/engine/lazy_frame.h"
#include "sql/ast.h"
#include "sql/relation.h"

namespace setl::sql::detail {

/// The views a statement can name.
class Catalog {
 public:
  virtual ~Catalog() = default;
  /// By lower-case name; nullopt when unknown.
  virtual std::optional<engine::LazyFrame> find(const std::string& name) const = 0;
  virtual std::vector<std::string> names() const = 0;
};

/// How names in an expression resolve, and what they may use.
struct ExprScope {
  Relation* relation = nullptr;
  /// The enclosing query's relation: a name not found here may be a correlated reference.
  const Relation* outer = nullptr;
  /// After GROUP BY or windows: expressions (by sql_text) already computed as columns.
  const std::map<std::string, std::string>* computed = nullptr;
  /// After GROUP BY: column references must be group keys (names the relation before it).
  const Relation* before_grouping = nullptr;
  /// Where the expression stands, for messages ("WHERE", "the select list", ...).
  const char* clause = "";
  /// Inside GROUP BY's aggregates: aggregate calls translate (not nested ones).
  bool aggregates_allowed = false;
  /// Outer references seen while translating (set by the translator).
  bool used_outer = false;
  bool used_inner = false;
};

class Planner {
 public:
  Planner(const Catalog& catalog, std::string_view text);

  /// The query's result with its output column names.
  engine::LazyFrame plan(const Query& query);

  // ---- shared by the planner's files -----------------------------------------------------
  using Ctes = std::map<std::string, Relation>;

  Relation plan_query(const Query& query, const Ctes& ctes);
  Relation plan_select(const Query& query, const Select& select, const Ctes& ctes);
  Relation plan_set_operation(const Query& query, const Ctes& ctes);
  Relation plan_from(const std::vector<TableRefPtr>& from, std::vector<NodePtr>& conditions,
                     const Ctes& ctes);
  Relation plan_table(const TableRef& ref, const Ctes& ctes);
  /// The order to join a comma-separated FROM's tables in (join_order.cc): as written
  /// unless estimates say another order builds far smaller intermediate results.
  /// `filtered`: each table under the conditions on it alone (implied_filter).
  std::vector<size_t> comma_join_order(const std::vector<Relation>& relations,
                                       const std::vector<engine::LazyFrame>& filtered,
                                       const std::vector<NodePtr>& conditions);
  /// Distinct values of `node` (a column of `relation`), if known (join ordering).
  std::optional<double> distinct_values(const Node& node, const Relation& relation);
  /// What `condition` says about `relations[table]` alone, or null if nothing.
  NodePtr implied_filter(const NodePtr& condition, const std::vector<Relation>& relations,
                         size_t table) const;
  Relation join(Relation left, Relation right, TableRef::JoinKind kind, const NodePtr& on,
                const std::vector<std::string>& using_columns, size_t position,
                bool natural = false);
  /// Joins on the equalities between the sides among `conditions`; the others filter a
  /// side (when the join keeps the other's rows), stay a filter above (inner joins) or
  /// become the join's condition.
  Relation join_with(Relation left, Relation right, TableRef::JoinKind kind,
                     const std::vector<NodePtr>& conditions);
  /// ORDER BY and LIMIT over a query's output columns (set operations).
  void order_outputs(Relation& relation, const Query& query);
  /// Joins `right` into `left` on the equalities among `conditions` between them (used
  /// ones are removed); false if there are none.
  bool join_on_equalities(Relation& left, Relation& right, std::vector<NodePtr>& conditions,
                          TableRef::JoinKind kind);

  /// Translates an expression (scalar subqueries in it are joined into scope.relation).
  engine::Expr translate(const Node& node, ExprScope& scope);
  engine::Expr translate_column(const Node& node, ExprScope& scope);
  /// True if every column `node` reads resolves in `relation` (and none only outside).
  bool resolves_in(const Node& node, const Relation& relation) const;
  /// Join key columns for `l` = `r` (brought to a common type where the join needs it).
  std::pair<std::string, std::string> join_keys(Relation& left, engine::Expr l, Relation& right,
                                                engine::Expr r, size_t position);
  /// A column of `relation` holding the expression (the column itself when it is one).
  std::string as_column(Relation& relation, const Node& node, ExprScope& scope);

  // Aggregation and windows (aggregate.cc).
  bool needs_aggregation(const Select& select, const std::vector<OrderItem>& order_by) const;
  Relation aggregate(Relation input, const Select& select, const std::vector<OrderItem>& order_by,
                     std::map<std::string, std::string>& computed);
  void add_windows(Relation& relation, const std::vector<const Node*>& windows, ExprScope& scope,
                   std::map<std::string, std::string>& computed);

  /// An aggregate over the whole of each partition, computed per partition and joined
  /// back; returns the column.
  std::string add_partition_aggregate(Relation& relation, const Node& call,
                                      const engine::WindowSpec& spec,
                                      const std::vector<engine::Expr>& args);

  // Subqueries (subquery.cc).
  /// Applies an [NOT] EXISTS or [NOT] IN (subquery) condition to `relation`.
  void apply_subquery_condition(Relation& relation, const Node& condition, bool negated,
                                const Ctes& ctes);
  /// Joins a scalar subquery's value into scope.relation; returns its column.
  std::string attach_scalar_subquery(const Node& node, ExprScope& scope);

  [[noreturn]] void fail(size_t position, const std::string& message) const;
  const Ctes& current_ctes() const { return *ctes_; }

  struct Correlation;
  /// For a SELECT whose WHERE reads `outer`'s columns: its FROM with its own conditions
  /// applied, and the conditions on `outer`; nullopt when it reads none (plan it whole).
  std::optional<Correlation> correlate(const Query& sub, const Relation& outer, const Ctes& ctes);

 private:
  engine::Expr translate_function(const Node& node, ExprScope& scope);
  /// A function call with its arguments translated: SQL names mapped to the engine's,
  /// count(*) and count(DISTINCT x) included.
  engine::Expr function_call(const Node& node, std::vector<engine::Expr> args);
  engine::Expr translate_binary(const Node& node, ExprScope& scope);
  engine::Expr translate_literal(const Node& node);
  engine::Expr translate_case(const Node& node, ExprScope& scope);

  const Catalog& catalog_;
  std::string_view text_;
  const Ctes* ctes_ = nullptr;  // the WITH queries in scope of what is being planned
  int subqueries_ = 0;
};

/// Which relation an expression reads: 1 `left` only, 2 `right` only, 0 both, neither,
/// unclear, or a subquery.
int side_of(const Node& node, const Relation& left, const Relation& right);
/// Splits an AND chain into its conditions.
void conjuncts(const NodePtr& node, std::vector<NodePtr>& out);
/// Every column reference in `node` outside subqueries.
void column_references(const Node& node, std::vector<const Node*>& out);
/// Every window function call in `node` (not inside subqueries).
void window_calls(const Node& node, std::vector<const Node*>& out);

}  // namespace setl::sql::detail
