// Logical plan nodes behind LazyFrame, their construction (with output schemas) and the
// optimizer (private to the engine).
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "engine/exec/exchange.h"
#include "setl/engine/distributed.h"
#include "setl/engine/lazy_frame.h"

namespace setl::engine {
namespace detail {

struct PlanNode {
  enum class Kind {
    kTable,
    kScan,
    kProject,
    kWindow,
    kFilter,
    kLimit,
    kSort,
    kDistinct,
    kUnion,
    kJoin,
    kAggregate,
    kExchange
  };
  using Exchange = ExchangeKind;  // exec/exchange.h
  Kind kind = Kind::kTable;
  std::vector<std::shared_ptr<const PlanNode>> inputs;
  SchemaPtr schema;

  std::optional<Table> table;
  std::shared_ptr<const ScanSource> source;
  ScanRequest request;
  // project columns, filter predicate, aggregates, window function, join condition
  std::vector<Expr> exprs;
  std::vector<std::string> keys;
  std::vector<std::string> right_keys;
  std::string name;  // window output column
  JoinType join_type = JoinType::kInner;
  std::string right_suffix;  // a join's, for right column names the left already has
  int64_t count = 0;
  int64_t offset = 0;
  std::vector<SortKey> sort_keys;
  // Distributed plans: an exchange's kind and context; a table that is this rank's part
  // of a distributed table (LazyFrame::from_partition).
  Exchange exchange = Exchange::kHash;
  std::shared_ptr<const DistributedContext> distributed;
  bool partition = false;
};

}  // namespace detail

namespace plan {

using NodePtr = std::shared_ptr<const detail::PlanNode>;

/// `partition`: the table is this rank's part of a distributed table.
NodePtr table(Table table, bool partition = false);
NodePtr scan(std::shared_ptr<const ScanSource> source, ScanRequest request);
NodePtr project(NodePtr input, std::vector<Expr> columns);
NodePtr window(NodePtr input, std::string name, Expr function);
NodePtr filter(NodePtr input, Expr predicate);
NodePtr limit(NodePtr input, int64_t count, int64_t offset);
NodePtr sort(NodePtr input, std::vector<SortKey> keys);
NodePtr distinct(NodePtr input);
NodePtr union_all(NodePtr left, NodePtr right);
NodePtr join(NodePtr left, NodePtr right, std::vector<std::string> left_on,
             std::vector<std::string> right_on, JoinType type, std::string right_suffix,
             std::optional<Expr> condition = std::nullopt);
/// A join's condition besides its keys (JoinOptions::condition), if it has one.
std::optional<Expr> join_condition(const detail::PlanNode& join);
NodePtr aggregate(NodePtr input, std::vector<std::string> keys, std::vector<Expr> aggregates);
/// Rows of `input` moved between ranks (`keys` for kHash and kHashLocal, `sort_keys` for
/// kRange).
NodePtr exchange(NodePtr input, detail::PlanNode::Exchange kind,
                 std::shared_ptr<const DistributedContext> context,
                 std::vector<std::string> keys = {}, std::vector<SortKey> sort_keys = {});
/// The optimized plan run on every rank of `context`: scans read their shares, exchanges
/// move rows where operators need them, and the result is gathered on every rank (unless
/// `gather` is false: each rank keeps its part). Decisions that depend on estimates are
/// the same on every rank when they read the same sources.
NodePtr distribute(const NodePtr& optimized, const DistributedContext& context, bool gather);
/// True if `node` or anything below it is an exchange.
bool contains_exchange(const NodePtr& node);
/// Checks that every rank planned the same operators and exchanges (a collective).
/// Throws: DistributedError naming the ranks whose plans differ.
void check_plans_agree(const NodePtr& distributed, Communicator& communicator);
/// The plan with every scan's share settled with the other ranks (ScanSource::agree_share;
/// a collective, called once the plans agree so every rank settles the same scans).
NodePtr agree_shares(const NodePtr& distributed, Communicator& communicator);

Table execute(const NodePtr& node);
/// The result as a stream: breakers below the last pipeline run now, the last pipeline
/// runs as the stream is read.
std::unique_ptr<BatchStream> execute_stream(const NodePtr& node);
/// The node's explain line without its inputs: "Join inner on a = b", "Scan ...".
std::string describe(const detail::PlanNode& node);
/// Text added to a node's explain line (empty: nothing).
using Annotation = std::function<std::string(const detail::PlanNode&)>;
std::string explain(const NodePtr& node, const Annotation& annotate = {});
/// Runs the plan (already optimized) and returns its explain text with each operator's
/// rows, batches, time and peak reservation.
std::string explain_analyze(const NodePtr& node);
NodePtr optimize(const NodePtr& node);
/// The plan with its filters pushed down to where they act, and nothing else changed:
/// enough for a row estimate, at a fraction of optimize()'s cost (planners ask for
/// estimates of many candidate plans).
NodePtr with_filters_pushed(const NodePtr& node);
/// For each column of a join's right input (not semi or anti), in order, the output column
/// that shows it, or "" for a key merged into the left key's column of the same name.
std::vector<std::string> right_output_names(const detail::PlanNode& join);
/// For each (input side 0/1, input column) of a join, the output column showing it (a
/// right key merged into the left key of the same name shows as that left key; a semi or
/// anti join shows its left columns only).
std::map<std::pair<int, std::string>, std::string> output_names(const NodePtr& join);
/// The columns an expression reads (window keys included).
std::set<std::string> columns_of(const Expr& expr);
void columns_of(const Expr& expr, std::set<std::string>& out);
/// The node over new inputs (same kind and parameters).
NodePtr rebuild(const NodePtr& node, std::vector<NodePtr> inputs);
/// `node` with `rewrite` applied to each node after its inputs were (the rewrite sees
/// the node rebuilt over its rewritten inputs). A node that is an input of several is
/// rewritten once, so it stays one node.
NodePtr rewrite_bottom_up(const NodePtr& node,
                          const std::function<NodePtr(const NodePtr&)>& rewrite);
/// True if running `node` again costs little more than reading its input (a table or a
/// scan, filtered, projected or limited): the executor reads such a shared input twice
/// rather than keep its rows.
bool cheap_to_repeat(const NodePtr& node);
/// The nodes of `root` that two or more operators read and that are not cheap to
/// repeat: the executor runs each of them once and explain() marks them.
std::set<const detail::PlanNode*> run_once_nodes(const NodePtr& root);
/// `now` (a rewrite of `target`) projected back to `target`'s columns, each shown by the
/// column `shown_as` names for it; `now` itself when nothing moves; null if a column has
/// no counterpart or would change type.
NodePtr restored_to(const NodePtr& target, const NodePtr& now,
                    const std::map<std::string, std::string>& shown_as);
/// Merges projections of projections, drops projections that change nothing and renames
/// an aggregate's results in place of a projection that only renames them.
NodePtr simplify_projections(const NodePtr& node);
/// One node for subplans that compute the same rows (common_subplans.cc), so that the
/// executor runs them once.
NodePtr share_common_subplans(const NodePtr& node);
/// Aggregations over joins computed partly below them (eager_aggregation.cc).
NodePtr aggregate_below_joins(const NodePtr& node);
/// `expr` under another output name ("" for none).
Expr with_alias(const Expr& expr, const std::string& alias);
Expr without_alias(const Expr& expr);
/// Reorders chains of inner joins so that a selective join runs before one that
/// multiplies rows, restoring the original columns with a projection.
NodePtr order_joins(const NodePtr& node);
/// Swaps the inputs of inner and outer joins whose right (build) input is expected to be
/// much larger than the left, restoring the original columns with a projection.
NodePtr choose_join_sides(const NodePtr& node);

}  // namespace plan
}  // namespace setl::engine
