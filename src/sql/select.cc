// One SELECT: FROM and WHERE (with subquery conditions as joins), GROUP BY and HAVING,
// windows, the select list, DISTINCT, ORDER BY (output names, positions, select-list
// expressions, or any expression over the input) and LIMIT.
#include <algorithm>
#include <cctype>
#include <functional>

#include "setl/core/error.h"
#include "sql/ast_text.h"
#include "sql/planner.h"

namespace setl::sql::detail {
namespace {

using engine::Expr;

std::string output_name(const SelectItem& item) {
  if (!item.alias.empty()) {
    return item.alias;
  }
  if (item.expr->kind == Node::Kind::kColumn) {
    return item.expr->names.back();
  }
  return sql_text(*item.expr);
}

bool contains_scalar_subquery(const Node& node) {
  return node.kind == Node::Kind::kScalarQuery ||
         std::any_of(node.args.begin(), node.args.end(),
                     [](const NodePtr& arg) { return arg && contains_scalar_subquery(*arg); });
}

NodePtr combine(const char* op, const NodePtr& left, const NodePtr& right) {
  auto node = std::make_shared<Node>();
  node->kind = Node::Kind::kBinary;
  node->name = op;
  node->position = left->position;
  node->args = {left, right};
  return node;
}

// (a AND b) OR (a AND c) is a AND (b OR c): a condition every branch of an OR states is
// taken out, so that an equality joining two tables (TPC-H Q19) becomes a join key.
void factor_disjunctions(std::vector<NodePtr>& conditions) {
  std::vector<NodePtr> out;
  for (const NodePtr& condition : conditions) {
    std::vector<NodePtr> branches;
    std::function<void(const NodePtr&)> flatten = [&](const NodePtr& node) {
      if (node->kind == Node::Kind::kBinary && node->name == "or") {
        flatten(node->args[0]);
        flatten(node->args[1]);
      } else {
        branches.push_back(node);
      }
    };
    flatten(condition);
    if (branches.size() < 2) {
      out.push_back(condition);
      continue;
    }
    std::vector<std::vector<NodePtr>> parts(branches.size());
    for (size_t i = 0; i < branches.size(); ++i) {
      conjuncts(branches[i], parts[i]);
    }
    std::vector<NodePtr> common;
    for (const NodePtr& candidate : parts[0]) {
      std::string text = sql_text(*candidate);
      bool everywhere = std::all_of(parts.begin() + 1, parts.end(), [&](const auto& branch) {
        return std::any_of(branch.begin(), branch.end(),
                           [&](const NodePtr& part) { return sql_text(*part) == text; });
      });
      if (everywhere && std::none_of(common.begin(), common.end(), [&](const NodePtr& known) {
            return sql_text(*known) == text;
          })) {
        common.push_back(candidate);
      }
    }
    if (common.empty()) {
      out.push_back(condition);
      continue;
    }
    out.insert(out.end(), common.begin(), common.end());
    // What remains of each branch; a branch that was only common conditions makes the
    // whole OR true.
    NodePtr rest;
    bool always = false;
    for (const std::vector<NodePtr>& branch : parts) {
      NodePtr remaining;
      for (const NodePtr& part : branch) {
        std::string text = sql_text(*part);
        if (std::any_of(common.begin(), common.end(),
                        [&](const NodePtr& known) { return sql_text(*known) == text; })) {
          continue;
        }
        remaining = remaining ? combine("and", remaining, part) : part;
      }
      if (!remaining) {
        always = true;
        break;
      }
      rest = rest ? combine("or", rest, remaining) : remaining;
    }
    if (!always) {
      out.push_back(rest);
    }
  }
  conditions = std::move(out);
}

}  // namespace

void window_calls(const Node& node, std::vector<const Node*>& out) {
  if (node.kind == Node::Kind::kFunction && node.window) {
    out.push_back(&node);
  }
  for (const NodePtr& arg : node.args) {
    if (arg) {
      window_calls(*arg, out);
    }
  }
}

Relation Planner::plan_select(const Query& query, const Select& select, const Ctes& ctes) {
  std::vector<NodePtr> conditions;
  conjuncts(select.where, conditions);
  factor_disjunctions(conditions);
  std::vector<std::pair<const Node*, bool>> subquery_conditions;
  std::vector<NodePtr> plain;
  for (const NodePtr& condition : conditions) {
    const Node* node = condition.get();
    bool negated = false;
    while (node->kind == Node::Kind::kUnary && node->name == "not" &&
           is_subquery_condition(*node->args[0])) {
      negated = !negated;
      node = node->args[0].get();
    }
    if (is_subquery_condition(*node)) {
      subquery_conditions.emplace_back(node, negated);
    } else {
      plain.push_back(condition);
    }
  }
  Relation relation = plan_from(select.from, plain, ctes);
  for (const auto& [node, negated] : subquery_conditions) {
    apply_subquery_condition(relation, *node, negated, ctes);
  }
  // Conditions with a scalar subquery come after the others, so that the subquery's join
  // (and the keys it aggregates) see the rows the others keep.
  for (bool with_subqueries : {false, true}) {
    ExprScope scope{.relation = &relation, .clause = "WHERE"};
    std::optional<Expr> where;
    for (const NodePtr& condition : plain) {
      if (contains_scalar_subquery(*condition) == with_subqueries) {
        Expr translated = translate(*condition, scope);
        where = where ? *where && translated : translated;
      }
    }
    if (where) {
      relation.frame = relation.frame.filter(*where);
    }
  }

  std::map<std::string, std::string> computed;
  Relation before = relation;
  bool grouped = needs_aggregation(select, query.order_by);
  if (grouped) {
    relation = aggregate(std::move(relation), select, query.order_by, computed);
  }
  ExprScope scope{.relation = &relation,
                  .computed = &computed,
                  .before_grouping = grouped ? &before : nullptr,
                  .clause = "the select list"};
  std::vector<const Node*> windows;
  for (const SelectItem& item : select.items) {
    if (item.expr) {
      window_calls(*item.expr, windows);
    }
  }
  for (const OrderItem& item : query.order_by) {
    window_calls(*item.expr, windows);
  }
  if (!windows.empty()) {
    add_windows(relation, windows, scope, computed);
  }

  // The select list.
  std::vector<Expr> outputs;
  std::vector<std::string> names;
  std::vector<std::string> texts;  // each output's expression, for ORDER BY to match
  auto add_output = [&](const Expr& value, const std::string& name, const std::string& text,
                        size_t position) {
    for (const std::string& existing : names) {
      if (existing == name) {
        fail(position, "two output columns are named '" + name + "'; give one an alias");
      }
    }
    outputs.push_back(value.alias(name));
    names.push_back(name);
    texts.push_back(text);
  };
  for (const SelectItem& item : select.items) {
    if (!item.star) {
      add_output(translate(*item.expr, scope), output_name(item), sql_text(*item.expr),
                 item.position);
      continue;
    }
    if (grouped) {
      fail(item.position, "* cannot be used with GROUP BY or aggregates; list the columns");
    }
    bool any = false;
    for (const RelationColumn& column : relation.visible()) {
      if (item.star_of.empty() || same_ignoring_case(column.qualifier, item.star_of)) {
        // Columns of two tables with one name (both sides' id): the later one is
        // qualified, since a result's names are unique.
        bool taken = std::find(names.begin(), names.end(), column.name) != names.end();
        std::string name =
            taken && !column.qualifier.empty() ? column.qualifier + "." + column.name : column.name;
        add_output(engine::col(column.internal), name, name, item.position);
        any = true;
      }
    }
    if (!any && !item.star_of.empty()) {
      fail(item.position, "no table '" + item.star_of + "' in FROM for " + item.star_of + ".*");
    }
  }

  // ORDER BY: an output (by name, position or the same expression), else an expression
  // computed beside the outputs and dropped after the sort.
  std::vector<engine::SortKey> keys;
  std::vector<Expr> extras;
  ExprScope order_scope = scope;
  order_scope.clause = "ORDER BY";
  for (const OrderItem& item : query.order_by) {
    const Node& expr = *item.expr;
    std::string column;
    if (expr.kind == Node::Kind::kLiteral && expr.literal_kind == Node::LiteralKind::kNumber) {
      size_t ordinal = std::strtoull(expr.text.c_str(), nullptr, 10);
      if (ordinal < 1 || ordinal > names.size()) {
        fail(expr.position, "ORDER BY position " + expr.text + " is not in the select list (1 to " +
                                std::to_string(names.size()) + ")");
      }
      column = names[ordinal - 1];
    } else {
      for (size_t i = 0; i < names.size() && column.empty(); ++i) {
        bool by_name = expr.kind == Node::Kind::kColumn && expr.names.size() == 1 &&
                       same_ignoring_case(expr.names[0], names[i]);
        if (by_name || sql_text(expr) == texts[i]) {
          column = names[i];
        }
      }
    }
    if (column.empty()) {
      if (select.distinct) {
        fail(expr.position, "with SELECT DISTINCT, ORDER BY must use columns of the select list");
      }
      column = "__setl_order_" + std::to_string(extras.size());
      extras.push_back(translate(expr, order_scope).alias(column));
    }
    keys.push_back({column, item.descending, item.nulls_first});
  }
  std::vector<Expr> projected = outputs;
  projected.insert(projected.end(), extras.begin(), extras.end());
  engine::LazyFrame frame = relation.frame.select(projected);
  if (select.distinct) {
    frame = frame.distinct();
  }
  if (!keys.empty()) {
    frame = frame.sort(keys);
  }
  if (query.limit || query.offset > 0) {
    frame = frame.limit(query.limit.value_or(INT64_MAX), query.offset);
  }
  if (!extras.empty()) {
    std::vector<Expr> kept;
    for (const std::string& name : names) {
      kept.push_back(engine::col(name));
    }
    frame = frame.select(kept);
  }
  Relation result{frame, {}};
  for (const std::string& name : names) {
    result.columns.push_back({"", name, name, false});
  }
  return result;
}

}  // namespace setl::sql::detail
