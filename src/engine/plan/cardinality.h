// Row-count estimates for plans (private to the engine), which steer join planning: the
// build side of each hash join and the order of chains of inner joins. Exact for tables,
// the source's count for scans, fixed selectivities for filters (the textbook ones: = a
// tenth, ranges a third), and joins taken to match keys to foreign keys. Estimates only
// steer the plan; the rows are the same either way.
#pragma once

#include <algorithm>
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

/// How deep estimated_distinct follows a column down a plan.
constexpr int kMaxTraceDepth = 64;

/// Distinct values of `column` in `node`'s output, estimated from a sample of the table
/// it is read from (distinct_estimate.cc): a near-unique column counts as having as many
/// values as its table has rows. Nothing when the column is computed or comes from a
/// scan.
std::optional<double> estimated_distinct(const NodePtr& node, const std::string& column,
                                         int depth = 0);

}  // namespace setl::engine::plan
