#include "run_planner.h"

#include <algorithm>

#include "factory_runner.h"
#include "setl/core/error.h"
#include "setl/core/suggest.h"

namespace setl::workflow::detail {

SourceVersions::SourceVersions(const std::vector<Source>& sources)
    : sources_(sources), memo_(sources.size()) {}

std::string SourceVersions::version(size_t source) {
  std::lock_guard lock(mutex_);
  if (!memo_[source]) {
    std::optional<std::string> fingerprint;
    if (sources_[source].fingerprint) {
      fingerprint = sources_[source].fingerprint();
    }
    memo_[source] = fingerprint.value_or(std::string());
  }
  return *memo_[source];
}

void SourceVersions::invalidate() {
  std::lock_guard lock(mutex_);
  std::fill(memo_.begin(), memo_.end(), std::nullopt);
}

RunPlanner::RunPlanner(const Dag& dag, std::vector<Pipeline::Member> members,
                       const std::vector<Deliverable>& inputs, const std::vector<Source>& sources,
                       TieredCache& cache, const CachePolicy& default_policy,
                       ConditionPlan conditions, Communicator* ranks)
    : dag_(dag),
      members_(std::move(members)),
      inputs_(inputs),
      cache_(cache),
      default_policy_(default_policy),
      conditions_(std::move(conditions)),
      first_factory_(inputs.size() + sources.size()),
      ranks_(ranks) {}

CacheKeyParts RunPlanner::key_of(size_t m, const std::vector<PlannedFactory>& plan,
                                 SourceVersions& versions) const {
  return make_cache_key(key_inputs(m, plan, versions, false));
}

void RunPlanner::identify(std::vector<PlannedFactory>& plan, SourceVersions& versions) const {
  for (size_t node : dag_.order) {
    size_t m = node - first_factory_;
    plan[m].identity = identity_of(m, plan, versions);
  }
}

CacheKeyParts RunPlanner::identity_of(size_t m, const std::vector<PlannedFactory>& plan,
                                      SourceVersions& versions) const {
  CacheKeyParts identity = make_cache_key(key_inputs(m, plan, versions, true));
  identity.key = identity_key(identity);
  return identity;
}

CacheKeyInputs RunPlanner::key_inputs(size_t m, const std::vector<PlannedFactory>& plan,
                                      SourceVersions& versions, bool identity) const {
  const FactoryBase& factory = *plan[m].factory;
  CacheKeyInputs in{factory.name(),
                    factory.code_version(),
                    FactoryRunner::key_parameters(factory),
                    factory.output_type().name(),
                    factory.source_fingerprints(),
                    {},
                    {}};
  if (ranks_ != nullptr) {
    // Each rank keeps its own result (its part of a distributed one) under its own key.
    in.parameters += "\x1f" "distributed: rank " + std::to_string(ranks_->rank()) + " of " +
                     std::to_string(ranks_->size());
  }
  if (FactoryRunner::used_context_resources(factory) && in.sources && in.sources->empty()) {
    in.veto =
        "it looked resources up through context() although it declared that it reads "
        "only its deliveries; take them as Delivery<...> so that their versions enter "
        "the key";
  }
  const DagNode& node = dag_.nodes[plan[m].node];
  for (size_t i = 0; i < node.inputs.size(); ++i) {
    const DagInput& input = node.inputs[i];
    if (!input.source) {
      in.inputs.emplace_back("input #" + std::to_string(i), "none");
      continue;
    }
    size_t from = *input.source;
    const DagNode& producer = dag_.nodes[from];
    if (from < inputs_.size()) {
      const std::string& fingerprint = inputs_[from].fingerprint();
      in.inputs.emplace_back("external input '" + producer.name + "'",
                             fingerprint.empty() ? "" : "external:" + fingerprint);
    } else if (from < first_factory_ && input.write_only) {
      in.inputs.emplace_back("writes to source '" + producer.name + "'", "write-only");
    } else if (from < first_factory_) {
      std::string version = versions.version(from - inputs_.size());
      std::string label = "source '" + producer.name + "'";
      if (input.auto_load) {
        label = "auto-load from " + label;
        if (!input.condition.empty() && !version.empty()) {
          version += "\x1fwhere " + input.condition;
        }
      }
      in.inputs.emplace_back(label, version.empty() ? "" : "source:" + version);
    } else {
      const PlannedFactory& upstream = plan[from - first_factory_];
      std::string key = identity ? upstream.identity.key : upstream.parts.key;
      if (!input.condition.empty() && !key.empty()) {
        key += "\x1fwhere " + input.condition;
      }
      in.inputs.emplace_back("input '" + producer.name + "'", std::move(key));
    }
  }
  for (size_t after : node.after) {
    const PlannedFactory& upstream = plan[after - first_factory_];
    in.inputs.emplace_back("after '" + dag_.nodes[after].name + "'",
                           identity ? upstream.identity.key : upstream.parts.key);
  }
  return in;
}

bool every_rank(Communicator& ranks, bool yes) {
  std::vector<std::string> answers = ranks.all_gather(yes ? "1" : "0");
  return std::all_of(answers.begin(), answers.end(),
                     [](const std::string& answer) { return answer == "1"; });
}

void RunPlanner::decide(size_t m, std::vector<PlannedFactory>& plan, bool load) {
  PlannedFactory& planned = plan[m];
  CacheDecision& decision = planned.decision;
  decision.factory = planned.factory->name();
  decision.key = planned.parts.key;
  planned.action = PlannedFactory::Action::kRun;
  if (!planned.cache_on) {
    decision.reason = cache_.refusal(planned.policy.mode, planned.factory->output_type());
    decision.outcome = decision.reason.empty() ? CacheDecision::Outcome::kOff
                                               : CacheDecision::Outcome::kUncacheable;
    return;
  }
  if (planned.parts.key.empty()) {
    decision.outcome = CacheDecision::Outcome::kUncacheable;
    decision.reason = uncacheable_reason(planned.parts);
    return;
  }
  const TypeInfo& type = planned.factory->output_type();
  bool hit = false;
  if (load) {
    const FactoryBase& factory = *planned.factory;
    planned.hit =
        cache_
            .load(planned.policy.mode, planned.parts.key, type, planned.policy.ttl, planned.parts,
                  [&factory](const std::shared_ptr<const void>& payload) {
                    return FactoryRunner::bytes_of(factory, payload);
                  })
            .payload;
    hit = planned.hit != nullptr;
  } else {
    hit = cache_.contains(planned.policy.mode, planned.parts.key, type);
  }
  if (ranks_ != nullptr && !every_rank(*ranks_, hit)) {
    planned.hit.reset();  // the ranks that miss must run it, so all of them do
    hit = false;
  }
  if (hit) {
    decision.outcome = CacheDecision::Outcome::kHit;
    planned.action = PlannedFactory::Action::kRestore;
    return;
  }
  decision.outcome = CacheDecision::Outcome::kMiss;
  decision.reason = explain_miss(planned.parts, cache_.last_parts(decision.factory));
}

std::vector<size_t> RunPlanner::needed_by(const std::vector<std::string>& targets,
                                          const std::vector<PlannedFactory>& plan,
                                          const std::string& pipeline_name) const {
  std::vector<size_t> needed;
  if (targets.empty()) {
    // Readers come after what they read in the DAG order: walk it backwards.
    std::vector<bool> read(plan.size(), false);
    std::vector<bool> wanted(plan.size(), false);
    for (auto node = dag_.order.rbegin(); node != dag_.order.rend(); ++node) {
      size_t m = *node - first_factory_;
      wanted[m] = !read[m] || wanted[m] || skipped_before_run(m);
      for (size_t dependency : plan[m].dependencies) {
        read[dependency] = true;
        wanted[dependency] = wanted[dependency] || (wanted[m] && !skipped_before_run(m));
      }
    }
    for (size_t m = plan.size(); m-- > 0;) {
      if (wanted[m]) {
        needed.push_back(m);
      }
    }
    return needed;
  }
  std::vector<std::string> names;
  for (const PlannedFactory& planned : plan) {
    names.push_back(planned.factory->name());
  }
  for (const std::string& target : targets) {
    if (target.ends_with(".*")) {  // a namespace: every factory in it, nested ones too
      size_t before = needed.size();
      for (size_t m = 0; m < names.size(); ++m) {
        if (Pipeline::RunOptions::selects(target, names[m])) {
          needed.push_back(m);
        }
      }
      if (needed.size() == before) {
        std::vector<std::string> namespaces;
        for (const PlannedFactory& planned : plan) {
          const std::string& ns = planned.factory->namespace_path();
          if (!ns.empty() &&
              std::find(namespaces.begin(), namespaces.end(), ns + ".*") == namespaces.end()) {
            namespaces.push_back(ns + ".*");
          }
        }
        std::optional<std::string> hint = closest_match(target, namespaces);
        throw DeliveryError("pipeline '" + pipeline_name + "': target '" + target +
                            "' matches no factory" +
                            (hint ? "; did you mean '" + *hint + "'?" : std::string()));
      }
      continue;
    }
    auto found = std::find(names.begin(), names.end(), target);
    if (found == names.end()) {
      std::optional<std::string> hint = closest_match(target, names);
      throw DeliveryError("pipeline '" + pipeline_name + "': unknown target '" + target + "'" +
                          (hint ? "; did you mean '" + *hint + "'?" : std::string()));
    }
    needed.push_back(static_cast<size_t>(found - names.begin()));
  }
  return needed;
}

std::vector<PlannedFactory> RunPlanner::plan(const std::vector<std::string>& targets, bool load,
                                             SourceVersions& versions,
                                             const std::string& pipeline_name) {
  std::vector<PlannedFactory> plan(members_.size());
  for (size_t m = 0; m < members_.size(); ++m) {
    PlannedFactory& planned = plan[m];
    planned.factory = members_[m].factory;
    planned.node = first_factory_ + m;
    planned.stage = members_[m].stage;
    planned.policy =
        planned.factory->has_cache_policy() ? planned.factory->cache_policy() : default_policy_;
    planned.cache_on = !cache_.tiers(planned.policy.mode, planned.factory->output_type()).empty();
    planned.parts.factory = planned.factory->name();
    const DagNode& node = dag_.nodes[planned.node];
    for (const DagInput& input : node.inputs) {
      if (input.source && *input.source >= first_factory_) {
        planned.dependencies.push_back(*input.source - first_factory_);
      }
    }
    for (size_t after : node.after) {
      planned.dependencies.push_back(after - first_factory_);
    }
  }
  if (!cache_.empty()) {
    for (size_t node : dag_.order) {
      size_t m = node - first_factory_;
      plan[m].parts = key_of(m, plan, versions);
    }
  }
  // Whether a condition decided during the run, at or above each member, decides whether
  // it runs.
  std::vector<bool> guarded(plan.size(), false);
  for (size_t node : dag_.order) {
    size_t m = node - first_factory_;
    guarded[m] = (m < conditions_.decided_late.size() && conditions_.decided_late[m]) ||
                 std::any_of(plan[m].dependencies.begin(), plan[m].dependencies.end(),
                             [&](size_t dependency) { return guarded[dependency]; });
  }
  std::vector<bool> decided(plan.size(), false);
  std::vector<size_t> pending = needed_by(targets, plan, pipeline_name);
  // Decides what is pending and, for what must run, what it reads from.
  auto walk = [&] {
    while (!pending.empty()) {
      size_t m = pending.back();
      pending.pop_back();
      if (decided[m]) {
        continue;
      }
      decided[m] = true;
      if (skipped_before_run(m)) {  // the run skips it, reading nothing
        plan[m].action = PlannedFactory::Action::kDecideLater;
        continue;
      }
      decide(m, plan, load);
      // A factory with a run-time condition, or downstream of one, is restored only once
      // the run reached it and the condition held: its inputs are computed.
      if (plan[m].action == PlannedFactory::Action::kRestore && guarded[m]) {
        plan[m].action = PlannedFactory::Action::kDecideLater;
        plan[m].hit.reset();
        pending.insert(pending.end(), plan[m].dependencies.begin(), plan[m].dependencies.end());
      }
      if (plan[m].action == PlannedFactory::Action::kRun) {
        pending.insert(pending.end(), plan[m].dependencies.begin(), plan[m].dependencies.end());
      }
    }
  };
  walk();
  // A cached factory downstream of one that will run is decided when it is reached: what
  // it reads may change. It then needs all of its inputs, so they are planned too.
  for (bool changed = true; changed;) {
    changed = false;
    for (size_t node : dag_.order) {
      PlannedFactory& planned = plan[node - first_factory_];
      if (planned.action != PlannedFactory::Action::kRestore) {
        continue;
      }
      bool upstream_runs = std::any_of(
          planned.dependencies.begin(), planned.dependencies.end(), [&](size_t dependency) {
            return plan[dependency].action == PlannedFactory::Action::kRun ||
                   plan[dependency].action == PlannedFactory::Action::kDecideLater;
          });
      if (upstream_runs) {
        planned.action = PlannedFactory::Action::kDecideLater;
        planned.hit.reset();
        pending.insert(pending.end(), planned.dependencies.begin(), planned.dependencies.end());
        walk();
        changed = true;
      }
    }
  }
  for (size_t m = 0; m < plan.size(); ++m) {
    if (!decided[m]) {
      plan[m].decision = {plan[m].factory->name(), CacheDecision::Outcome::kSkipped,
                          plan[m].parts.key,
                          targets.empty() ? "not needed: only factories skipped by a condition "
                                            "read it"
                                          : "not needed by the targets"};
    }
  }
  return plan;
}

}  // namespace setl::workflow::detail
