// Aggregation moved below a join. TPC-H Q13 in SQL counts each customer's orders as
// count(o_orderkey) over customer LEFT JOIN orders, grouped by c_custkey: joined as
// written, 1.5 M order rows pass through the join and then group. When every aggregate
// reads the side that the join does not keep (orders), and the group keys come from the
// other side, that side can be aggregated first by its join keys (count, sum, min or max
// of each customer's orders: 100 k rows), joined, and the partial results combined per
// group (a count as the sum of the partial counts, 0 where no row met; sums, minimums and
// maximums alike). The combining stays unless a group key is known never to repeat on
// the kept side (unique_column: checked on every row of its table), when each group is
// one row and a projection takes the partial results as they are. Done
// only when the aggregated side has at least twice as many rows as distinct join keys
// (distinct_estimate.cc) and the rewrite gives exactly the original columns and types.
#include <algorithm>
#include <map>
#include <optional>
#include <set>

#include "engine/plan/cardinality.h"
#include "engine/plan/logical_plan.h"
#include "setl/core/error.h"
#include "setl/engine/functions.h"

namespace setl::engine::plan {
namespace {

using Kind = detail::PlanNode::Kind;

constexpr double kRowsPerKey = 2;

bool combinable(const Expr& aggregate) {
  const std::string& name = aggregate.name();
  return aggregate.kind() == ExprKind::kAggregate && aggregate.args().size() == 1 &&
         aggregate.args()[0].kind() == ExprKind::kColumn &&
         (name == "count" || name == "sum" || name == "min" || name == "max");
}

Expr with_function(const std::string& name, const Expr& value) {
  if (name == "count") {
    return fn::count(value);
  }
  if (name == "sum") {
    return fn::sum(value);
  }
  return name == "min" ? fn::min(value) : fn::max(value);
}

class EagerAggregation {
 public:
  NodePtr rewrite(const NodePtr& node) {
    return rewrite_bottom_up(node, [this](const NodePtr& current) {
      NodePtr eager = current->kind == Kind::kAggregate ? below_join(current) : nullptr;
      return eager ? eager : current;
    });
  }

 private:
  NodePtr below_join(const NodePtr& aggregate) {
    if (aggregate->keys.empty() || aggregate->exprs.empty()) {
      return nullptr;
    }
    // The aggregate's input columns as the join's output columns (through a projection
    // of plain columns, as pruning leaves).
    NodePtr join = aggregate->inputs[0];
    std::map<std::string, std::string> shown;  // aggregate input name -> join output name
    if (join->kind == Kind::kProject) {
      for (const Expr& expr : join->exprs) {
        if (expr.kind() != ExprKind::kColumn) {
          return nullptr;
        }
        shown[expr.output_name()] = expr.name();
      }
      join = join->inputs[0];
    } else {
      for (const std::string& name : join->schema->names()) {
        shown[name] = name;
      }
    }
    if (join->kind != Kind::kJoin || !join->exprs.empty() ||
        (join->join_type != JoinType::kInner && join->join_type != JoinType::kLeft &&
         join->join_type != JoinType::kRight)) {
      return nullptr;
    }
    std::map<std::string, std::pair<int, std::string>> origin;  // join output -> input column
    for (const auto& [where, name] : output_names(join)) {
      origin.emplace(name, where);
    }
    auto source = [&](const std::string& column) -> std::optional<std::pair<int, std::string>> {
      auto named = shown.find(column);
      if (named == shown.end()) {
        return std::nullopt;
      }
      auto found = origin.find(named->second);
      return found == origin.end() ? std::nullopt : std::optional(found->second);
    };
    // Every aggregate reads one side, the one the join does not keep.
    std::optional<int> side;
    std::vector<std::string> read;
    for (const Expr& expr : aggregate->exprs) {
      std::optional<std::pair<int, std::string>> from =
          combinable(expr) ? source(expr.args()[0].name()) : std::nullopt;
      if (!from || (side && *side != from->first)) {
        return nullptr;
      }
      side = from->first;
      read.push_back(from->second);
    }
    if ((join->join_type == JoinType::kLeft && *side != 1) ||
        (join->join_type == JoinType::kRight && *side != 0)) {
      return nullptr;
    }
    std::vector<std::string> group_columns;  // of the other input
    for (const std::string& key : aggregate->keys) {
      std::optional<std::pair<int, std::string>> from = source(key);
      if (!from || from->first == *side) {
        return nullptr;
      }
      group_columns.push_back(from->second);
    }
    const NodePtr& aggregated = join->inputs[static_cast<size_t>(*side)];
    const std::vector<std::string>& join_keys = *side == 0 ? join->keys : join->right_keys;
    if (!pays(aggregated, join_keys)) {
      return nullptr;
    }
    // Partial results per join key, joined in place of the aggregated side.
    std::vector<Expr> partials;
    std::vector<std::string> partial_names;
    for (size_t i = 0; i < aggregate->exprs.size(); ++i) {
      std::string name = "__setl_partial_" + std::to_string(i);
      while (aggregated->schema->find(name) || join->schema->find(name)) {
        name += "_";
      }
      partials.push_back(with_function(aggregate->exprs[i].name(), col(read[i])).alias(name));
      partial_names.push_back(name);
    }
    NodePtr partial;
    NodePtr rejoined;
    try {
      partial = plan::aggregate(aggregated, join_keys, std::move(partials));
      rejoined = *side == 0 ? plan::join(partial, join->inputs[1], join->keys, join->right_keys,
                                         join->join_type, join->right_suffix)
                            : plan::join(join->inputs[0], partial, join->keys, join->right_keys,
                                         join->join_type, join->right_suffix);
    } catch (const Error&) {
      return nullptr;
    }
    std::map<std::pair<int, std::string>, std::string> names = output_names(rejoined);
    std::vector<std::string> keys;
    for (const std::string& column : group_columns) {
      keys.push_back(names.at({1 - *side, column}));
    }
    // Each kept row meets at most one partial row (one per join key); when a group key
    // never repeats on the kept side, each group is one row and needs no combining.
    const NodePtr& kept = join->inputs[static_cast<size_t>(1 - *side)];
    bool one_row_per_group =
        std::any_of(group_columns.begin(), group_columns.end(),
                    [&](const std::string& column) { return unique_column(kept, column); });
    std::vector<Expr> combined;
    for (size_t i = 0; i < partial_names.size(); ++i) {
      const std::string& function = aggregate->exprs[i].name();
      Expr value = col(names.at({*side, partial_names[i]}));
      combined.push_back((one_row_per_group     ? value
                          : function == "count" ? fn::sum(value)
                                                : with_function(function, value))
                             .alias(partial_names[i]));
    }
    NodePtr top;
    try {
      if (one_row_per_group) {
        std::vector<Expr> columns;
        for (const std::string& key : keys) {
          columns.push_back(col(key));
        }
        columns.insert(columns.end(), combined.begin(), combined.end());
        top = project(rejoined, std::move(columns));
      } else {
        top = plan::aggregate(rejoined, keys, std::move(combined));
      }
    } catch (const Error&) {
      return nullptr;
    }
    // Back to the original names (and a count of no rows is 0, not NULL).
    std::vector<Expr> columns;
    for (size_t i = 0; i < keys.size(); ++i) {
      columns.push_back(col(keys[i]).alias(aggregate->keys[i]));
    }
    for (size_t i = 0; i < partial_names.size(); ++i) {
      Expr value = col(partial_names[i]);
      if (aggregate->exprs[i].name() == "count") {
        value = fn::coalesce({value, lit(int64_t{0})});
      }
      columns.push_back(value.alias(aggregate->exprs[i].output_name()));
    }
    NodePtr restored = project(top, std::move(columns));
    return *restored->schema == *aggregate->schema ? restored : nullptr;
  }

  // Whether the aggregated side has several rows per join key.
  bool pays(const NodePtr& aggregated, const std::vector<std::string>& join_keys) {
    if (join_keys.size() != 1) {
      return false;
    }
    std::optional<Estimate> rows = estimator_.of(aggregated);
    std::optional<double> keys = estimated_distinct(aggregated, join_keys[0]);
    return rows && keys && *keys * kRowsPerKey <= rows->rows;
  }

  CardinalityEstimator estimator_;
};

}  // namespace

NodePtr aggregate_below_joins(const NodePtr& node) {
  EagerAggregation eager;
  return eager.rewrite(node);
}

}  // namespace setl::engine::plan
