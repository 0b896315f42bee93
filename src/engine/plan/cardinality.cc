#include "engine/plan/cardinality.h"

#include <algorithm>

#include "setl/core/error.h"

namespace setl::engine::plan {
namespace {

using Kind = detail::PlanNode::Kind;

// Share of `input`'s rows where a column equals one of `values` constants: from the
// column's distinct values when its table can be sampled, else a tenth per value.
double equality_selectivity(const Expr& column, const NodePtr& input, size_t values) {
  if (input && column.kind() == ExprKind::kColumn) {
    std::optional<double> distinct = estimated_distinct(input, column.name());
    if (distinct && *distinct >= 1) {
      return std::min(1.0, static_cast<double>(values) / *distinct);
    }
  }
  return std::min(0.5, 0.1 * static_cast<double>(values));
}

bool all_literals(const std::vector<Expr>& args, size_t from) {
  return std::all_of(args.begin() + static_cast<std::ptrdiff_t>(from), args.end(),
                     [](const Expr& arg) { return arg.kind() == ExprKind::kLiteral; });
}

double selectivity(const Expr& predicate, const NodePtr& input);

// The textbook shares, for predicates no sample can measure: = a value's share of the
// distinct values (a tenth when unknown), ranges a third, LIKE a tenth.
double assumed_selectivity(const Expr& predicate, const NodePtr& input) {
  if (predicate.kind() != ExprKind::kCall) {
    return 0.5;
  }
  const std::string& name = predicate.name();
  const std::vector<Expr>& args = predicate.args();
  if (name == "and") {
    double product = 1;
    for (const Expr& arg : args) {
      product *= selectivity(arg, input);
    }
    return product;
  }
  if (name == "or") {
    double none = 1;
    for (const Expr& arg : args) {
      none *= 1 - selectivity(arg, input);
    }
    return 1 - none;
  }
  if (name == "=" && args.size() == 2) {
    if (args[1].kind() == ExprKind::kLiteral) {
      return equality_selectivity(args[0], input, 1);
    }
    if (args[0].kind() == ExprKind::kLiteral) {
      return equality_selectivity(args[1], input, 1);
    }
    return 0.1;
  }
  if (name == "like") {
    return 0.1;
  }
  if (name == "in") {
    return all_literals(args, 1) ? equality_selectivity(args[0], input, args.size() - 1)
                                 : std::min(0.5, 0.1 * static_cast<double>(args.size() - 1));
  }
  if (name == "<" || name == "<=" || name == ">" || name == ">=" || name == "between") {
    return 0.33;
  }
  if (name == "not") {
    return 1 - selectivity(args[0], input);
  }
  return 0.5;
}

// Below this many matching sampled rows, a measured share says only that the predicate
// is rare.
constexpr double kEnoughMatches = 10;

// `input` is the plan the predicate filters (null for a scan's pushed-down filter).
double selectivity(const Expr& predicate, const NodePtr& input) {
  std::optional<SampledSelectivity> sampled = sampled_selectivity(predicate, input);
  if (!sampled || sampled->sampled <= 0) {
    return assumed_selectivity(predicate, input);
  }
  if (sampled->matched >= kEnoughMatches) {
    return sampled->matched / sampled->sampled;
  }
  double at_most = (sampled->matched + 1) / sampled->sampled;
  return std::min(at_most, assumed_selectivity(predicate, input));
}

// Whether one of `columns` of `input` is a key of the table it comes from (as many
// distinct values as about half its rows, or more): the join is then known to find at
// most about one partner there per row.
bool holds_key(const NodePtr& input, const std::vector<std::string>& columns,
               const Estimate& estimate) {
  constexpr double kKeyShare = 0.5;
  return std::any_of(columns.begin(), columns.end(), [&](const std::string& column) {
    std::optional<double> distinct = estimated_distinct(input, column);
    return distinct && *distinct >= kKeyShare * estimate.unfiltered;
  });
}

// Joins are taken to match keys to foreign keys: each row of the foreign-key side (the
// larger, unless sampling says which side holds the key) finds about one partner on the
// other, if the filters on that side kept it.
std::optional<Estimate> join_estimate(const detail::PlanNode& join, std::optional<Estimate> left,
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
      double rows = larger.rows * smaller.kept();
      // Where a side's keys are known to be a key, the other side is the foreign key.
      bool left_key = holds_key(join.inputs[0], join.keys, *left);
      bool right_key = holds_key(join.inputs[1], join.right_keys, *right);
      if (left_key != right_key) {
        rows = right_key ? left->rows * right->kept() : right->rows * left->kept();
      }
      if (join.join_type == JoinType::kFull) {
        rows = larger.rows;
      }
      return Estimate{rows, std::max(left->unfiltered, right->unfiltered)};
    }
  }
  return std::nullopt;
}

}  // namespace

std::optional<Estimate> CardinalityEstimator::of(const NodePtr& node) {
  auto found = memo_.find(node.get());
  if (found != memo_.end()) {
    return found->second.second;
  }
  std::optional<Estimate> estimate = compute(node);
  memo_.emplace(node.get(), std::make_pair(node, estimate));
  return estimate;
}

std::optional<Estimate> CardinalityEstimator::compute(const NodePtr& node) {
  auto input = [&](size_t i) { return of(node->inputs[i]); };
  switch (node->kind) {
    case Kind::kTable: {
      if (node->partition) {
        return std::nullopt;  // one rank's part: every rank must plan alike
      }
      auto rows = static_cast<double>(node->table->num_rows());
      return Estimate{rows, rows};
    }
    case Kind::kScan: {
      std::optional<int64_t> rows = node->source->estimated_rows();
      if (!rows) {
        return std::nullopt;
      }
      double filtered = node->request.filter ? selectivity(*node->request.filter, nullptr) : 1.0;
      return Estimate{static_cast<double>(*rows) * filtered, static_cast<double>(*rows)};
    }
    case Kind::kFilter: {
      std::optional<Estimate> in = input(0);
      return in ? std::optional<Estimate>(Estimate{
                      in->rows * selectivity(node->exprs[0], node->inputs[0]), in->unfiltered})
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
      return left && right ? std::optional<Estimate>(Estimate{left->rows + right->rows,
                                                              left->unfiltered + right->unfiltered})
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
    case Kind::kExchange:  // estimates count the rows of every rank
      return input(0);
  }
  throw InternalError("unknown plan node");
}

}  // namespace setl::engine::plan
