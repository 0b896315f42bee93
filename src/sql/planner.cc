// Queries, set operations, FROM and joins. Comma-separated tables are joined on the
// equalities WHERE states between them, in the order comma_join_order gives
// (join_order.cc): each next table is the first remaining one that an equality connects
// to what is joined so far (else the next one, crossed); the optimizer then reorders and
// pushes filters down as for the dataframe API.
#include "sql/planner.h"

#include <algorithm>

#include "setl/core/error.h"
#include "setl/core/suggest.h"
#include "setl/engine/functions.h"
#include "sql/ast_text.h"
#include "sql/lexer.h"

namespace setl::sql::detail {
namespace {

using engine::Expr;
using engine::JoinType;
using JoinKind = TableRef::JoinKind;

JoinType engine_join(JoinKind kind) {
  switch (kind) {
    case JoinKind::kInner:
    case JoinKind::kCross:
      return JoinType::kInner;
    case JoinKind::kLeft:
      return JoinType::kLeft;
    case JoinKind::kRight:
      return JoinType::kRight;
    case JoinKind::kFull:
      return JoinType::kFull;
    case JoinKind::kSemi:
      return JoinType::kSemi;
    case JoinKind::kAnti:
      return JoinType::kAnti;
  }
  return JoinType::kInner;
}

}  // namespace

int side_of(const Node& node, const Relation& left, const Relation& right) {
  if (contains_subquery(node)) {
    return 0;
  }
  std::vector<const Node*> columns;
  column_references(node, columns);
  int side = 0;
  for (const Node* column : columns) {
    size_t in_left = lookup(left, column->names).matches.size();
    size_t in_right = lookup(right, column->names).matches.size();
    int here = in_left == 1 && in_right == 0 ? 1 : in_right == 1 && in_left == 0 ? 2 : -1;
    if (here < 0 || (side != 0 && side != here)) {
      return 0;
    }
    side = here;
  }
  return side;
}

namespace {

Relation one_row() {
  engine::Table table = engine::Table::from_columns(
      {{"__setl_one", engine::Column::constant(engine::Scalar::int64(1), 1)}});
  return Relation{engine::LazyFrame::from(table), {{"", "__setl_one", "__setl_one", true}}};
}

}  // namespace

void conjuncts(const NodePtr& node, std::vector<NodePtr>& out) {
  if (!node) {
    return;
  }
  if (node->kind == Node::Kind::kBinary && node->name == "and") {
    conjuncts(node->args[0], out);
    conjuncts(node->args[1], out);
    return;
  }
  out.push_back(node);
}

void column_references(const Node& node, std::vector<const Node*>& out) {
  if (node.kind == Node::Kind::kColumn) {
    out.push_back(&node);
  }
  for (const NodePtr& arg : node.args) {
    if (arg) {
      column_references(*arg, out);
    }
  }
  if (node.window) {
    for (const NodePtr& key : node.window->partition_by) {
      column_references(*key, out);
    }
    for (const WindowClause::Order& key : node.window->order_by) {
      column_references(*key.expr, out);
    }
  }
}

Planner::Planner(const Catalog& catalog, std::string_view text) : catalog_(catalog), text_(text) {}

void Planner::fail(size_t position, const std::string& message) const {
  throw SchemaError(located(text_, position, message));
}

engine::LazyFrame Planner::plan(const Query& query) {
  Ctes none;
  Relation result = plan_query(query, none);
  std::vector<Expr> columns;
  for (const RelationColumn& column : result.visible()) {
    columns.push_back(engine::col(column.internal).alias(column.name));
  }
  return result.frame.select(columns);
}

Relation Planner::plan_query(const Query& query, const Ctes& outer_ctes) {
  Ctes ctes = outer_ctes;
  for (const auto& [name, cte] : query.with) {
    ctes[name] = plan_query(*cte, ctes);
  }
  const Ctes* saved = ctes_;
  ctes_ = &ctes;
  Relation result;
  if (query.kind == Query::Kind::kSelect) {
    result = plan_select(query, *query.select, ctes);
  } else {
    result = query.set_operation.empty() ? plan_query(*query.left, ctes)
                                         : plan_set_operation(query, ctes);
    order_outputs(result, query);
  }
  ctes_ = saved;
  return result;
}

void Planner::order_outputs(Relation& relation, const Query& query) {
  std::vector<RelationColumn> outputs = relation.visible();
  std::vector<engine::SortKey> keys;
  for (const OrderItem& item : query.order_by) {
    const Node& expr = *item.expr;
    std::string column;
    if (expr.kind == Node::Kind::kLiteral && expr.literal_kind == Node::LiteralKind::kNumber) {
      size_t ordinal = std::strtoull(expr.text.c_str(), nullptr, 10);
      if (ordinal < 1 || ordinal > outputs.size()) {
        fail(expr.position, "ORDER BY position " + expr.text + " is not in the select list (1 to " +
                                std::to_string(outputs.size()) + ")");
      }
      column = outputs[ordinal - 1].internal;
    } else if (expr.kind == Node::Kind::kColumn) {
      ExprScope scope{.relation = &relation, .clause = "ORDER BY"};
      column = translate_column(expr, scope).name();
    } else {
      fail(expr.position, "ORDER BY of a set operation names an output column or its position");
    }
    keys.push_back({column, item.descending, item.nulls_first});
  }
  if (!keys.empty()) {
    relation.frame = relation.frame.sort(keys);
  }
  if (query.limit || query.offset > 0) {
    relation.frame = relation.frame.limit(query.limit.value_or(INT64_MAX), query.offset);
  }
}

Relation Planner::plan_set_operation(const Query& query, const Ctes& ctes) {
  Relation left = plan_query(*query.left, ctes);
  Relation right = plan_query(*query.right, ctes);
  std::vector<RelationColumn> left_columns = left.visible();
  std::vector<RelationColumn> right_columns = right.visible();
  std::string operation = query.set_operation;
  for (char& c : operation) {
    c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  }
  if (left_columns.size() != right_columns.size()) {
    fail(query.position,
         operation + " needs as many columns on each side: " + std::to_string(left_columns.size()) +
             " and " + std::to_string(right_columns.size()));
  }
  engine::SchemaPtr left_schema = left.frame.schema();
  engine::SchemaPtr right_schema = right.frame.schema();
  std::vector<Expr> left_exprs;
  std::vector<Expr> right_exprs;
  Relation result;
  for (size_t i = 0; i < left_columns.size(); ++i) {
    const engine::DataType& l =
        left_schema->field(left_schema->index_of(left_columns[i].internal)).type;
    const engine::DataType& r =
        right_schema->field(right_schema->index_of(right_columns[i].internal)).type;
    engine::DataType type;
    try {
      type = common_type(l, r);
    } catch (const Error&) {
      fail(query.position, operation + ": column " + std::to_string(i + 1) + " is " +
                               l.to_string() + " on the left and " + r.to_string() +
                               " on the right, which have no common type");
    }
    const std::string& name = left_columns[i].name;
    if (result.uses(name)) {
      fail(query.position,
           operation + ": two columns are named '" + name + "' on the left; give one an alias");
    }
    Expr l_expr = engine::col(left_columns[i].internal);
    Expr r_expr = engine::col(right_columns[i].internal);
    left_exprs.push_back((l == type ? l_expr : l_expr.cast(type)).alias(name));
    right_exprs.push_back((r == type ? r_expr : r_expr.cast(type)).alias(name));
    result.columns.push_back({"", name, name, false});
  }
  Relation l_rel{left.frame.select(left_exprs), result.columns};
  Relation r_rel{right.frame.select(right_exprs), result.columns};
  if (query.set_operation == "union") {
    result.frame = l_rel.frame.union_all(r_rel.frame);
    if (!query.all) {
      result.frame = result.frame.distinct();
    }
    return result;
  }
  if (query.all) {
    // A row's n-th copy on the left matches the n-th copy on the right: INTERSECT ALL
    // keeps min(m, n) copies, EXCEPT ALL max(m - n, 0).
    for (Relation* side : {&l_rel, &r_rel}) {
      std::vector<std::string> values;
      for (const RelationColumn& column : side->columns) {
        values.push_back(column.internal);
      }
      std::string copy = side->fresh("__setl_copy");
      side->frame = side->frame.with_column(copy, engine::fn::row_number().over({values, {}}));
      side->columns.push_back({"", copy, copy, true});
    }
  } else {
    l_rel.frame = l_rel.frame.distinct();
  }
  make_unique_against(r_rel, l_rel);
  std::vector<std::string> left_names;
  std::vector<std::string> right_names;
  for (size_t i = 0; i < l_rel.columns.size(); ++i) {
    left_names.push_back(l_rel.columns[i].internal);
    right_names.push_back(r_rel.columns[i].internal);
  }
  auto [left_keys, right_keys] = null_safe_keys(l_rel, left_names, r_rel, right_names);
  JoinType type = query.set_operation == "intersect" ? JoinType::kSemi : JoinType::kAnti;
  std::vector<Expr> outputs;
  for (const RelationColumn& column : result.columns) {
    outputs.push_back(engine::col(column.internal));
  }
  result.frame = l_rel.frame.join(r_rel.frame, left_keys, right_keys, type).select(outputs);
  return result;
}

Relation Planner::plan_from(const std::vector<TableRefPtr>& from, std::vector<NodePtr>& conditions,
                            const Ctes& ctes) {
  if (from.empty()) {
    return one_row();
  }
  std::vector<Relation> tables;
  for (size_t i = 0; i < from.size(); ++i) {
    tables.push_back(plan_table(*from[i], ctes));
    for (RelationColumn& column : tables.back().columns) {
      column.from_item = i;
      column.from_column = column.internal;
    }
  }
  // Conditions that read one table filter it, and so does what an OR's branches all say
  // about it: (n1 = 'F' AND n2 = 'G') OR (n1 = 'G' AND n2 = 'F') about n1.
  std::vector<engine::LazyFrame> filtered;
  for (size_t i = 0; i < tables.size(); ++i) {
    Relation table = tables[i];
    for (const NodePtr& condition : conditions) {
      if (NodePtr filter = implied_filter(condition, tables, i)) {
        ExprScope scope{.relation = &table, .clause = "WHERE"};
        table.frame = table.frame.filter(translate(*filter, scope));
      }
    }
    filtered.push_back(table.frame);
  }
  std::vector<Relation> pending;
  for (size_t i : comma_join_order(tables, filtered, conditions)) {
    pending.push_back(std::move(tables[i]));
  }
  Relation joined = std::move(pending.front());
  pending.erase(pending.begin());
  while (!pending.empty()) {
    bool found = false;
    for (size_t i = 0; i < pending.size() && !found; ++i) {
      if (join_on_equalities(joined, pending[i], conditions, JoinKind::kInner)) {
        pending.erase(pending.begin() + static_cast<std::ptrdiff_t>(i));
        found = true;
      }
    }
    if (!found) {
      joined =
          join(std::move(joined), std::move(pending.front()), JoinKind::kCross, nullptr, {}, 0);
      pending.erase(pending.begin());
    }
  }
  // SELECT * lists the tables as written.
  std::stable_sort(
      joined.columns.begin(), joined.columns.end(),
      [](const RelationColumn& a, const RelationColumn& b) { return a.from_item < b.from_item; });
  joined.from_tables = std::move(filtered);
  return joined;
}

Relation Planner::plan_table(const TableRef& ref, const Ctes& ctes) {
  switch (ref.kind) {
    case TableRef::Kind::kJoin:
      return join(plan_table(*ref.left, ctes), plan_table(*ref.right, ctes), ref.join, ref.on,
                  ref.using_columns, ref.position, ref.natural);
    case TableRef::Kind::kSubquery: {
      Relation relation = plan_query(*ref.query, ctes);
      std::vector<RelationColumn*> visible;
      for (RelationColumn& column : relation.columns) {
        if (!column.hidden) {
          column.qualifier = ref.alias;
          visible.push_back(&column);
        }
      }
      if (!ref.column_aliases.empty()) {
        if (ref.column_aliases.size() != visible.size()) {
          fail(ref.position, "'" + ref.alias + "' names " +
                                 std::to_string(ref.column_aliases.size()) +
                                 " columns but its query has " + std::to_string(visible.size()));
        }
        for (size_t i = 0; i < visible.size(); ++i) {
          visible[i]->name = ref.column_aliases[i];
        }
      }
      return relation;
    }
    case TableRef::Kind::kNamed:
      break;
  }
  const std::string& qualifier = ref.alias.empty() ? ref.name : ref.alias;
  if (auto cte = ctes.find(ref.name); cte != ctes.end()) {
    Relation relation = cte->second;
    for (RelationColumn& column : relation.columns) {
      column.qualifier = qualifier;
    }
    return relation;
  }
  std::optional<engine::LazyFrame> frame = catalog_.find(ref.name);
  if (!frame) {
    std::vector<std::string> names = catalog_.names();
    for (const auto& [name, relation] : ctes) {
      names.push_back(name);
    }
    std::string message = "no table or view '" + ref.name + "'";
    if (auto suggestion = closest_match(ref.name, names)) {
      message += "; did you mean '" + *suggestion + "'?";
    } else if (names.empty()) {
      message += " (none is registered)";
    }
    fail(ref.position, message);
  }
  Relation relation{*frame, {}};
  for (const engine::Field& field : frame->schema()->fields()) {
    relation.columns.push_back({qualifier, field.name, field.name, false});
  }
  return relation;
}

bool Planner::join_on_equalities(Relation& left, Relation& right, std::vector<NodePtr>& conditions,
                                 JoinKind kind) {
  std::vector<NodePtr> equalities;
  for (auto it = conditions.begin(); it != conditions.end();) {
    const Node& node = **it;
    bool equality = node.kind == Node::Kind::kBinary && node.name == "=";
    int a = equality ? side_of(*node.args[0], left, right) : 0;
    int b = equality ? side_of(*node.args[1], left, right) : 0;
    if (a != 0 && b != 0 && a != b) {
      equalities.push_back(*it);
      it = conditions.erase(it);
    } else {
      ++it;
    }
  }
  if (equalities.empty()) {
    return false;
  }
  left = join_with(std::move(left), std::move(right), kind, equalities);
  return true;
}

Relation Planner::join(Relation left, Relation right, JoinKind kind, const NodePtr& on,
                       const std::vector<std::string>& using_columns, size_t position,
                       bool natural) {
  std::vector<NodePtr> conditions;
  conjuncts(on, conditions);
  for (const NodePtr& condition : conditions) {
    if (contains_subquery(*condition)) {
      fail(condition->position, "subqueries are not supported in ON; move the condition to WHERE");
    }
  }
  std::vector<std::string> names = using_columns;
  if (natural) {
    for (const RelationColumn& column : left.visible()) {
      if (lookup(right, {column.name}).matches.size() == 1 &&
          std::find(names.begin(), names.end(), column.name) == names.end()) {
        names.push_back(column.name);
      }
    }
  }
  if (names.empty()) {
    return join_with(std::move(left), std::move(right), kind, conditions);
  }
  // USING (a, b): equal columns, shown once.
  make_unique_against(right, left);
  std::vector<std::pair<const RelationColumn*, const RelationColumn*>> pairs;
  for (const std::string& name : names) {
    Lookup l = lookup(left, {name});
    Lookup r = lookup(right, {name});
    if (l.matches.size() != 1 || r.matches.size() != 1) {
      fail(position, "USING column '" + name + "' must appear exactly once on each side");
    }
    pairs.emplace_back(l.matches[0], r.matches[0]);
  }
  for (auto [l, r] : pairs) {
    auto node = std::make_shared<Node>();
    node->kind = Node::Kind::kBinary;
    node->name = "=";
    node->position = position;
    auto left_ref = std::make_shared<Node>();
    left_ref->kind = Node::Kind::kColumn;
    left_ref->names = {l->internal};
    auto right_ref = std::make_shared<Node>(*left_ref);
    right_ref->names = {r->internal};
    node->args = {left_ref, right_ref};
    conditions.push_back(node);
  }
  // Refer by engine names while joining; then hide one copy of each pair.
  std::vector<std::string> left_names;
  std::vector<std::string> right_names;
  for (auto [l, r] : pairs) {
    left_names.push_back(l->internal);
    right_names.push_back(r->internal);
  }
  Relation by_name_left = left;
  Relation by_name_right = right;
  for (RelationColumn& column : by_name_left.columns) {
    column = {"", column.internal, column.internal, false};
  }
  for (RelationColumn& column : by_name_right.columns) {
    column = {"", column.internal, column.internal, false};
  }
  Relation joined = join_with(std::move(by_name_left), std::move(by_name_right), kind, conditions);
  // Restore the SQL names, then show each USING column once.
  std::vector<RelationColumn> restored = left.columns;
  if (kind != JoinKind::kSemi && kind != JoinKind::kAnti) {
    restored.insert(restored.end(), right.columns.begin(), right.columns.end());
  }
  for (RelationColumn& column : joined.columns) {
    for (const RelationColumn& original : restored) {
      if (original.internal == column.internal) {
        column = original;
      }
    }
  }
  for (size_t i = 0; i < left_names.size(); ++i) {
    auto hide = [&](const std::string& internal) {
      for (RelationColumn& column : joined.columns) {
        if (column.internal == internal) {
          column.hidden = true;
        }
      }
    };
    if (kind == JoinKind::kFull) {
      std::string merged = joined.add_hidden(
          engine::fn::coalesce({engine::col(left_names[i]), engine::col(right_names[i])}),
          "__setl_using");
      hide(left_names[i]);
      hide(right_names[i]);
      joined.columns.back() = {"", names[i], merged, false};
    } else {
      hide(kind == JoinKind::kRight ? left_names[i] : right_names[i]);
    }
  }
  return joined;
}

Relation Planner::join_with(Relation left, Relation right, JoinKind kind,
                            const std::vector<NodePtr>& conditions) {
  make_unique_against(right, left);
  Relation both{left.frame, left.columns};
  both.columns.insert(both.columns.end(), right.columns.begin(), right.columns.end());
  bool keeps_left = kind == JoinKind::kLeft || kind == JoinKind::kSemi || kind == JoinKind::kAnti;
  std::vector<NodePtr> left_keys;
  std::vector<NodePtr> right_keys;
  std::vector<NodePtr> residual;
  std::vector<Expr> left_filters;
  std::vector<Expr> right_filters;
  for (const NodePtr& condition : conditions) {
    const Node& node = *condition;
    if (node.kind == Node::Kind::kBinary && node.name == "=" && kind != JoinKind::kCross) {
      int a = side_of(*node.args[0], left, right);
      int b = side_of(*node.args[1], left, right);
      if (a != 0 && b != 0 && a != b) {
        left_keys.push_back(a == 1 ? node.args[0] : node.args[1]);
        right_keys.push_back(a == 1 ? node.args[1] : node.args[0]);
        continue;
      }
    }
    int side = side_of(node, left, right);
    if (side == 2 && keeps_left) {
      ExprScope scope{.relation = &right, .clause = "ON"};
      right_filters.push_back(translate(node, scope));
    } else if (side == 1 && kind == JoinKind::kRight) {
      ExprScope scope{.relation = &left, .clause = "ON"};
      left_filters.push_back(translate(node, scope));
    } else {
      residual.push_back(condition);
    }
  }
  for (const Expr& filter : left_filters) {
    left.frame = left.frame.filter(filter);
  }
  for (const Expr& filter : right_filters) {
    right.frame = right.frame.filter(filter);
  }
  std::vector<std::string> left_on;
  std::vector<std::string> right_on;
  for (size_t i = 0; i < left_keys.size(); ++i) {
    ExprScope left_scope{.relation = &left, .clause = "ON"};
    ExprScope right_scope{.relation = &right, .clause = "ON"};
    auto [l, r] = join_keys(left, translate(*left_keys[i], left_scope), right,
                            translate(*right_keys[i], right_scope), left_keys[i]->position);
    left_on.push_back(l);
    right_on.push_back(r);
  }
  Relation joined{left.frame, left.columns};
  if (kind != JoinKind::kSemi && kind != JoinKind::kAnti) {
    joined.columns.insert(joined.columns.end(), right.columns.begin(), right.columns.end());
  }
  std::optional<Expr> condition;
  if (!residual.empty()) {
    Relation pair_names{left.frame, left.columns};
    pair_names.columns.insert(pair_names.columns.end(), right.columns.begin(), right.columns.end());
    for (const NodePtr& node : residual) {
      ExprScope scope{.relation = &pair_names, .clause = "ON"};
      Expr translated = translate(*node, scope);
      condition = condition ? *condition && translated : translated;
    }
  }
  if (kind == JoinKind::kInner || kind == JoinKind::kCross) {
    joined.frame = left.frame.join(right.frame, left_on, right_on,
                                   engine::JoinOptions{JoinType::kInner, "_right", std::nullopt});
    if (condition) {
      joined.frame = joined.frame.filter(*condition);  // pushed down by the optimizer
    }
    return joined;
  }
  joined.frame = left.frame.join(right.frame, left_on, right_on,
                                 engine::JoinOptions{engine_join(kind), "_right", condition});
  return joined;
}

std::pair<std::string, std::string> Planner::join_keys(Relation& left, Expr l, Relation& right,
                                                       Expr r, size_t position) {
  engine::DataType l_type = engine::result_type(l, *left.frame.schema());
  engine::DataType r_type = engine::result_type(r, *right.frame.schema());
  bool compatible =
      l_type == r_type || (l_type.is_integer() && r_type.is_integer()) ||
      (l_type.is_decimal() && r_type.is_decimal() && l_type.scale() == r_type.scale());
  if (!compatible) {
    engine::DataType type;
    try {
      type = common_type(l_type, r_type);
    } catch (const Error&) {
      fail(position, "cannot compare " + l_type.to_string() + " with " + r_type.to_string());
    }
    l = l.cast(type);
    r = r.cast(type);
  }
  std::string left_name =
      l.kind() == engine::ExprKind::kColumn ? l.name() : left.add_hidden(l, "__setl_key", &right);
  std::string right_name =
      r.kind() == engine::ExprKind::kColumn ? r.name() : right.add_hidden(r, "__setl_key", &left);
  return {left_name, right_name};
}

std::string Planner::as_column(Relation& relation, const Node& node, ExprScope& scope) {
  Expr value = translate(node, scope);
  if (value.kind() == engine::ExprKind::kColumn) {
    return value.name();
  }
  return relation.add_hidden(value, "__setl_expr");
}

bool Planner::resolves_in(const Node& node, const Relation& relation) const {
  std::vector<const Node*> columns;
  column_references(node, columns);
  return std::all_of(columns.begin(), columns.end(), [&](const Node* column) {
    return lookup(relation, column->names).matches.size() == 1;
  });
}

}  // namespace setl::sql::detail
