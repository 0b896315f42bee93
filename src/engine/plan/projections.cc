// Projections the plan does not need: a projection of a projection becomes one (when no
// computed column would be computed twice), a projection that keeps every column as it
// is disappears, and one that only renames an aggregate's results renames them in the
// aggregate. Plans written in SQL, which names columns as it goes, then end up as the
// dataframe API's.
#include <map>

#include "engine/expr/expr_node.h"
#include "engine/plan/logical_plan.h"

namespace setl::engine::plan {

Expr with_alias(const Expr& expr, const std::string& alias) {
  auto node = std::make_shared<detail::ExprNode>(*expr.node());
  node->alias = alias;
  return Expr(std::move(node));
}

Expr without_alias(const Expr& expr) {
  return expr.has_alias() ? with_alias(expr, "") : expr;
}

namespace {

using Kind = detail::PlanNode::Kind;

// `expr` with each column the inner projection computes replaced by its expression.
Expr substitute(const Expr& expr, const std::map<std::string, Expr>& inner) {
  if (expr.kind() == ExprKind::kColumn) {
    auto found = inner.find(expr.name());
    if (found == inner.end()) {
      return expr;
    }
    Expr replaced = without_alias(found->second);
    return expr.has_alias() ? with_alias(replaced, expr.output_name())
           : replaced.kind() == ExprKind::kColumn && replaced.name() == expr.name()
               ? replaced
               : with_alias(replaced, expr.name());
  }
  if (expr.args().empty()) {
    return expr;
  }
  auto node = std::make_shared<detail::ExprNode>(*expr.node());
  for (Expr& arg : node->args) {
    arg = substitute(arg, inner);
  }
  return Expr(std::move(node));
}

void count_uses(const Expr& expr, std::map<std::string, int>& uses) {
  if (expr.kind() == ExprKind::kColumn) {
    ++uses[expr.name()];
  }
  for (const Expr& arg : expr.args()) {
    count_uses(arg, uses);
  }
}

bool plain_column(const Expr& expr) {
  return expr.kind() == ExprKind::kColumn;
}

NodePtr merged(const NodePtr& outer, const NodePtr& inner) {
  std::map<std::string, Expr> computed;
  for (const Expr& expr : inner->exprs) {
    computed.emplace(expr.output_name(), expr);
  }
  std::map<std::string, int> uses;
  for (const Expr& expr : outer->exprs) {
    count_uses(expr, uses);
  }
  for (const auto& [name, expr] : computed) {
    if (!plain_column(expr) && uses[name] > 1) {
      return nullptr;  // it would be computed twice
    }
  }
  std::vector<Expr> exprs;
  for (const Expr& expr : outer->exprs) {
    exprs.push_back(substitute(expr, computed));
  }
  return project(inner->inputs[0], std::move(exprs));
}

bool identity(const NodePtr& node) {
  const Schema& input = *node->inputs[0]->schema;
  if (node->exprs.size() != input.num_fields()) {
    return false;
  }
  for (size_t i = 0; i < node->exprs.size(); ++i) {
    const Expr& expr = node->exprs[i];
    if (!plain_column(expr) || expr.name() != input.field(i).name ||
        expr.output_name() != expr.name()) {
      return false;
    }
  }
  return true;
}

// An aggregate whose results carry the projection's names; null if the projection does
// more than rename its results in place.
NodePtr renamed_aggregate(const NodePtr& node) {
  const NodePtr& aggregate = node->inputs[0];
  const Schema& input = *aggregate->schema;
  if (node->exprs.size() != input.num_fields()) {
    return nullptr;
  }
  size_t keys = aggregate->keys.size();
  std::vector<Expr> aggregates;
  for (size_t i = 0; i < node->exprs.size(); ++i) {
    const Expr& expr = node->exprs[i];
    if (!plain_column(expr) || expr.name() != input.field(i).name) {
      return nullptr;
    }
    if (i < keys) {
      if (expr.output_name() != expr.name()) {
        return nullptr;  // keys are named by their input columns
      }
      continue;
    }
    aggregates.push_back(with_alias(aggregate->exprs[i - keys], expr.output_name()));
  }
  return plan::aggregate(aggregate->inputs[0], aggregate->keys, std::move(aggregates));
}

// One projection simplified (its inputs already are).
NodePtr simplified_here(const NodePtr& current) {
  if (current->kind != Kind::kProject) {
    return current;
  }
  const NodePtr& input = current->inputs[0];
  if (input->kind == Kind::kProject) {
    if (NodePtr one = merged(current, input)) {
      return simplified_here(one);
    }
  }
  if (identity(current)) {
    return input;
  }
  if (input->kind == Kind::kAggregate) {
    if (NodePtr renamed = renamed_aggregate(current)) {
      return renamed;
    }
  }
  return current;
}

}  // namespace

NodePtr simplify_projections(const NodePtr& node) {
  return rewrite_bottom_up(node, simplified_here);
}

}  // namespace setl::engine::plan
