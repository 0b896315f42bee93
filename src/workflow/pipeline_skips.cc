// Why a pipeline member does not run: its condition, a case of a switch not chosen, a
// skipped or failed producer (keep-going runs), and what skipping it records.
#include "pipeline_run.h"
#include "setl/core/log.h"

namespace setl::workflow::detail {

using Status = FactoryOutcome::Status;

namespace {

// Runs a factory's or a stage's condition (`owner` is "factory 'X'" or "stage 'Y'"); what
// it throws names the condition and its owner.
template <class Check>
bool condition_holds(const std::string& owner, const std::string& description, Check check) {
  try {
    return check();
  } catch (Error& error) {
    error.add_context("in the run condition `" + description + "` of " + owner);
    throw;
  } catch (const std::exception& error) {
    throw FactoryError(owner + ": its run condition `" + description + "` threw: " + error.what());
  }
}

}  // namespace

bool PipelineRun::stage_condition_holds(size_t stage, const std::vector<size_t>& members) {
  const std::optional<BoundCondition>& condition = conditions_.stages[stage];
  if (!condition) {
    return true;
  }
  try {
    return condition_holds("stage '" + pipeline_.stages_[stage]->name() + "'",
                           condition->description, [&] { return condition->holds(nullptr); });
  } catch (const std::exception& error) {
    for (size_t m : members) {
      outcomes_[m].status = Status::kFailed;
      outcomes_[m].error = error.what();
    }
    throw;
  }
}

std::optional<PipelineRun::SkipCause> PipelineRun::skip_reason(size_t m, bool& delivered) {
  FactoryBase& factory = *plan_[m].factory;
  const DagNode& node = inspector_.dag().nodes[plan_[m].node];
  for (DeliveryBase* delivery : factory.deliveries()) {
    const DagInput& input = node.inputs[delivery->index()];
    if (input.first_of) {
      if (*input.first_of == delivery->index()) {
        if (std::optional<SkipCause> cause = alternatives_skipped(node, *input.first_of)) {
          return cause;
        }
      }
      continue;
    }
    if (!delivery->optional()) {
      if (std::optional<size_t> producer = skipped_producer(input)) {
        return SkipCause{"upstream " + skipped_because(*producer), skip_root_[*producer]};
      }
    }
  }
  if (const std::optional<CaseOf>& which = conditions_.cases[m]) {
    if (std::optional<SkipCause> cause = case_not_chosen(m, *which)) {
      return cause;
    }
  }
  const std::optional<BoundCondition>& condition = conditions_.factories[m];
  if (!condition) {
    return std::nullopt;
  }
  if (condition->reads_inputs()) {
    deliver_inputs(m, false);
    delivered = true;
  }
  FactoryOutcome::ConditionRecord& record = outcomes_[m].condition;
  record.evaluated = true;
  Clock::time_point begin = Clock::now();
  try {
    record.holds = condition_holds("factory '" + factory.name() + "'", condition->description,
                                   [&] { return condition->holds(&factory); });
    record.latency = std::chrono::duration_cast<Duration>(Clock::now() - begin);
  } catch (const CancelledError&) {
    throw;
  } catch (const std::exception& error) {
    record.latency = std::chrono::duration_cast<Duration>(Clock::now() - begin);
    record.error = error.what();
    using Policy = FactoryBase::OnConditionFailure;
    Policy policy = factory.condition_failure_policy();
    if (policy == Policy::kFail) {
      throw;
    }
    log::warn("pipeline '{}': factory '{}': its condition failed; {} by its failure policy: {}",
              pipeline_.name(), factory.name(), policy == Policy::kRun ? "running" : "skipped",
              error.what());
    record.holds = policy == Policy::kRun;
    if (!record.holds) {
      return SkipCause{"condition `" + condition->description +
                           "` failed (skipped by its "
                           "failure policy): " +
                           std::string(error.what()).substr(0, 300),
                       m};
    }
  }
  if (record.holds) {
    return std::nullopt;
  }
  return SkipCause{"condition `" + condition->description + "` was false", m};
}

// Decides the switch on first use; a member of a case it did not choose is skipped.
std::optional<PipelineRun::SkipCause> PipelineRun::case_not_chosen(size_t m, const CaseOf& which) {
  SwitchRun& each = *conditions_.switches[which.switch_index];
  each.decide();
  if (!each.chosen()) {
    if (each.no_match() == Switch::NoMatch::kFail) {
      throw FactoryError("switch '" + each.name() + "': " + each.no_case_message() +
                         "; add otherwise() or on_no_match(Switch::NoMatch::kSkip)");
    }
    return SkipCause{"switch '" + each.name() + "': " + each.no_case_message(), m};
  }
  if (*each.chosen() == which.case_index) {
    return std::nullopt;
  }
  return SkipCause{"switch '" + each.name() + "' chose case '" + each.label(*each.chosen()) +
                       "' (key '" + each.value() + "')",
                   m};
}

std::optional<size_t> PipelineRun::skipped_producer(const DagInput& input) const {
  if (!input.source || *input.source < planner_.first_factory()) {
    return std::nullopt;
  }
  size_t producer = *input.source - planner_.first_factory();
  return skipped_[producer] != 0 ? std::optional<size_t>(producer) : std::nullopt;
}

std::string PipelineRun::skipped_because(size_t producer) const {
  size_t root = skip_root_[producer];
  if (root == producer) {
    return "'" + outcomes_[producer].factory + "' skipped: " + outcomes_[producer].skip_reason;
  }
  return "'" + outcomes_[producer].factory + "' skipped (because '" + outcomes_[root].factory +
         "' was: " + outcomes_[root].skip_reason + ")";
}

// A FirstOf input skips its factory when every alternative's producer was skipped (and
// it is not optional); the reason lists each.
std::optional<PipelineRun::SkipCause> PipelineRun::alternatives_skipped(const DagNode& node,
                                                                        size_t first) const {
  if (node.inputs[first].first_of_optional) {
    return std::nullopt;
  }
  std::string reasons;
  std::optional<size_t> root;
  for (const DagInput& input : node.inputs) {
    if (input.first_of != first) {
      continue;
    }
    std::optional<size_t> producer = skipped_producer(input);
    if (!producer) {
      return std::nullopt;
    }
    reasons += (reasons.empty() ? "" : "; ") + skipped_because(*producer);
    root = root ? root : skip_root_[*producer];
  }
  return SkipCause{"none of its alternatives ran: " + reasons, *root};
}

std::optional<size_t> PipelineRun::failed_upstream(size_t m) const {
  const FactoryBase& factory = *plan_[m].factory;
  const DagNode& node = inspector_.dag().nodes[plan_[m].node];
  for (size_t dependency : plan_[m].dependencies) {
    if (blocked_[dependency] == 0) {
      continue;
    }
    bool optional_only = false;
    for (const DeliveryBase* delivery : factory.deliveries()) {
      const DagInput& input = node.inputs[delivery->index()];
      if (input.source && *input.source == planner_.first_factory() + dependency) {
        if (!delivery->optional()) {
          optional_only = false;
          break;
        }
        optional_only = true;
      }
    }
    if (!optional_only) {
      return failure_root_[dependency];
    }
  }
  return std::nullopt;
}

void PipelineRun::keep_going_after(size_t m, std::exception_ptr failure) {
  log::error("pipeline '{}': factory '{}' failed; the run goes on without what depends on it",
             pipeline_.name(), outcomes_[m].factory);
  blocked_[m] = 1;
  failure_root_[m] = m;
  {
    std::lock_guard lock(mutex_);
    failures_.emplace_back(m, std::move(failure));
  }
  release_inputs(m);
}

// A skipped factory does nothing and stores nothing; its consumers' keys see "skipped".
void PipelineRun::skip(size_t m, const SkipCause& cause) {
  const std::string& reason = cause.reason;
  FactoryOutcome& outcome = outcomes_[m];
  FactoryBase& factory = *plan_[m].factory;
  for (DeliveryBase* delivery : factory.deliveries()) {
    delivery->clear();
  }
  outcome.status = Status::kSkipped;
  outcome.skip_reason = reason;
  outcome.cache.outcome = CacheDecision::Outcome::kSkipped;
  outcome.cache.reason = "skipped: " + reason;
  plan_[m].parts.key = "skipped";
  skipped_[m] = 1;
  skip_root_[m] = cause.root;
  if (cause.root == m) {
    log::info("pipeline '{}': factory '{}' skipped: {}", pipeline_.name(), factory.name(), reason);
  } else {  // one line per root cause is enough
    log::debug("pipeline '{}': factory '{}' skipped: {}", pipeline_.name(), factory.name(), reason);
  }
  group_->report(JobEventKind::kSkipped, "factory '" + factory.name() + "' skipped: " + reason,
                 factory.name());
  outcome.finished = Clock::now() - start_;
  release_inputs(m);
}

}  // namespace setl::workflow::detail
