// The plan executor: each node becomes one operator call on its inputs' tables (the
// Table operators, or the batch-step operators for chains of filters and projections).
#include "engine/operators/batch_steps.h"
#include "engine/plan/logical_plan.h"
#include "setl/core/error.h"

namespace setl::engine::plan {
namespace {

using Kind = detail::PlanNode::Kind;

// The filters and projections from `source` down, first to run first; `source` is left at
// the first node below them.
std::vector<detail::BatchStep> batch_steps(NodePtr& source) {
  std::vector<detail::BatchStep> steps;
  while (source->kind == Kind::kFilter || source->kind == Kind::kProject) {
    steps.push_back({source->kind == Kind::kFilter, source->exprs});
    source = source->inputs[0];
  }
  return {steps.rbegin(), steps.rend()};
}

}  // namespace

Table execute(const NodePtr& node) {
  switch (node->kind) {
    case Kind::kTable:
      return *node->table;
    case Kind::kScan: {
      Table scanned = node->source->scan(node->request).table;
      if (node->request.filter && !node->source->applies_filter_exactly()) {
        scanned = scanned.filter(*node->request.filter);
      }
      if (scanned.schema()->names() != node->schema->names()) {
        scanned = scanned.select(node->schema->names());
      }
      return scanned;
    }
    case Kind::kProject:
    case Kind::kFilter: {
      // A chain of filters and projections runs batch by batch, each batch through the
      // whole chain, so no intermediate table is ever held.
      NodePtr source = node;
      std::vector<detail::BatchStep> steps = batch_steps(source);
      return detail::run_batch_steps(execute(source), steps, node->schema);
    }
    case Kind::kWindow:
      return execute(node->inputs[0]).with_column(node->name, node->exprs[0]);
    case Kind::kLimit:
      return execute(node->inputs[0]).limit(node->count, node->offset);
    case Kind::kSort:
      return execute(node->inputs[0]).sort(node->sort_keys);
    case Kind::kDistinct:
      return execute(node->inputs[0]).distinct();
    case Kind::kUnion:
      return execute(node->inputs[0]).union_all(execute(node->inputs[1]));
    case Kind::kJoin:
      return execute(node->inputs[0])
          .join(execute(node->inputs[1]), node->keys, node->right_keys, node->join_type);
    case Kind::kAggregate: {
      NodePtr source = node->inputs[0];
      std::vector<detail::BatchStep> steps = batch_steps(source);
      Table input = execute(source);
      if (steps.empty()) {
        return node->keys.empty() ? input.aggregate(node->exprs)
                                  : input.group_by(node->keys).agg(node->exprs);
      }
      // Filters and projections below an aggregate run per batch inside it.
      return detail::aggregate_batch_steps(input, steps, *node->inputs[0]->schema, node->keys,
                                           node->exprs);
    }
  }
  throw InternalError("unknown plan node");
}

}  // namespace setl::engine::plan
