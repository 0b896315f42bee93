// Build-side choice for hash joins: the right input is the one the join holds in a hash
// table, so a join whose right input is expected to be larger is run with its inputs
// swapped (inner and full as they are, left as right and right as left: the executor
// keeps the rows of an outer side either way), and a projection restores the original
// column names and order. A semi or anti join keeps its output side but hashes the
// small one: the large right is first reduced to the distinct keys that meet the left. Row
// counts are estimated bottom-up: exact for tables, the source's count for scans, and
// fixed selectivities for filters (the textbook ones: = a tenth, ranges a third).
// Estimates only steer the plan; the rows are the same either way, only the order of an
// unsorted join's output may differ.
#include <algorithm>
#include <map>
#include <optional>
#include <set>

#include "engine/plan/logical_plan.h"
#include "setl/core/error.h"

namespace setl::engine::plan {
namespace {

using Kind = detail::PlanNode::Kind;

// A right input at most this much larger than the left stays where it is: swapping costs
// a projection, and estimates are rough.
constexpr double kSwapRatio = 1.5;
// Below this many rows a hash table costs less than the projection a swap adds.
constexpr double kSmallBuildRows = 1024;

double selectivity(const Expr& predicate) {
  if (predicate.kind() != ExprKind::kCall) {
    return 0.5;
  }
  const std::string& name = predicate.name();
  if (name == "and") {
    double product = 1;
    for (const Expr& arg : predicate.args()) {
      product *= selectivity(arg);
    }
    return product;
  }
  if (name == "or") {
    double none = 1;
    for (const Expr& arg : predicate.args()) {
      none *= 1 - selectivity(arg);
    }
    return 1 - none;
  }
  if (name == "=" || name == "like") {
    return 0.1;
  }
  if (name == "in") {
    return std::min(0.5, 0.1 * static_cast<double>(predicate.args().size() - 1));
  }
  if (name == "<" || name == "<=" || name == ">" || name == ">=" || name == "between") {
    return 0.33;
  }
  if (name == "not") {
    return 1 - selectivity(predicate.args()[0]);
  }
  return 0.5;
}

std::optional<double> estimated_rows(const NodePtr& node) {
  auto input = [&](size_t i) { return estimated_rows(node->inputs[i]); };
  switch (node->kind) {
    case Kind::kTable:
      return static_cast<double>(node->table->num_rows());
    case Kind::kScan: {
      std::optional<int64_t> rows = node->source->estimated_rows();
      if (!rows) {
        return std::nullopt;
      }
      double filtered = node->request.filter ? selectivity(*node->request.filter) : 1.0;
      return static_cast<double>(*rows) * filtered;
    }
    case Kind::kFilter: {
      std::optional<double> rows = input(0);
      return rows ? std::optional<double>(*rows * selectivity(node->exprs[0])) : std::nullopt;
    }
    case Kind::kLimit: {
      std::optional<double> rows = input(0);
      double limit = static_cast<double>(node->count);
      return rows ? std::min(*rows, limit) : limit;
    }
    case Kind::kUnion: {
      std::optional<double> left = input(0);
      std::optional<double> right = input(1);
      return left && right ? std::optional<double>(*left + *right) : std::nullopt;
    }
    case Kind::kJoin: {
      std::optional<double> left = input(0);
      std::optional<double> right = input(1);
      switch (node->join_type) {
        case JoinType::kSemi:
        case JoinType::kAnti:
        case JoinType::kLeft:
          return left;
        case JoinType::kRight:
          return right;
        case JoinType::kInner:
        case JoinType::kFull:
          // Mostly key to foreign key: each row of the larger side finds about one match.
          return left && right ? std::optional<double>(std::max(*left, *right)) : std::nullopt;
      }
      return std::nullopt;
    }
    case Kind::kAggregate:
      return node->keys.empty() ? std::optional<double>(1) : input(0);
    case Kind::kProject:
    case Kind::kWindow:
    case Kind::kSort:
    case Kind::kDistinct:
      return input(0);
  }
  throw InternalError("unknown plan node");
}

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

// The output column each (input side, input column) appears as.
std::map<std::pair<int, std::string>, std::string> output_names(const NodePtr& join) {
  std::map<std::pair<int, std::string>, std::string> names;
  for (const Field& field : join->inputs[0]->schema->fields()) {
    names[{0, field.name}] = field.name;
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

// The same join with its inputs swapped, projected back to the original columns; null if
// the columns cannot be restored exactly (a merged key whose two sides' types differ).
NodePtr swapped(const NodePtr& node) {
  NodePtr swapped = join(node->inputs[1], node->inputs[0], node->right_keys, node->keys,
                         mirrored(node->join_type));
  std::map<std::pair<int, std::string>, std::string> original = output_names(node);
  std::map<std::pair<int, std::string>, std::string> now = output_names(swapped);
  std::map<std::string, std::string> shown_as;  // original output name -> swapped output name
  for (const auto& [where, name] : original) {
    auto found = now.find({1 - where.first, where.second});
    if (found == now.end()) {
      return nullptr;
    }
    shown_as.emplace(name, found->second);
  }
  std::vector<Expr> columns;
  for (const Field& field : node->schema->fields()) {
    auto found = shown_as.find(field.name);
    if (found == shown_as.end()) {
      return nullptr;
    }
    columns.push_back(found->second == field.name ? col(field.name)
                                                  : col(found->second).alias(field.name));
  }
  bool identity = swapped->schema->names() == node->schema->names() &&
                  std::all_of(shown_as.begin(), shown_as.end(),
                              [](const auto& entry) { return entry.first == entry.second; });
  if (identity && *swapped->schema == *node->schema) {
    return swapped;  // each column already where and what it was: nothing to restore
  }
  NodePtr restored = project(swapped, std::move(columns));
  return *restored->schema == *node->schema ? restored : nullptr;
}

// A semi or anti join whose right input is much larger than its left, as joins that each
// hash the small side: the right rows with a partner on the left (a semi join building on
// the left), their distinct keys, then the original join against those keys. Same rows,
// same order (the left's); null if the right keys repeat a column.
NodePtr filtered_through_left(const NodePtr& node) {
  std::set<std::string> distinct_keys(node->right_keys.begin(), node->right_keys.end());
  if (distinct_keys.size() != node->right_keys.size()) {
    return nullptr;
  }
  NodePtr partners =
      join(node->inputs[1], node->inputs[0], node->right_keys, node->keys, JoinType::kSemi);
  std::vector<Expr> key_columns;
  for (const std::string& key : node->right_keys) {
    key_columns.push_back(col(key));
  }
  NodePtr keys = distinct(project(partners, std::move(key_columns)));
  return join(node->inputs[0], keys, node->keys, node->right_keys, node->join_type);
}

}  // namespace

NodePtr choose_join_sides(const NodePtr& node) {
  std::vector<NodePtr> inputs;
  bool changed = false;
  for (const NodePtr& input : node->inputs) {
    inputs.push_back(choose_join_sides(input));
    changed = changed || inputs.back() != input;
  }
  NodePtr current = changed ? rebuild(node, std::move(inputs)) : node;
  if (current->kind != Kind::kJoin) {
    return current;
  }
  std::optional<double> left = estimated_rows(current->inputs[0]);
  std::optional<double> right = estimated_rows(current->inputs[1]);
  if (!left || !right || *right <= *left * kSwapRatio || *right < kSmallBuildRows) {
    return current;
  }
  NodePtr better =
      swappable(current->join_type) ? swapped(current) : filtered_through_left(current);
  return better ? better : current;
}

}  // namespace setl::engine::plan
