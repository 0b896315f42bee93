// Row-count estimates for plans (private to the engine), which steer join planning: the
// build side of each hash join and the order of chains of inner joins. Exact for tables,
// the source's count for scans; a filter over an in-memory table keeps what it keeps on
// a sample of the table's rows, other filters the textbook shares (= a value's share of
// the distinct values, ranges a third, LIKE a tenth); joins are taken to match keys to
// foreign keys. Estimates only steer the plan; the rows are the same either way.
#pragma once

#include <algorithm>
#include <functional>
#include <map>
#include <optional>
#include <utility>

#include "engine/plan/logical_plan.h"

namespace setl::engine::plan {

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
class CardinalityEstimator {
 public:
  /// Nothing when a scan cannot say how many rows it has.
  std::optional<Estimate> of(const NodePtr& node);

 private:
  std::optional<Estimate> compute(const NodePtr& node);

  std::map<const detail::PlanNode*, std::pair<NodePtr, std::optional<Estimate>>> memo_;
};

/// Filter estimates run the predicate on this many rows of the table, distinct-value
/// estimates hash this many: telling a key from a column whose values repeat about four
/// times (a line item's order) takes some repeats, which take a sample near the square
/// root of the number of values.
constexpr int64_t kSampleRows = 1024;
constexpr int64_t kDistinctSampleRows = 16384;

/// Calls `visit` with (chunk, row in chunk) for `count` rows of `column` chosen at random
/// (the same ones every time for the same table size), in table order; every row when
/// the table has no more.
void for_sampled_rows(const Table& table, const std::string& column, int64_t count,
                      const std::function<void(const Column&, int64_t)>& visit);

/// How deep estimated_distinct follows a column down a plan.
constexpr int kMaxTraceDepth = 64;

/// Distinct values of `column` in `node`'s output, estimated from a sample of the table
/// it is read from (distinct_estimate.cc): a near-unique column counts as having as many
/// values as its table has rows. Nothing when the column is computed or comes from a
/// scan.
std::optional<double> estimated_distinct(const NodePtr& node, const std::string& column);

/// Whether `column` is known never to repeat in `node`'s output (one NULL at most): it
/// comes from an in-memory table where no value repeats (checked on every row, once per
/// table column) through operators that drop or reorder rows but never repeat them.
bool unique_column(const NodePtr& node, const std::string& column, int depth = 0);

/// A column of a plan's output followed down to the in-memory table it is read from
/// unchanged: through filters, sorts, renames and joins.
struct TracedColumn {
  NodePtr table;  ///< a kTable node
  std::string column;
};
std::optional<TracedColumn> trace_column(const NodePtr& node, const std::string& column,
                                         int depth = 0);

/// The share of `input`'s rows a predicate keeps, measured on a sample of rows of the
/// one table all its columns come from (sampled_selectivity.cc); nothing when they do not
/// all come from one table. `matched` is how many sampled rows passed, `sampled` how many
/// were tried: few matches say little about rare values.
struct SampledSelectivity {
  double matched = 0;
  double sampled = 0;
};
std::optional<SampledSelectivity> sampled_selectivity(const Expr& predicate, const NodePtr& input);

}  // namespace setl::engine::plan
