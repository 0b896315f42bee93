// The optimized plan made distributed: each node is placed — replicated (the same rows on
// every rank), spread (each rank holds a part) or hashed on some columns (each rank holds
// the rows whose keys hash to it) — and exchanges are added where an operator needs rows
// of other ranks (the rules are listed in setl/engine/distributed.h). Estimates read the
// plan before distribution, which every rank sees alike (a rank's own part of a table
// gives none), so every rank takes the same decisions; check_plans_agree() verifies it.
#include <algorithm>
#include <climits>
#include <map>

#include <fmt/format.h>

#include "engine/plan/cardinality.h"
#include "engine/plan/logical_plan.h"
#include "setl/core/error.h"
#include "setl/engine/functions.h"

namespace setl::engine::plan {
namespace {

using Kind = detail::PlanNode::Kind;
using ExchangeKind = detail::PlanNode::Exchange;

// Where a node's rows are. Hashed rows may be hashed on several column lists at once
// (after an inner join, on the left keys and on the right keys, which hold equal values).
struct Placement {
  enum class How { kReplicated, kSpread, kHashed };
  using Keys = std::vector<std::string>;
  How how = How::kSpread;
  std::vector<Keys> key_sets;  // kHashed: output columns hashed, in order; one list or more

  bool replicated() const { return how == How::kReplicated; }
  static Placement replicated_rows() { return {How::kReplicated, {}}; }
  static Placement spread() { return {How::kSpread, {}}; }
  static Placement hashed(Keys keys) { return {How::kHashed, {std::move(keys)}}; }

  /// True if rows equal on `columns` are on one rank: hashed on some of them.
  bool together_on(const Keys& columns) const {
    return std::any_of(key_sets.begin(), key_sets.end(), [&](const Keys& keys) {
      return !keys.empty() && std::all_of(keys.begin(), keys.end(), [&](const std::string& key) {
        return std::find(columns.begin(), columns.end(), key) != columns.end();
      });
    });
  }
  bool hashed_exactly(const Keys& keys) const {
    return std::find(key_sets.begin(), key_sets.end(), keys) != key_sets.end();
  }
  /// The placement seen through new column names (`rename` gives nullopt for a column that
  /// is gone): key lists that lose a column are dropped.
  template <class Rename>
  Placement renamed(const Rename& rename) const {
    if (how != How::kHashed) {
      return *this;
    }
    Placement result{How::kHashed, {}};
    for (const Keys& keys : key_sets) {
      Keys now;
      for (const std::string& key : keys) {
        std::optional<std::string> name = rename(key);
        if (!name) {
          break;
        }
        now.push_back(*name);
      }
      if (now.size() == keys.size()) {
        result.key_sets.push_back(std::move(now));
      }
    }
    return result.key_sets.empty() ? spread() : result;
  }
  /// Either placement's key lists (both hashed).
  static Placement either(const Placement& a, const Placement& b) {
    if (a.how != How::kHashed) {
      return b;
    }
    if (b.how != How::kHashed) {
      return a;
    }
    Placement result = a;
    result.key_sets.insert(result.key_sets.end(), b.key_sets.begin(), b.key_sets.end());
    return result;
  }
};

struct Placed {
  NodePtr node;
  Placement placement;
};

// The aggregates of a node split into a partial step on each rank and a final one after
// the shuffle; nullopt when some aggregate cannot be combined that way.
struct SplitAggregates {
  std::vector<Expr> partial;
  std::vector<Expr> final;
  std::vector<Expr> output;  // over the final step's columns: the original names and types
};

std::optional<SplitAggregates> split_aggregates(const detail::PlanNode& aggregate) {
  SplitAggregates split;
  for (const std::string& key : aggregate.keys) {
    split.output.push_back(col(key));
  }
  for (size_t i = 0; i < aggregate.exprs.size(); ++i) {
    const Expr& expr = aggregate.exprs[i];
    if (expr.kind() != ExprKind::kAggregate) {
      return std::nullopt;
    }
    const std::string& name = expr.name();
    std::string part = fmt::format("__setl_partial_{}", i);
    std::string out = expr.output_name();
    if (name == "count" || name == "count_all" || name == "sum") {
      split.partial.push_back(with_alias(expr, part));
      split.final.push_back(fn::sum(col(part)).alias(out));
    } else if (name == "min" || name == "max") {
      split.partial.push_back(with_alias(expr, part));
      split.final.push_back((name == "min" ? fn::min(col(part)) : fn::max(col(part))).alias(out));
    } else if ((name == "mean" || name == "avg") && expr.args().size() == 1) {
      split.partial.push_back(fn::sum(expr.args()[0]).alias(part + "_sum"));
      split.partial.push_back(fn::count(expr.args()[0]).alias(part + "_count"));
      split.final.push_back(fn::sum(col(part + "_sum")).alias(part + "_sum"));
      split.final.push_back(fn::sum(col(part + "_count")).alias(part + "_count"));
      split.output.push_back((col(part + "_sum").cast(DataType::float64()) /
                              col(part + "_count").cast(DataType::float64()))
                                 .alias(out));
      continue;
    } else {
      return std::nullopt;
    }
    split.output.push_back(col(out));
  }
  return split;
}

// A key pair hashes alike on both sides of a join.
bool hash_compatible(const DataType& left, const DataType& right) {
  auto integral = [](const DataType& type) {
    return type.id() == TypeId::kInt32 || type.id() == TypeId::kInt64;
  };
  return left == right || (integral(left) && integral(right));
}

bool same_columns(const Schema& a, const Schema& b) {
  if (a.num_fields() != b.num_fields()) {
    return false;
  }
  for (size_t i = 0; i < a.num_fields(); ++i) {
    if (a.field(i).name != b.field(i).name || !(a.field(i).type == b.field(i).type)) {
      return false;
    }
  }
  return true;
}

// Both inputs hashed on key lists the join pairs up, position by position.
bool co_partitioned(const detail::PlanNode& join, const Placement& left, const Placement& right) {
  for (const Placement::Keys& left_keys : left.key_sets) {
    for (const Placement::Keys& right_keys : right.key_sets) {
      bool aligned = left_keys.size() == right_keys.size() && !left_keys.empty();
      for (size_t p = 0; p < left_keys.size() && aligned; ++p) {
        aligned = false;
        for (size_t i = 0; i < join.keys.size(); ++i) {
          aligned =
              aligned || (join.keys[i] == left_keys[p] && join.right_keys[i] == right_keys[p]);
        }
      }
      if (aligned) {
        return true;
      }
    }
  }
  return false;
}

class Distributor {
 public:
  explicit Distributor(const DistributedContext& context)
      : context_(std::make_shared<DistributedContext>(context)),
        rank_(context.communicator->rank()),
        ranks_(context.communicator->size()) {}

  Placed place(const NodePtr& node) {
    if (auto found = memo_.find(node.get()); found != memo_.end()) {
      return found->second;
    }
    Placed placed = compute(node);
    memo_.emplace(node.get(), placed);
    return placed;
  }

  // The rows of `placed` gathered on every rank, in rank order.
  NodePtr gathered(const Placed& placed) {
    return placed.placement.replicated() ? placed.node : to_all(placed.node, ExchangeKind::kGather);
  }

 private:
  Placed compute(const NodePtr& node) {
    switch (node->kind) {
      case Kind::kTable:
        return place_table(node);
      case Kind::kScan:
        return place_scan(node);
      case Kind::kFilter: {
        Placed input = place(node->inputs[0]);
        return {rebuild(node, {input.node}), input.placement};
      }
      case Kind::kProject:
        return place_project(node);
      case Kind::kWindow:
        return place_window(node);
      case Kind::kLimit:
        return place_limit(node);
      case Kind::kSort: {
        Placed input = place(node->inputs[0]);
        if (input.placement.replicated()) {
          return {rebuild(node, {input.node}), input.placement};
        }
        NodePtr ranged = exchange(input.node, ExchangeKind::kRange, context_, {}, node->sort_keys);
        return {rebuild(node, {ranged}), Placement::spread()};
      }
      case Kind::kDistinct: {
        Placed input = place(node->inputs[0]);
        if (input.placement.how != Placement::How::kSpread) {
          // Equal rows have equal keys, so they are already on one rank.
          return {rebuild(node, {input.node}), input.placement};
        }
        NodePtr hashed = exchange(input.node, ExchangeKind::kHash, context_, node->schema->names());
        return {rebuild(node, {hashed}), Placement::hashed(node->schema->names())};
      }
      case Kind::kUnion:
        return place_union(node);
      case Kind::kJoin:
        return place_join(node);
      case Kind::kAggregate:
        return place_aggregate(node);
      case Kind::kExchange:
        throw InternalError("a plan was distributed twice");
    }
    throw InternalError("unknown plan node");
  }

  std::optional<double> estimate(const NodePtr& node) {
    std::optional<Estimate> estimated = estimator_.of(node);
    return estimated ? std::optional<double>(estimated->rows) : std::nullopt;
  }
  bool small(const NodePtr& original) {
    std::optional<double> rows = estimate(original);
    return rows && *rows <= static_cast<double>(context_->broadcast_rows);
  }

  NodePtr to_all(const NodePtr& node, ExchangeKind kind) { return exchange(node, kind, context_); }
  // Rows hashed on `keys` across the ranks.
  NodePtr hashed_on(const Placed& placed, const std::vector<std::string>& keys) {
    if (placed.placement.hashed_exactly(keys)) {
      return placed.node;
    }
    return exchange(placed.node,
                    placed.placement.replicated() ? ExchangeKind::kHashLocal : ExchangeKind::kHash,
                    context_, keys);
  }

  Placed place_table(const NodePtr& node) {
    if (node->partition) {
      return {node, Placement::spread()};
    }
    const Table& whole = *node->table;
    if (whole.num_rows() <= context_->broadcast_rows) {
      return {node, Placement::replicated_rows()};
    }
    // Every rank holds the table: each takes its share of the rows.
    int64_t rows = whole.num_rows();
    int64_t begin = rows * rank_ / ranks_;
    int64_t end = rows * (rank_ + 1) / ranks_;
    return {table(whole.slice(begin, end - begin), true), Placement::spread()};
  }

  Placed place_scan(const NodePtr& node) {
    // What a rank reads is the whole source, whatever its filter keeps: only a small
    // source is read whole by every rank.
    std::optional<int64_t> rows = node->source->estimated_rows();
    if (rows && *rows <= context_->broadcast_rows) {
      return {node, Placement::replicated_rows()};
    }
    ScanRequest request = node->request;
    request.shard = rank_;
    request.shards = ranks_;
    return {scan(node->source, std::move(request)), Placement::spread()};
  }

  Placed place_project(const NodePtr& node) {
    Placed input = place(node->inputs[0]);
    NodePtr projected = rebuild(node, {input.node});
    return {projected, input.placement.renamed([&](const std::string& key) {
              auto shown =
                  std::find_if(node->exprs.begin(), node->exprs.end(), [&](const Expr& expr) {
                    return expr.kind() == ExprKind::kColumn && expr.name() == key;
                  });
              return shown == node->exprs.end() ? std::nullopt
                                                : std::optional<std::string>(shown->output_name());
            })};
  }

  Placed place_window(const NodePtr& node) {
    Placed input = place(node->inputs[0]);
    if (input.placement.replicated()) {
      return {rebuild(node, {input.node}), input.placement};
    }
    const std::vector<std::string>& by = node->exprs[0].window().partition_by;
    if (by.empty()) {
      return {rebuild(node, {gathered(input)}), Placement::replicated_rows()};
    }
    if (input.placement.together_on(by)) {
      return {rebuild(node, {input.node}), input.placement};
    }
    return {rebuild(node, {hashed_on(input, by)}), Placement::hashed(by)};
  }

  Placed place_limit(const NodePtr& node) {
    const NodePtr& below = node->inputs[0];
    int64_t wanted =
        node->count > INT64_MAX - node->offset ? INT64_MAX : node->count + node->offset;
    if (below->kind == Kind::kSort) {
      // Top-N: each rank's first rows, then the first of those.
      Placed input = place(below->inputs[0]);
      if (input.placement.replicated()) {
        return {limit(rebuild(below, {input.node}), node->count, node->offset), input.placement};
      }
      NodePtr local = limit(sort(input.node, below->sort_keys), wanted, 0);
      NodePtr all = to_all(local, ExchangeKind::kGather);
      return {limit(sort(all, below->sort_keys), node->count, node->offset),
              Placement::replicated_rows()};
    }
    Placed input = place(below);
    if (input.placement.replicated()) {
      return {rebuild(node, {input.node}), input.placement};
    }
    // Gathered in rank order: above a distributed sort, the ranks' rows follow one another.
    NodePtr all = to_all(limit(input.node, wanted, 0), ExchangeKind::kGather);
    return {limit(all, node->count, node->offset), Placement::replicated_rows()};
  }

  Placed place_union(const NodePtr& node) {
    Placed left = place(node->inputs[0]);
    Placed right = place(node->inputs[1]);
    if (left.placement.replicated() && right.placement.replicated()) {
      return {rebuild(node, {left.node, right.node}), Placement::replicated_rows()};
    }
    auto spread = [&](const Placed& side) {
      return side.placement.replicated() ? to_all(side.node, ExchangeKind::kShare) : side.node;
    };
    return {rebuild(node, {spread(left), spread(right)}), Placement::spread()};
  }

  Placed place_aggregate(const NodePtr& node);
  Placed place_join(const NodePtr& node);

  std::shared_ptr<const DistributedContext> context_;
  int rank_;
  int ranks_;
  CardinalityEstimator estimator_;
  std::map<const detail::PlanNode*, Placed> memo_;
};

Placed Distributor::place_aggregate(const NodePtr& node) {
  Placed input = place(node->inputs[0]);
  const std::vector<std::string>& keys = node->keys;
  if (input.placement.replicated() || (!keys.empty() && input.placement.together_on(keys))) {
    return {rebuild(node, {input.node}), input.placement};  // every group is on one rank
  }
  Placement result = keys.empty() ? Placement::replicated_rows() : Placement::hashed(keys);
  auto moved = [&](const NodePtr& rows) {
    return keys.empty() ? to_all(rows, ExchangeKind::kGather)
                        : exchange(rows, ExchangeKind::kHash, context_, keys);
  };
  std::optional<SplitAggregates> split = split_aggregates(*node);
  if (!split) {
    return {rebuild(node, {moved(input.node)}), result};
  }
  NodePtr partial = aggregate(input.node, keys, split->partial);
  NodePtr combined = aggregate(moved(partial), keys, split->final);
  NodePtr output = project(combined, split->output);
  // The combined step must give the original columns and types, or it is not used.
  if (!same_columns(*output->schema, *node->schema)) {
    return {rebuild(node, {moved(input.node)}), result};
  }
  return {output, result};
}

Placed Distributor::place_join(const NodePtr& node) {
  Placed left = place(node->inputs[0]);
  Placed right = place(node->inputs[1]);
  const JoinType type = node->join_type;
  const bool right_may_be_whole = type == JoinType::kInner || type == JoinType::kLeft ||
                                  type == JoinType::kSemi || type == JoinType::kAnti;
  const bool left_may_be_whole = type == JoinType::kInner || type == JoinType::kRight;
  std::map<std::pair<int, std::string>, std::string> shown = output_names(node);
  // The placement of one side's rows, seen through the join's output names.
  auto through = [&](const Placement& placement, int side) {
    return placement.renamed([&](const std::string& key) {
      auto found = shown.find({side, key});
      return found == shown.end() ? std::nullopt : std::optional<std::string>(found->second);
    });
  };
  auto joined = [&](const NodePtr& l, const NodePtr& r, Placement placement) {
    return Placed{rebuild(node, {l, r}), std::move(placement)};
  };
  if (left.placement.replicated() && right.placement.replicated()) {
    return joined(left.node, right.node, Placement::replicated_rows());
  }
  if (right.placement.replicated() && right_may_be_whole) {
    return joined(left.node, right.node, through(left.placement, 0));
  }
  if (left.placement.replicated() && left_may_be_whole) {
    return joined(left.node, right.node, through(right.placement, 1));
  }
  bool hashable = !node->keys.empty();
  for (size_t i = 0; i < node->keys.size(); ++i) {
    const Schema& left_schema = *node->inputs[0]->schema;
    const Schema& right_schema = *node->inputs[1]->schema;
    hashable = hashable &&
               hash_compatible(left_schema.field(left_schema.index_of(node->keys[i])).type,
                               right_schema.field(right_schema.index_of(node->right_keys[i])).type);
  }
  // Rows of a shuffled join: the left keys place every row but a right or full join's
  // unmatched right rows; an inner join's right keys hold the same values.
  auto by_keys = [&](const Placement& left_side, const Placement& right_side) {
    if (!right_may_be_whole) {
      return Placement::spread();
    }
    Placement by_left = through(left_side, 0);
    return type == JoinType::kInner ? Placement::either(by_left, through(right_side, 1)) : by_left;
  };
  // Already hashed alike on matching keys: each rank joins its rows.
  if (hashable && co_partitioned(*node, left.placement, right.placement)) {
    return joined(left.node, right.node, by_keys(left.placement, right.placement));
  }
  if (right_may_be_whole && (small(node->inputs[1]) || !hashable)) {
    NodePtr everywhere = to_all(right.node, ExchangeKind::kBroadcast);
    return left.placement.replicated() ? joined(left.node, everywhere, Placement::replicated_rows())
                                       : joined(left.node, everywhere, through(left.placement, 0));
  }
  if (left_may_be_whole && small(node->inputs[0])) {
    return joined(to_all(left.node, ExchangeKind::kBroadcast), right.node,
                  through(right.placement, 1));
  }
  if (hashable) {
    return joined(hashed_on(left, node->keys), hashed_on(right, node->right_keys),
                  by_keys(Placement::hashed(node->keys), Placement::hashed(node->right_keys)));
  }
  // A right or full join without keys to hash: every rank joins all the rows.
  return joined(gathered(left), gathered(right), Placement::replicated_rows());
}

// The operators and exchanges of a plan, in the order the executor meets them: what every
// rank must agree on (tables' and scans' own rows differ).
NodePtr with_agreed_shares(const NodePtr& node, Communicator& communicator,
                           std::map<const detail::PlanNode*, NodePtr>& done) {
  if (auto found = done.find(node.get()); found != done.end()) {
    return found->second;  // a subplan used twice is settled once
  }
  NodePtr settled;
  if (node->kind == Kind::kScan) {
    settled = node->request.shards > 1 && node->source->reads_shares()
                  ? scan(node->source, node->source->agree_share(node->request, communicator))
                  : node;
  } else {
    std::vector<NodePtr> inputs;
    bool changed = false;
    for (const NodePtr& input : node->inputs) {
      inputs.push_back(with_agreed_shares(input, communicator, done));
      changed = changed || inputs.back() != input;
    }
    settled = changed ? rebuild(node, std::move(inputs)) : node;
  }
  done.emplace(node.get(), settled);
  return settled;
}

void shape_of(const NodePtr& node, std::string& out, std::map<const detail::PlanNode*, int>& seen) {
  auto [found, first] = seen.try_emplace(node.get(), static_cast<int>(seen.size()));
  if (!first) {
    out += fmt::format("@{};", found->second);
    return;
  }
  out += std::to_string(static_cast<int>(node->kind));
  if (node->kind == Kind::kExchange) {
    out += describe(*node);
  }
  out += "(";
  for (const NodePtr& input : node->inputs) {
    shape_of(input, out, seen);
  }
  out += ")";
}

}  // namespace

NodePtr distribute(const NodePtr& optimized, const DistributedContext& context, bool gather) {
  if (context.communicator == nullptr) {
    throw StateError("a distributed plan needs a communicator");
  }
  Distributor distributor(context);
  Placed placed = distributor.place(optimized);
  return gather ? distributor.gathered(placed) : placed.node;
}

void check_plans_agree(const NodePtr& distributed, Communicator& communicator) {
  std::string shape;
  std::map<const detail::PlanNode*, int> seen;
  shape_of(distributed, shape, seen);
  std::vector<std::string> shapes = communicator.all_gather(shape);
  for (size_t rank = 1; rank < shapes.size(); ++rank) {
    if (shapes[rank] != shapes[0]) {
      throw DistributedError(fmt::format(
          "ranks 0 and {} planned different distributed queries (their exchanges differ); "
          "every rank must run the same queries on sources that look alike to the planner",
          rank));
    }
  }
}

NodePtr agree_shares(const NodePtr& distributed, Communicator& communicator) {
  std::map<const detail::PlanNode*, NodePtr> done;
  return with_agreed_shares(distributed, communicator, done);
}

}  // namespace setl::engine::plan
