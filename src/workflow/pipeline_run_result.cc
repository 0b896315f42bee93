// The end of a pipeline run: its outcomes become the RunResult, with the stages' timings
// and the critical path.
#include <algorithm>
#include <map>

#include "factory_runner.h"
#include "pipeline_run.h"

namespace setl::workflow::detail {
namespace {

using Status = FactoryOutcome::Status;

}  // namespace

void PipelineRun::finish(RunResult& result, Clock::duration wall) {
  result = RunResult(pipeline_.name());
  result.wall_ = std::chrono::duration_cast<Duration>(wall);
  result.ok_ = true;
  for (size_t node : inspector_.dag().order) {
    size_t m = node - planner_.first_factory();
    const FactoryOutcome& outcome = outcomes_[m];
    result.factories_.push_back(outcome);
    if ((outcome.status == Status::kFailed && !outcome.failure_tolerated) ||
        outcome.status == Status::kCancelled || outcome.status == Status::kNotRun) {
      result.ok_ = false;
    }
    const FactoryBase& factory = *plan_[m].factory;
    if (factory.has_output()) {
      result.outputs_[factory.name()] = {FactoryRunner::payload(factory), &factory.output_type()};
    }
    if (outcome.status == Status::kRan) {
      result.benchmark_.factories.push_back(outcome.timing);
    }
  }
  result.experiments_ = experiments_.finish(pipeline_.name(), outcomes_);
  for (const std::unique_ptr<SwitchRun>& each : conditions_.switches) {
    if (each) {
      bool decided = each->decided();
      result.switches_.push_back(
          {each->name(), decided ? each->value() : std::string(),
           decided && each->chosen() ? each->label(*each->chosen()) : std::string()});
    }
  }
  size_t num_stages = pipeline_.stages_.size();
  std::vector<Duration> first(num_stages, Duration::max());
  std::vector<Duration> last(num_stages, Duration{0});
  for (size_t m = 0; m < plan_.size(); ++m) {
    if (plan_[m].stage && outcomes_[m].status == Status::kRan) {
      size_t s = *plan_[m].stage;
      first[s] = std::min(first[s], outcomes_[m].started);
      last[s] = std::max(last[s], outcomes_[m].finished);
    }
  }
  for (size_t s = 0; s < num_stages; ++s) {
    if (first[s] != Duration::max()) {
      const Stage& stage = *pipeline_.stages_[s];
      result.benchmark_.stages.push_back({s, stage.name(), stage.parallel(), last[s] - first[s]});
    }
  }
  result.benchmark_.total = result.wall_;
  if (pipeline_.distributed_) {
    // The job's figures are every rank's added up; each rank's stay available.
    result.rank_benchmarks_ = rank_benchmarks_;
    result.benchmark_.factories = combine_ranks(rank_benchmarks_);
  }
  result.pools_ = PoolRegistry::global().stats();
  result.breakers_ = BreakerRegistry::global().stats();
  journal_end(result);
  std::lock_guard lock(mutex_);
  result.store_failures_ = store_failures_;
  compute_critical_path(result);
}

// The longest chain of dependent factories, weighted by how long each took. A stage waits
// for the whole previous stage (the earlier ones are reached through it).
void PipelineRun::compute_critical_path(RunResult& result) const {
  std::map<size_t, std::vector<size_t>> stage_members;
  for (size_t m = 0; m < plan_.size(); ++m) {
    if (plan_[m].stage) {
      stage_members[*plan_[m].stage].push_back(m);
    }
  }
  std::vector<Duration> longest(plan_.size(), Duration{0});
  std::vector<std::optional<size_t>> via(plan_.size());
  std::optional<size_t> end;
  for (size_t node : inspector_.dag().order) {
    size_t m = node - planner_.first_factory();
    std::vector<size_t> before = plan_[m].dependencies;
    if (plan_[m].stage) {
      auto stage = stage_members.find(*plan_[m].stage);
      if (stage != stage_members.begin()) {
        const std::vector<size_t>& previous = std::prev(stage)->second;
        before.insert(before.end(), previous.begin(), previous.end());
      }
    }
    Duration own = outcomes_[m].finished - outcomes_[m].started;
    longest[m] = own;
    for (size_t b : before) {
      if (longest[b] + own > longest[m]) {
        longest[m] = longest[b] + own;
        via[m] = b;
      }
    }
    if (!end || longest[m] > longest[*end]) {
      end = m;
    }
  }
  if (!end) {
    return;
  }
  result.critical_path_time_ = longest[*end];
  for (std::optional<size_t> m = end; m; m = via[*m]) {
    result.critical_path_.push_back(outcomes_[*m].factory);
  }
  std::reverse(result.critical_path_.begin(), result.critical_path_.end());
  result.benchmark_.critical_path = result.critical_path_;
  result.benchmark_.critical_path_time = result.critical_path_time_;
}

}  // namespace setl::workflow::detail
