// Subqueries as joins. An uncorrelated one is planned whole and joined once. A correlated
// one (its WHERE reads columns of the enclosing query) is decorrelated: its equalities
// with the outer query become join keys, its other outer conditions the join's
// condition; EXISTS and IN become semi joins, NOT EXISTS and NOT IN anti joins (NOT IN
// keeps SQL's NULL rules), and a scalar subquery an aggregate by the correlation keys
// joined back with a left join.
#include <algorithm>

#include "setl/core/error.h"
#include "setl/engine/functions.h"
#include "sql/ast_text.h"
#include "sql/planner.h"

namespace setl::sql::detail {
namespace {

using engine::Expr;
using engine::JoinOptions;
using engine::JoinType;
namespace fn = engine::fn;

// How a condition of a subquery's WHERE relates to the enclosing query.
enum class Reads { kInner, kOuter, kBoth, kUnknown };

Reads reads(const Node& node, const Relation& inner, const Relation& outer) {
  std::vector<const Node*> columns;
  column_references(node, columns);
  bool any_inner = false;
  bool any_outer = false;
  for (const Node* column : columns) {
    if (!lookup(inner, column->names).matches.empty()) {
      any_inner = true;
    } else if (lookup(outer, column->names).matches.size() == 1) {
      any_outer = true;
    } else {
      return Reads::kUnknown;  // translating it reports the name
    }
  }
  return any_outer ? (any_inner ? Reads::kBoth : Reads::kOuter) : Reads::kInner;
}

bool nullable(const Relation& relation, const Expr& expr) {
  if (expr.kind() == engine::ExprKind::kLiteral) {
    return expr.literal().is_null();
  }
  if (expr.kind() != engine::ExprKind::kColumn) {
    return true;
  }
  engine::SchemaPtr schema = relation.frame.schema();
  return schema->field(schema->index_of(expr.name())).nullable;
}

// Worth joining `inner` with the outer query's keys before it is aggregated: when those
// keys (`outer`: the outer query, or the FROM table they come from) are expected to be
// much fewer, as for TPC-H Q17's and Q20's subqueries over lineitem.
bool worth_reducing(const engine::LazyFrame& inner, const engine::LazyFrame& outer) {
  constexpr double kRatio = 4;
  std::optional<double> inner_rows = inner.estimated_rows();
  std::optional<double> outer_rows = outer.estimated_rows();
  return inner_rows && outer_rows && *outer_rows * kRatio < *inner_rows;
}

// The FROM table of `outer` that all `keys` are plain columns of, under its own
// conditions, with `values` set to its columns, unless it is expected to give many more
// keys than `outer`; nullopt otherwise.
std::optional<Relation> key_table(const Relation& outer, const std::vector<NodePtr>& keys,
                                  std::vector<Expr>& values) {
  std::optional<size_t> item;
  std::vector<Expr> columns;
  for (const NodePtr& key : keys) {
    if (key->kind != Node::Kind::kColumn) {
      return std::nullopt;
    }
    Lookup found = lookup(outer, key->names);
    if (found.matches.size() != 1 || found.matches[0]->from_column.empty() ||
        (item && *item != found.matches[0]->from_item)) {
      return std::nullopt;
    }
    item = found.matches[0]->from_item;
    columns.push_back(engine::col(found.matches[0]->from_column));
  }
  if (!item || *item >= outer.from_tables.size()) {
    return std::nullopt;
  }
  const engine::LazyFrame& table = outer.from_tables[*item];
  std::optional<double> table_rows = table.estimated_rows();
  std::optional<double> outer_rows = outer.frame.estimated_rows();
  // Keys from the table cost a filtered scan, keys from the outer query its joins again:
  // the table is taken unless it is expected to give many more keys.
  constexpr double kMoreKeys = 4;
  if (!table_rows || !outer_rows || *table_rows > *outer_rows * kMoreKeys) {
    return std::nullopt;
  }
  Relation relation{table, {}};
  for (const engine::Field& field : table.schema()->fields()) {
    relation.columns.push_back({"", field.name, field.name, false});
  }
  values = std::move(columns);
  return relation;
}

}  // namespace

// The parts of a plain SELECT subquery: its FROM planned with its local conditions, and
// the conditions that read the enclosing query.
struct Planner::Correlation {
  Relation inner;
  std::vector<NodePtr> outer_conditions;
};

std::optional<Planner::Correlation> Planner::correlate(const Query& sub, const Relation& outer,
                                                       const Ctes& ctes) {
  if (sub.kind != Query::Kind::kSelect) {
    return std::nullopt;
  }
  const Select& select = *sub.select;
  std::vector<NodePtr> conditions;
  conjuncts(select.where, conditions);
  std::vector<NodePtr> plain;
  std::vector<NodePtr> nested;
  for (const NodePtr& condition : conditions) {
    (is_subquery_condition(*condition) ||
             (condition->kind == Node::Kind::kUnary && condition->name == "not" &&
              is_subquery_condition(*condition->args[0]))
         ? nested
         : plain)
        .push_back(condition);
  }
  Ctes local = ctes;
  for (const auto& [name, cte] : sub.with) {
    local[name] = plan_query(*cte, local);
  }
  Correlation result{plan_from(select.from, plain, local), {}};
  std::vector<NodePtr> own;
  for (const NodePtr& condition : plain) {
    Reads what =
        contains_subquery(*condition) ? Reads::kInner : reads(*condition, result.inner, outer);
    (what == Reads::kOuter || what == Reads::kBoth ? result.outer_conditions : own)
        .push_back(condition);
  }
  if (result.outer_conditions.empty()) {
    return std::nullopt;
  }
  for (const NodePtr& condition : nested) {
    const Node* node = condition.get();
    bool negated = node->kind == Node::Kind::kUnary;
    apply_subquery_condition(result.inner, negated ? *node->args[0] : *node, negated, local);
  }
  if (!own.empty()) {
    ExprScope scope{.relation = &result.inner, .clause = "WHERE"};
    std::optional<Expr> where;
    for (const NodePtr& condition : own) {
      Expr translated = translate(*condition, scope);
      where = where ? *where && translated : translated;
    }
    result.inner.frame = result.inner.frame.filter(*where);
  }
  return result;
}

void Planner::apply_subquery_condition(Relation& relation, const Node& condition, bool negated,
                                       const Ctes& ctes) {
  bool in = condition.kind == Node::Kind::kInQuery;
  negated = negated != condition.negated;
  const Query& sub = *condition.query;
  JoinType type = negated ? JoinType::kAnti : JoinType::kSemi;
  std::optional<Correlation> correlation = correlate(sub, relation, ctes);
  if (!correlation) {
    Relation result = plan_query(sub, ctes);
    std::vector<RelationColumn> columns = result.visible();
    if (!in) {
      result.frame = result.frame.limit(1);
      relation.frame = relation.frame.join(result.frame, {}, {}, JoinOptions{type, "_right", {}});
      return;
    }
    if (columns.size() != 1) {
      fail(condition.position, "the subquery of IN must return one column; it returns " +
                                   std::to_string(columns.size()));
    }
    make_unique_against(result, relation);
    ExprScope scope{.relation = &relation, .clause = "WHERE"};
    Expr value = translate(*condition.args[0], scope);
    bool may_be_null =
        nullable(relation, value) || nullable(result, engine::col(result.visible()[0].internal));
    auto [left, right] = join_keys(relation, value, result,
                                   engine::col(result.visible()[0].internal), condition.position);
    engine::LazyFrame joined = relation.frame.join(result.frame, {left}, {right}, type);
    if (!negated || !may_be_null) {
      relation.frame = joined;
      return;
    }
    // x NOT IN (s): no s equals x, and x is not NULL and s holds no NULL, or s is empty.
    std::string all = relation.fresh("__setl_in_rows");
    std::string known = relation.fresh("__setl_in_values");
    engine::LazyFrame counts = result.frame.aggregate(
        {fn::count_all().alias(all), fn::count(engine::col(right)).alias(known)});
    relation.frame = joined.cross_join(counts).filter(
        (engine::col(left).is_not_null() && engine::col(all) == engine::col(known)) ||
        engine::col(all) == 0);
    relation.columns.push_back({"", all, all, true});
    relation.columns.push_back({"", known, known, true});
    return;
  }
  const Select& select = *sub.select;
  if (select.group_by || select.having || sub.limit || sub.offset > 0 ||
      std::any_of(select.items.begin(), select.items.end(),
                  [](const SelectItem& item) { return item.expr && has_aggregate(*item.expr); })) {
    fail(condition.position,
         "a correlated subquery in EXISTS or IN cannot aggregate, group or limit; "
         "join an aggregated subquery in FROM instead");
  }
  Relation& inner = correlation->inner;
  make_unique_against(inner, relation);
  std::vector<std::string> left_on;
  std::vector<std::string> right_on;
  std::vector<Expr> residual;
  ExprScope inner_scope{.relation = &inner, .clause = "WHERE"};
  ExprScope outer_scope{.relation = &relation, .clause = "WHERE"};
  for (const NodePtr& node : correlation->outer_conditions) {
    if (node->kind == Node::Kind::kBinary && node->name == "=") {
      Reads a = reads(*node->args[0], inner, relation);
      Reads b = reads(*node->args[1], inner, relation);
      if ((a == Reads::kInner && b == Reads::kOuter) ||
          (a == Reads::kOuter && b == Reads::kInner)) {
        const Node& inner_side = a == Reads::kInner ? *node->args[0] : *node->args[1];
        const Node& outer_side = a == Reads::kInner ? *node->args[1] : *node->args[0];
        auto [l, r] = join_keys(relation, translate(outer_side, outer_scope), inner,
                                translate(inner_side, inner_scope), node->position);
        left_on.push_back(l);
        right_on.push_back(r);
        continue;
      }
    }
    ExprScope both{.relation = &inner, .outer = &relation, .clause = "WHERE"};
    residual.push_back(translate(*node, both));
  }
  if (in) {
    if (select.items.size() != 1 || select.items[0].star) {
      fail(condition.position, "the subquery of IN must return one column");
    }
    Expr value = translate(*condition.args[0], outer_scope);
    Expr candidate = translate(*select.items[0].expr, inner_scope);
    if (!negated || (!nullable(relation, value) && !nullable(inner, candidate))) {
      auto [l, r] = join_keys(relation, value, inner, candidate, condition.position);
      left_on.push_back(l);
      right_on.push_back(r);
    } else {
      // A pair that keeps x NOT IN (...) from being TRUE: equal, or either side NULL.
      residual.push_back(value == candidate || value.is_null() || candidate.is_null());
    }
  }
  std::optional<Expr> joined_condition;
  for (const Expr& part : residual) {
    joined_condition = joined_condition ? *joined_condition && part : part;
  }
  relation.frame = relation.frame.join(inner.frame, left_on, right_on,
                                       JoinOptions{type, "_right", joined_condition});
}

std::string Planner::attach_scalar_subquery(const Node& node, ExprScope& scope) {
  Relation& outer = *scope.relation;
  const Query& sub = *node.query;
  const Ctes& ctes = current_ctes();
  std::optional<Correlation> correlation = correlate(sub, outer, ctes);
  std::string value_name = outer.fresh("__setl_subquery_" + std::to_string(++subqueries_));
  if (!correlation) {
    Relation result = plan_query(sub, ctes);
    std::vector<RelationColumn> columns = result.visible();
    if (columns.size() != 1) {
      fail(node.position, "a scalar subquery must return one column; this one returns " +
                              std::to_string(columns.size()));
    }
    Expr value = engine::col(columns[0].internal);
    bool one_row = sub.kind == Query::Kind::kSelect && !sub.select->group_by &&
                   !sub.select->having && sub.offset == 0 && (!sub.limit || *sub.limit > 0) &&
                   needs_aggregation(*sub.select, sub.order_by);
    Relation single;
    if (one_row) {
      single.frame = result.frame.select({value.alias(value_name)});
    } else {
      // At most one row, checked when it runs; none gives NULL.
      std::string rows = value_name + "_rows";
      single.frame =
          result.frame.aggregate({fn::first(value).alias(value_name), fn::count_all().alias(rows)})
              .filter(fn::assert_true(engine::col(rows) <= 1,
                                      engine::lit("more than one row returned by a scalar "
                                                  "subquery used as a value"))
                          .is_null())
              .select({engine::col(value_name)});
    }
    single.columns.push_back({"", value_name, value_name, true});
    outer.frame = outer.frame.cross_join(single.frame);
    outer.columns.push_back(single.columns.back());
    return value_name;
  }
  const Select& select = *sub.select;
  if (select.items.size() != 1 || select.items[0].star || select.group_by ||
      !has_aggregate(*select.items[0].expr)) {
    fail(node.position,
         "a correlated scalar subquery must compute one aggregate without GROUP BY, such as "
         "(SELECT max(x) FROM t WHERE t.k = outer.k)");
  }
  // The subquery grouped by its correlation keys: one row per key, joined back.
  Relation& inner = correlation->inner;
  std::vector<NodePtr> inner_keys;
  std::vector<NodePtr> outer_keys;
  for (const NodePtr& condition : correlation->outer_conditions) {
    Reads a = condition->kind == Node::Kind::kBinary && condition->name == "="
                  ? reads(*condition->args[0], inner, outer)
                  : Reads::kUnknown;
    Reads b = a == Reads::kUnknown ? Reads::kUnknown : reads(*condition->args[1], inner, outer);
    if (!((a == Reads::kInner && b == Reads::kOuter) ||
          (a == Reads::kOuter && b == Reads::kInner))) {
      fail(condition->position,
           "a correlated scalar subquery may only compare its columns with the outer query's "
           "by equality");
    }
    inner_keys.push_back(a == Reads::kInner ? condition->args[0] : condition->args[1]);
    outer_keys.push_back(a == Reads::kInner ? condition->args[1] : condition->args[0]);
  }
  ExprScope inner_scope{.relation = &inner, .clause = "the subquery"};
  std::vector<std::string> key_columns;
  for (const NodePtr& key : inner_keys) {
    key_columns.push_back(as_column(inner, *key, inner_scope));
  }
  // Only the keys the outer query has are aggregated, a semi join with them first: TPC-H
  // Q17's subquery then averages the quantities of the parts the query selected, not of
  // every part. The keys come from the outer query, or, when they are columns of one of
  // its FROM tables and that table under its own conditions is smaller, from there (a
  // superset of the keys, without running the outer query's joins twice).
  std::vector<Expr> outer_key_values;
  Relation outer_keys_only = outer;
  ExprScope keys_scope{.relation = &outer_keys_only, .clause = scope.clause};
  for (const NodePtr& key : outer_keys) {
    outer_key_values.push_back(translate(*key, keys_scope));
  }
  if (std::optional<Relation> table = key_table(outer, outer_keys, outer_key_values)) {
    outer_keys_only = std::move(*table);
  }
  if (worth_reducing(inner.frame, outer_keys_only.frame)) {
    std::vector<std::string> inner_on;
    std::vector<std::string> outer_on;
    std::vector<Expr> outer_columns;
    for (size_t i = 0; i < outer_keys.size(); ++i) {
      auto [l, r] = join_keys(inner, engine::col(key_columns[i]), outer_keys_only,
                              outer_key_values[i], outer_keys[i]->position);
      inner_on.push_back(l);
      outer_on.push_back(r);
      outer_columns.push_back(engine::col(r));
    }
    inner.frame = inner.frame.join(outer_keys_only.frame.select(outer_columns), inner_on, outer_on,
                                   JoinType::kSemi);
  }
  std::map<std::string, std::string> computed;
  Select grouped;
  grouped.items = {select.items[0]};
  GroupBy by;
  Relation keyed = inner;
  for (const std::string& key : key_columns) {
    auto column = std::make_shared<Node>();
    column->kind = Node::Kind::kColumn;
    for (RelationColumn& candidate : keyed.columns) {
      if (candidate.internal != key) {
        continue;
      }
      if (candidate.hidden) {  // a computed key: visible to the GROUP BY by its own name
        candidate = {"", key, key, false};
      }
      column->names = candidate.qualifier.empty()
                          ? std::vector<std::string>{candidate.name}
                          : std::vector<std::string>{candidate.qualifier, candidate.name};
    }
    by.exprs.push_back(column);
  }
  grouped.group_by = by;
  Relation aggregated = aggregate(keyed, grouped, {}, computed);
  ExprScope value_scope{.relation = &aggregated,
                        .computed = &computed,
                        .before_grouping = &keyed,
                        .clause = "the subquery"};
  Expr value = translate(*select.items[0].expr, value_scope);
  std::string present = value_name + "_present";
  std::vector<Expr> columns;
  Relation values;
  for (size_t i = 0; i < key_columns.size(); ++i) {
    std::string key = value_name + "_key" + std::to_string(i);
    columns.push_back(engine::col(key_columns[i]).alias(key));
    values.columns.push_back({"", key, key, true});
  }
  columns.push_back(value.alias(value_name));
  columns.push_back(Expr(true).alias(present));
  values.frame = aggregated.frame.select(columns);
  values.columns.insert(values.columns.begin() + static_cast<std::ptrdiff_t>(key_columns.size()),
                        {{"", value_name, value_name, true}, {"", present, present, true}});
  make_unique_against(values, outer);
  std::string value_column = values.columns[key_columns.size()].internal;
  std::string present_column = values.columns[key_columns.size() + 1].internal;
  std::vector<std::string> left_on;
  std::vector<std::string> right_on;
  ExprScope outer_scope{.relation = &outer, .clause = scope.clause};
  for (size_t i = 0; i < outer_keys.size(); ++i) {
    auto [l, r] = join_keys(outer, translate(*outer_keys[i], outer_scope), values,
                            engine::col(values.columns[i].internal), outer_keys[i]->position);
    left_on.push_back(l);
    right_on.push_back(r);
  }
  outer.frame = outer.frame.join(values.frame, left_on, right_on, JoinType::kLeft);
  outer.columns.insert(outer.columns.end(), values.columns.begin(), values.columns.end());
  // A key with no rows gives what the aggregate gives over no rows (count is 0, not NULL).
  engine::Table empty = engine::Table::empty(inner.frame.schema());
  Relation nothing{engine::LazyFrame::from(empty), keyed.columns};
  Select total;
  total.items = {select.items[0]};
  std::map<std::string, std::string> total_computed;
  Relation over_nothing = aggregate(nothing, total, {}, total_computed);
  ExprScope nothing_scope{.relation = &over_nothing,
                          .computed = &total_computed,
                          .before_grouping = &nothing,
                          .clause = "the subquery"};
  engine::Table empty_value =
      over_nothing.frame.select({translate(*select.items[0].expr, nothing_scope).alias("v")})
          .collect();
  engine::Scalar fallback = empty_value.at(0, "v");
  if (fallback.is_null()) {
    return value_column;
  }
  return outer.add_hidden(fn::when(engine::col(present_column).is_null(), engine::lit(fallback))
                              .otherwise(engine::col(value_column)),
                          "__setl_subquery_value");
}

}  // namespace setl::sql::detail
