#include "pipeline_conditions.h"

#include <algorithm>
#include <map>

#include "factory_runner.h"
#include "setl/core/error.h"
#include "setl/workflow/setl.h"

namespace setl::workflow::detail {
namespace {

void add_name(std::vector<std::string>& names, const std::string& name) {
  if (!name.empty() && std::find(names.begin(), names.end(), name) == names.end()) {
    names.push_back(name);
  }
}

// What rows(x) and delivered(x) may call each input of a factory.
ConditionInputs inputs_of(const Dag& dag, const DagNode& node) {
  ConditionInputs inputs;
  for (const DagInput& input : node.inputs) {
    std::vector<std::string>& names = inputs.names.emplace_back();
    add_name(names, input.id);
    add_name(names, input.producer);
    if (input.source) {
      add_name(names, dag.nodes[*input.source].name);
    }
  }
  return inputs;
}

std::string describe_group(const std::vector<const FactoryBase*>& variants) {
  std::string text;
  for (const FactoryBase* variant : variants) {
    text += (text.empty() ? "'" : ", '") + variant->name() + "' (when `" +
            variant->variant_condition() + "`)";
  }
  return text;
}

std::string describe_values(const std::vector<std::string>& values) {
  std::vector<std::string> unique;
  for (const std::string& value : values) {
    add_name(unique, value);
  }
  std::string text;
  for (const std::string& value : unique) {
    text += (text.empty() ? "" : ", ") + value;
  }
  return text.empty() ? "(reads none)" : text;
}

}  // namespace

const Config& condition_config(const Pipeline& pipeline) {
  static const Config kEmpty;
  return pipeline.context() != nullptr ? pipeline.context()->config() : kEmpty;
}

VariantSelection select_variants(const std::vector<Pipeline::Member>& members,
                                 const Config& config) {
  VariantSelection selection;
  // Groups in the order of their first member, so problems read in pipeline order.
  std::vector<std::vector<const FactoryBase*>> groups;
  std::map<std::pair<std::string, std::string>, size_t> group_of;
  for (const Pipeline::Member& member : members) {
    const FactoryBase& factory = *member.factory;
    if (!factory.is_variant()) {
      continue;
    }
    auto key = std::make_pair(factory.output_type().name(), factory.delivery_id());
    auto [found, added] = group_of.emplace(key, groups.size());
    if (added) {
      groups.emplace_back();
    }
    groups[found->second].push_back(&factory);
  }
  ConditionInputs no_inputs{{}, "a variant is chosen before the run, from configuration only"};
  for (const std::vector<const FactoryBase*>& group : groups) {
    std::vector<const FactoryBase*> holding;
    std::vector<std::string> values;
    bool bound_all = true;
    for (const FactoryBase* variant : group) {
      try {
        BoundCondition bound =
            bind_condition(*FactoryRunner::variant_condition(*variant),
                           "variant '" + variant->name() + "'", config, no_inputs);
        values.insert(values.end(), bound.config_values.begin(), bound.config_values.end());
        if (bound.holds(nullptr)) {
          holding.push_back(variant);
        } else {
          selection.left_out.insert(variant);
        }
      } catch (const Error& error) {
        selection.problems.push_back(error.what());
        bound_all = false;
      }
    }
    if (!bound_all || holding.size() == 1) {
      continue;
    }
    const FactoryBase& first = *group.front();
    std::string output = first.output_type().name() +
                         (first.delivery_id().empty() ? "" : " (id '" + first.delivery_id() + "')");
    if (holding.empty()) {
      selection.problems.push_back(
          "no variant of " + output + " matches the configuration; candidates: " +
          describe_group(group) + "; configuration: " + describe_values(values));
    } else {
      selection.problems.push_back(
          std::to_string(holding.size()) + " variants of " + output +
          " match the configuration, but exactly one may: " + describe_group(holding) +
          "; configuration: " + describe_values(values));
    }
  }
  return selection;
}

PipelineConditions bind_conditions(const Dag& dag, size_t first_factory,
                                   const std::vector<Pipeline::Member>& members,
                                   const std::vector<std::unique_ptr<Stage>>& stages,
                                   const Config& config) {
  PipelineConditions conditions;
  conditions.factories.resize(members.size());
  conditions.stages.resize(stages.size());
  for (size_t m = 0; m < members.size(); ++m) {
    const FactoryBase& factory = *members[m].factory;
    if (const ConditionSpec* spec = FactoryRunner::run_condition(factory)) {
      try {
        conditions.factories[m] = bind_condition(*spec, "factory '" + factory.name() + "'", config,
                                                 inputs_of(dag, dag.nodes[first_factory + m]));
      } catch (const Error& error) {
        conditions.problems.push_back(error.what());
      }
    }
  }
  ConditionInputs no_inputs{{},
                            "a stage condition reads configuration only (a factory's "
                            "condition can read its inputs)"};
  for (size_t s = 0; s < stages.size(); ++s) {
    if (const ConditionSpec* spec = FactoryRunner::run_condition(*stages[s])) {
      try {
        conditions.stages[s] =
            bind_condition(*spec, "stage '" + stages[s]->name() + "'", config, no_inputs);
      } catch (const Error& error) {
        conditions.problems.push_back(error.what());
      }
    }
  }
  return conditions;
}

ConditionPlan plan_conditions(const Dag& dag, size_t first_factory,
                              const std::vector<Pipeline::Member>& members,
                              const PipelineConditions& conditions) {
  ConditionPlan plan;
  plan.decided_late.assign(members.size(), false);
  plan.skipped_before_run.assign(members.size(), false);
  auto stage_condition = [&](size_t m) -> const std::optional<BoundCondition>* {
    const std::optional<size_t>& stage = members[m].stage;
    return stage && *stage < conditions.stages.size() ? &conditions.stages[*stage] : nullptr;
  };
  for (size_t node : dag.order) {
    size_t m = node - first_factory;
    bool skipped = false;
    for (const std::optional<BoundCondition>* condition :
         {&conditions.factories[m], stage_condition(m)}) {
      if (condition == nullptr || !condition->has_value()) {
        continue;
      }
      if ((*condition)->decided) {
        skipped = skipped || !*(*condition)->decided;
      } else {
        plan.decided_late[m] = true;
      }
    }
    auto skipped_input = [&](const DagInput& input) {
      return input.source && *input.source >= first_factory &&
             plan.skipped_before_run[*input.source - first_factory];
    };
    const std::vector<DagInput>& inputs = dag.nodes[node].inputs;
    for (size_t i = 0; i < inputs.size(); ++i) {
      const DagInput& input = inputs[i];
      if (input.first_of) {  // a FirstOf skips when every alternative does
        skipped =
            skipped || (*input.first_of == i && !input.first_of_optional &&
                        std::all_of(inputs.begin(), inputs.end(), [&](const DagInput& alternative) {
                          return alternative.first_of != i || skipped_input(alternative);
                        }));
      } else if (!input.optional) {
        skipped = skipped || skipped_input(input);
      }
    }
    plan.skipped_before_run[m] = skipped;
  }
  return plan;
}

}  // namespace setl::workflow::detail
