// Build-side choice for hash joins: the right input is the one the join holds in a hash
// table, so a join whose right input is expected to be larger (cardinality.h) is run
// with its inputs swapped (inner and full as they are, left as right and right as left:
// the executor keeps the rows of an outer side either way), and a projection restores
// the original column names and order. A semi or anti join keeps its output side but
// hashes the small one: the large right is first reduced to the rows (or the distinct
// keys) that meet the left. The rows are the same either way, only the order of an
// unsorted join's output may differ.
#include <algorithm>
#include <map>
#include <optional>
#include <set>

#include "engine/plan/cardinality.h"
#include "engine/plan/logical_plan.h"
#include "setl/core/error.h"

namespace setl::engine::plan {

std::map<std::pair<int, std::string>, std::string> output_names(const NodePtr& join) {
  std::map<std::pair<int, std::string>, std::string> names;
  for (const Field& field : join->inputs[0]->schema->fields()) {
    names[{0, field.name}] = field.name;
  }
  if (join->join_type == JoinType::kSemi || join->join_type == JoinType::kAnti) {
    return names;  // only the left columns show
  }
  std::vector<std::string> outputs = right_output_names(*join);
  for (size_t i = 0; i < outputs.size(); ++i) {
    const std::string& input = join->inputs[1]->schema->field(i).name;
    // A merged key's column shows both sides' key: equal where rows matched, and the side
    // that has the row where only one does (left for left joins, coalesced otherwise).
    names[{1, input}] = outputs[i].empty() ? input : outputs[i];
  }
  return names;
}

namespace {

using Kind = detail::PlanNode::Kind;

// A right input at most this much larger than the left stays where it is: swapping costs
// a projection, and estimates are rough.
constexpr double kSwapRatio = 1.5;
// Below this many rows a hash table costs less than the projection a swap adds.
constexpr double kSmallBuildRows = 1024;

// The join type that keeps the same rows with its inputs exchanged.
JoinType mirrored(JoinType type) {
  switch (type) {
    case JoinType::kLeft:
      return JoinType::kRight;
    case JoinType::kRight:
      return JoinType::kLeft;
    default:
      return type;
  }
}

bool swappable(JoinType type) {
  return type == JoinType::kInner || type == JoinType::kLeft || type == JoinType::kRight ||
         type == JoinType::kFull;
}

}  // namespace

NodePtr restored_to(const NodePtr& target, const NodePtr& now,
                    const std::map<std::string, std::string>& shown_as) {
  std::vector<Expr> columns;
  bool identity = now->schema->num_fields() == target->schema->num_fields();
  for (size_t i = 0; i < target->schema->num_fields(); ++i) {
    const std::string& name = target->schema->field(i).name;
    auto found = shown_as.find(name);
    if (found == shown_as.end()) {
      return nullptr;
    }
    identity = identity && now->schema->field(i).name == name && found->second == name;
    columns.push_back(found->second == name ? col(name) : col(found->second).alias(name));
  }
  if (identity && *now->schema == *target->schema) {
    return now;  // each column already where and what it was: nothing to restore
  }
  NodePtr projected = project(now, std::move(columns));
  return *projected->schema == *target->schema ? projected : nullptr;
}

namespace {

// The same join with its inputs swapped, projected back to the original columns; null if
// the columns cannot be restored exactly (a merged key whose two sides' types differ) or
// named at all (a suffixed name the other side already has).
NodePtr swapped(const NodePtr& node) {
  NodePtr swapped;
  try {
    swapped = join(node->inputs[1], node->inputs[0], node->right_keys, node->keys,
                   mirrored(node->join_type), node->right_suffix);
  } catch (const SchemaError&) {
    return nullptr;
  }
  std::map<std::pair<int, std::string>, std::string> now = output_names(swapped);
  std::map<std::string, std::string> shown_as;  // original output name -> swapped output name
  for (const auto& [where, name] : output_names(node)) {
    auto found = now.find({1 - where.first, where.second});
    if (found != now.end()) {
      shown_as.emplace(name, found->second);
    }
  }
  return restored_to(node, swapped, shown_as);
}

// A semi or anti join whose right input is much larger than its left, as joins that each
// hash the small side: the right rows with a partner on the left (a semi join building on
// the left), their distinct keys, then the original join against those keys. With a
// condition besides the keys, the original join runs against the partners themselves
// (the condition reads their columns). The left input is an input of two joins: the
// executor runs it once. Same rows, same order (the left's); null if the right keys
// repeat a column.
NodePtr filtered_through_left(const NodePtr& node) {
  std::set<std::string> distinct_keys(node->right_keys.begin(), node->right_keys.end());
  if (distinct_keys.size() != node->right_keys.size()) {
    return nullptr;
  }
  NodePtr partners = join(node->inputs[1], node->inputs[0], node->right_keys, node->keys,
                          JoinType::kSemi, node->right_suffix);
  if (std::optional<Expr> condition = join_condition(*node)) {
    return join(node->inputs[0], partners, node->keys, node->right_keys, node->join_type,
                node->right_suffix, condition);
  }
  std::vector<Expr> key_columns;
  for (const std::string& key : node->right_keys) {
    key_columns.push_back(col(key));
  }
  NodePtr keys = distinct(project(partners, std::move(key_columns)));
  return join(node->inputs[0], keys, node->keys, node->right_keys, node->join_type,
              node->right_suffix);
}

}  // namespace

namespace {

// The build side of one join whose inputs are already settled.
NodePtr with_build_side(const NodePtr& current, CardinalityEstimator& estimator) {
  bool conditioned = current->kind == Kind::kJoin && !current->exprs.empty();
  if (current->kind != Kind::kJoin || (conditioned && current->join_type != JoinType::kSemi &&
                                       current->join_type != JoinType::kAnti)) {
    return current;  // a condition names its sides' columns: the join stays as written
  }
  std::optional<Estimate> left = estimator.of(current->inputs[0]);
  std::optional<Estimate> right = estimator.of(current->inputs[1]);
  if (!left || !right || right->rows <= left->rows * kSwapRatio || right->rows < kSmallBuildRows) {
    return current;
  }
  NodePtr better = swappable(current->join_type) && !conditioned ? swapped(current)
                                                                 : filtered_through_left(current);
  return better ? better : current;
}

}  // namespace

NodePtr choose_join_sides(const NodePtr& node) {
  CardinalityEstimator estimator;
  return rewrite_bottom_up(
      node, [&estimator](const NodePtr& current) { return with_build_side(current, estimator); });
}

}  // namespace setl::engine::plan
