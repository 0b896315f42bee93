#include "pipeline_conditions.h"

#include <algorithm>
#include <iterator>
#include <map>
#include <set>

#include "composer.h"
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

std::function<std::string(std::string_view)> scoped_keys(const std::vector<ConfigLevel>& levels) {
  if (levels.empty()) {
    return {};
  }
  return [&levels](std::string_view key) { return resolve_config_key(levels, key); };
}

// What rows(x) and delivered(x) may call each input of a factory: the names it asks for,
// as written and after composition renamed them, and the producer that fills it.
ConditionInputs inputs_of(const Dag& dag, const DagNode& node, const FactoryBase& factory) {
  ConditionInputs inputs;
  for (size_t i = 0; i < node.inputs.size(); ++i) {
    const DagInput& input = node.inputs[i];
    std::vector<std::string>& names = inputs.names.emplace_back();
    add_name(names, input.id);
    add_name(names, input.producer);
    add_name(names, factory.deliveries()[i]->written_id());
    add_name(names, factory.deliveries()[i]->written_producer());
    if (input.source) {
      add_name(names, dag.nodes[*input.source].name);
    }
  }
  inputs.config_key = [&factory](std::string_view key) { return factory.config_key(key); };
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
        no_inputs.config_key = [variant](std::string_view key) { return variant->config_key(key); };
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

SwitchRun::SwitchRun(const Switch& definition, BoundKey key)
    : name_(definition.name()), key_(std::move(key)), no_match_(definition.no_match()) {
  for (const auto& branch : definition.cases()) {
    if (branch->is_otherwise()) {
      otherwise_ = labels_.size();
    }
    labels_.push_back(branch->label());
  }
  if (key_.decided) {
    choose(*key_.decided);
  }
}

void SwitchRun::choose(std::string value) {
  value_ = std::move(value);
  for (size_t c = 0; c < labels_.size(); ++c) {
    if (c != otherwise_ && labels_[c] == value_) {
      chosen_ = c;
    }
  }
  chosen_ = chosen_ ? chosen_ : otherwise_;
  decided_ = true;
}

void SwitchRun::decide() {
  std::call_once(once_, [this] {
    if (decided_) {
      return;
    }
    try {
      choose(key_.function());
    } catch (Error& error) {
      error.add_context("in the key `" + key_.description + "` of switch '" + name_ + "'");
      error_ = std::current_exception();
    } catch (const std::exception& error) {
      error_ = std::make_exception_ptr(FactoryError("switch '" + name_ + "': its key `" +
                                                    key_.description + "` threw: " + error.what()));
    }
  });
  if (error_) {
    std::rethrow_exception(error_);
  }
}

std::string SwitchRun::no_case_message() const {
  std::string cases;
  for (const std::string& label : labels_) {
    cases += (cases.empty() ? "'" : ", '") + label + "'";
  }
  return "key '" + value_ + "' matches no case (" + (cases.empty() ? "none" : cases) + ")";
}

PipelineConditions bind_conditions(const Dag& dag, size_t first_factory,
                                   const std::vector<Pipeline::Member>& members,
                                   const Pipeline& pipeline, const Config& config) {
  PipelineConditions conditions;
  conditions.factories.resize(members.size());
  conditions.cases.resize(members.size());
  for (size_t m = 0; m < members.size(); ++m) {
    const FactoryBase& factory = *members[m].factory;
    if (const ConditionSpec* spec = FactoryRunner::run_condition(factory)) {
      try {
        conditions.factories[m] =
            bind_condition(*spec, "factory '" + factory.name() + "'", config,
                           inputs_of(dag, dag.nodes[first_factory + m], factory));
      } catch (const Error& error) {
        conditions.problems.push_back(error.what());
      }
    }
  }
  const std::vector<std::unique_ptr<Stage>>& stages = pipeline.stages();
  conditions.stages.resize(stages.size());
  ConditionInputs no_inputs{{},
                            "a stage condition reads configuration only (a factory's "
                            "condition can read its inputs)"};
  for (size_t s = 0; s < stages.size(); ++s) {
    if (const ConditionSpec* spec = FactoryRunner::run_condition(*stages[s])) {
      try {
        no_inputs.config_key = scoped_keys(Composer::config_levels(*stages[s]));
        conditions.stages[s] =
            bind_condition(*spec, "stage '" + stages[s]->name() + "'", config, no_inputs);
      } catch (const Error& error) {
        conditions.problems.push_back(error.what());
      }
    }
  }
  std::map<const FactoryBase*, CaseOf> case_of;
  for (size_t w = 0; w < pipeline.switches().size(); ++w) {
    const Switch& each = *pipeline.switches()[w];
    std::string owner = "switch '" + each.name() + "'";
    try {
      auto run =
          std::make_unique<SwitchRun>(each, bind_key(FactoryRunner::key(each), owner, config,
                                                     scoped_keys(Composer::config_levels(each))));
      if (run->decided() && !run->chosen() && each.no_match() == Switch::NoMatch::kFail) {
        conditions.problems.push_back(owner + ": " + run->no_case_message() +
                                      "; add otherwise() or on_no_match(Switch::NoMatch::kSkip)"
                                      "; configuration: " +
                                      describe_values(run->config_values()));
      }
      conditions.switches.push_back(std::move(run));
    } catch (const Error& error) {
      conditions.problems.push_back(error.what());
      conditions.switches.push_back(nullptr);
    }
    for (size_t c = 0; c < each.cases().size(); ++c) {
      for (const auto& factory : each.cases()[c]->factories()) {
        case_of[factory.get()] = {w, c};
      }
    }
  }
  for (size_t m = 0; m < members.size(); ++m) {
    auto found = case_of.find(members[m].factory);
    if (found != case_of.end() && conditions.switches[found->second.switch_index]) {
      conditions.cases[m] = found->second;
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
    if (const std::optional<CaseOf>& which = conditions.cases[m]) {
      const SwitchRun& each = *conditions.switches[which->switch_index];
      if (each.decided()) {
        skipped = each.chosen() != which->case_index;
      } else {
        plan.decided_late[m] = true;
      }
    }
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

namespace {

using CaseSet = std::set<std::pair<size_t, size_t>>;  // (switch, case)

// The first switch with two cases in `cases`.
std::optional<size_t> conflicting_switch(const CaseSet& cases) {
  std::optional<size_t> previous;
  for (const auto& [each, branch] : cases) {
    if (previous == each) {
      return each;
    }
    previous = each;
  }
  return std::nullopt;
}

}  // namespace

std::vector<std::string> exclusive_join_problems(const Dag& dag, size_t first_factory,
                                                 const PipelineConditions& conditions) {
  std::vector<std::string> problems;
  size_t count = conditions.cases.size();
  // The cases each member cannot run without, and whether it can never run.
  std::vector<CaseSet> needs(count);
  std::vector<bool> never(count, false);
  for (size_t node : dag.order) {
    size_t m = node - first_factory;
    CaseSet& needed = needs[m];
    // How each case comes in, for the message.
    std::map<std::pair<size_t, size_t>, std::string> through;
    if (const std::optional<CaseOf>& own = conditions.cases[m]) {
      needed.insert({own->switch_index, own->case_index});
      through.emplace(std::pair{own->switch_index, own->case_index}, "it is a member");
    }
    const std::vector<DagInput>& inputs = dag.nodes[node].inputs;
    auto producer_of = [&](const DagInput& input) -> std::optional<size_t> {
      if (!input.source || *input.source < first_factory) {
        return std::nullopt;
      }
      return *input.source - first_factory;
    };
    for (size_t i = 0; i < inputs.size(); ++i) {
      const DagInput& input = inputs[i];
      CaseSet brought;
      bool inherits_never = false;
      if (input.first_of) {
        if (*input.first_of != i || input.first_of_optional) {
          continue;
        }
        // A FirstOf needs only what every alternative needs.
        std::optional<CaseSet> common;
        inherits_never = true;
        for (const DagInput& alternative : inputs) {
          if (alternative.first_of != i) {
            continue;
          }
          std::optional<size_t> producer = producer_of(alternative);
          CaseSet own = producer ? needs[*producer] : CaseSet{};
          inherits_never = inherits_never && producer && never[*producer];
          if (!common) {
            common = own;
          } else {
            CaseSet both;
            std::set_intersection(common->begin(), common->end(), own.begin(), own.end(),
                                  std::inserter(both, both.begin()));
            common = both;
          }
        }
        brought = common.value_or(CaseSet{});
      } else if (!input.optional) {
        if (std::optional<size_t> producer = producer_of(input)) {
          brought = needs[*producer];
          inherits_never = never[*producer];
        }
      }
      never[m] = never[m] || inherits_never;
      for (const auto& branch : brought) {
        through.emplace(branch, "through '" + dag.nodes[*input.source].name + "'");
        needed.insert(branch);
      }
    }
    std::optional<size_t> each = conflicting_switch(needed);
    if (!each || never[m]) {
      never[m] = never[m] || each.has_value();
      continue;  // an upstream that can never run was reported already
    }
    never[m] = true;
    const SwitchRun& run = *conditions.switches[*each];
    std::string sides;
    for (const auto& [branch, how] : through) {
      if (branch.first == *each) {
        sides += (sides.empty() ? "" : " and ") + std::string("case '") + run.label(branch.second) +
                 "' (" + how + ")";
      }
    }
    problems.push_back("factory '" + dag.nodes[node].name + "' requires both sides of exclusive " +
                       "switch '" + run.name() + "': " + sides +
                       "; at most one case runs, so it never would: read them through a "
                       "FirstOf or optional inputs");
  }
  return problems;
}

std::vector<std::string> config_keys_read(const Pipeline& pipeline) {
  std::vector<std::string> keys;
  auto add = [&](const ConditionSpec* spec, const auto& resolve) {
    if (spec == nullptr) {
      return;
    }
    for (const std::string& key : config_keys_of(*spec)) {
      std::string resolved = resolve(key);
      if (std::find(keys.begin(), keys.end(), resolved) == keys.end()) {
        keys.push_back(std::move(resolved));
      }
    }
  };
  for (const Pipeline::Member& member : Composer::all_members(pipeline)) {
    const FactoryBase* factory = member.factory;
    auto resolve = [factory](const std::string& key) { return factory->config_key(key); };
    add(FactoryRunner::run_condition(*factory), resolve);
    add(FactoryRunner::variant_condition(*factory), resolve);
  }
  for (const auto& stage : pipeline.stages()) {
    add(FactoryRunner::run_condition(*stage), [&](const std::string& key) {
      return resolve_config_key(Composer::config_levels(*stage), key);
    });
  }
  for (const auto& each : pipeline.switches()) {
    add(&FactoryRunner::key(*each), [&](const std::string& key) {
      return resolve_config_key(Composer::config_levels(*each), key);
    });
  }
  return keys;
}

}  // namespace setl::workflow::detail
