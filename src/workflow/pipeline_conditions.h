// A pipeline's conditions, bound once its DAG is known: build-time variants are selected
// (exactly one per output), and every factory and stage condition is parsed and checked
// against the configuration and the factory's resolved inputs. The Inspector reports the
// problems with the others; a run evaluates the bound conditions.
#pragma once

#include <optional>
#include <set>
#include <string>
#include <vector>

#include "condition.h"
#include "run_planner.h"
#include "setl/workflow/dag.h"
#include "setl/workflow/pipeline.h"

namespace setl::workflow::detail {

struct VariantSelection {
  /// Variants whose condition does not hold: they take no part in the pipeline.
  std::set<const FactoryBase*> left_out;
  std::vector<std::string> problems;
};

/// Groups the factories with when() by output type and delivery id and keeps, in each
/// group, those whose condition holds (a problem unless exactly one does).
VariantSelection select_variants(const std::vector<Pipeline::Member>& members,
                                 const Config& config);

struct PipelineConditions {
  std::vector<std::optional<BoundCondition>> factories;  ///< by member
  std::vector<std::optional<BoundCondition>> stages;     ///< by stage index
  std::vector<std::string> problems;
};

/// Binds every run condition of `members` (nodes from `first_factory` on in `dag`) and of
/// `stages`. A condition that fails to bind is left out, with a problem saying why.
PipelineConditions bind_conditions(const Dag& dag, size_t first_factory,
                                   const std::vector<Pipeline::Member>& members,
                                   const std::vector<std::unique_ptr<Stage>>& stages,
                                   const Config& config);

/// Which members the bound conditions guard during the run, and which they skip before it.
ConditionPlan plan_conditions(const Dag& dag, size_t first_factory,
                              const std::vector<Pipeline::Member>& members,
                              const PipelineConditions& conditions);

/// The configuration conditions read: the context's, or an empty one.
const Config& condition_config(const Pipeline& pipeline);

}  // namespace setl::workflow::detail
