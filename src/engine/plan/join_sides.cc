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

// Rows a plan is expected to produce, and how many it would without the filters in it:
// their ratio says what share of a side's keys survive, which is what a semi join or a
// key to foreign key join keeps of the other side.
struct Estimate {
  double rows = 0;
  double unfiltered = 0;

  double kept() const { return unfiltered > 0 ? std::min(1.0, rows / unfiltered) : 1.0; }
};

// Estimates once per node (a scan's source may read a file footer to answer), keeping
// the nodes it saw alive so that their addresses stay theirs.
class Estimator {
 public:
  std::optional<Estimate> of(const NodePtr& node) {
    auto found = memo_.find(node.get());
    if (found != memo_.end()) {
      return found->second.second;
    }
    std::optional<Estimate> estimate = compute(node);
    memo_.emplace(node.get(), std::make_pair(node, estimate));
    return estimate;
  }

 private:
  std::optional<Estimate> compute(const NodePtr& node) {
    auto input = [&](size_t i) { return of(node->inputs[i]); };
    switch (node->kind) {
      case Kind::kTable: {
        auto rows = static_cast<double>(node->table->num_rows());
        return Estimate{rows, rows};
      }
      case Kind::kScan: {
        std::optional<int64_t> rows = node->source->estimated_rows();
        if (!rows) {
          return std::nullopt;
        }
        double filtered = node->request.filter ? selectivity(*node->request.filter) : 1.0;
        return Estimate{static_cast<double>(*rows) * filtered, static_cast<double>(*rows)};
      }
      case Kind::kFilter: {
        std::optional<Estimate> in = input(0);
        return in ? std::optional<Estimate>(
                        Estimate{in->rows * selectivity(node->exprs[0]), in->unfiltered})
                  : std::nullopt;
      }
      case Kind::kLimit: {
        std::optional<Estimate> in = input(0);
        auto limit = static_cast<double>(node->count);
        return in ? Estimate{std::min(in->rows, limit), in->unfiltered} : Estimate{limit, limit};
      }
      case Kind::kUnion: {
        std::optional<Estimate> left = input(0);
        std::optional<Estimate> right = input(1);
        return left && right ? std::optional<Estimate>(Estimate{
                                   left->rows + right->rows, left->unfiltered + right->unfiltered})
                             : std::nullopt;
      }
      case Kind::kJoin:
        return join_estimate(*node, input(0), input(1));
      case Kind::kAggregate:
        return node->keys.empty() ? Estimate{1, 1} : input(0);
      case Kind::kProject:
      case Kind::kWindow:
      case Kind::kSort:
      case Kind::kDistinct:
        return input(0);
    }
    throw InternalError("unknown plan node");
  }

  // Joins are taken to match keys to foreign keys: each row of the larger side finds
  // about one partner on the smaller, if the filters on the smaller side kept it.
  static std::optional<Estimate> join_estimate(const detail::PlanNode& join,
                                               std::optional<Estimate> left,
                                               std::optional<Estimate> right) {
    switch (join.join_type) {
      case JoinType::kLeft:
        return left;
      case JoinType::kRight:
        return right;
      case JoinType::kSemi:
        return left && right
                   ? std::optional<Estimate>(Estimate{left->rows * right->kept(), left->unfiltered})
                   : left;
      case JoinType::kAnti:
        // At least a tenth: an anti join against a whole table still keeps the orphans.
        return left && right ? std::optional<Estimate>(Estimate{
                                   left->rows * std::max(0.1, 1 - right->kept()), left->unfiltered})
                             : left;
      case JoinType::kInner:
      case JoinType::kFull: {
        if (!left || !right) {
          return std::nullopt;
        }
        const Estimate& larger = left->rows >= right->rows ? *left : *right;
        const Estimate& smaller = left->rows >= right->rows ? *right : *left;
        double rows =
            join.join_type == JoinType::kFull ? larger.rows : larger.rows * smaller.kept();
        return Estimate{rows, std::max(left->unfiltered, right->unfiltered)};
      }
    }
    return std::nullopt;
  }

  std::map<const detail::PlanNode*, std::pair<NodePtr, std::optional<Estimate>>> memo_;
};

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

// Whether a plan costs little more than reading its input: the rewrite below runs the
// left input twice, which must not repeat joins or aggregations.
bool cheap_to_repeat(const NodePtr& node) {
  switch (node->kind) {
    case Kind::kTable:
    case Kind::kScan:
      return true;
    case Kind::kFilter:
    case Kind::kProject:
    case Kind::kLimit:
      return cheap_to_repeat(node->inputs[0]);
    default:
      return false;
  }
}

// A semi or anti join whose right input is much larger than its left, as joins that each
// hash the small side: the right rows with a partner on the left (a semi join building on
// the left), their distinct keys, then the original join against those keys. Same rows,
// same order (the left's); null if the right keys repeat a column.
NodePtr filtered_through_left(const NodePtr& node) {
  std::set<std::string> distinct_keys(node->right_keys.begin(), node->right_keys.end());
  if (distinct_keys.size() != node->right_keys.size() || !cheap_to_repeat(node->inputs[0])) {
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

namespace {

NodePtr choose_join_sides(const NodePtr& node, Estimator& estimator) {
  std::vector<NodePtr> inputs;
  bool changed = false;
  for (const NodePtr& input : node->inputs) {
    inputs.push_back(choose_join_sides(input, estimator));
    changed = changed || inputs.back() != input;
  }
  NodePtr current = changed ? rebuild(node, std::move(inputs)) : node;
  if (current->kind != Kind::kJoin) {
    return current;
  }
  std::optional<Estimate> left = estimator.of(current->inputs[0]);
  std::optional<Estimate> right = estimator.of(current->inputs[1]);
  if (!left || !right || right->rows <= left->rows * kSwapRatio || right->rows < kSmallBuildRows) {
    return current;
  }
  NodePtr better =
      swappable(current->join_type) ? swapped(current) : filtered_through_left(current);
  return better ? better : current;
}

}  // namespace

NodePtr choose_join_sides(const NodePtr& node) {
  Estimator estimator;
  return choose_join_sides(node, estimator);
}

}  // namespace setl::engine::plan
