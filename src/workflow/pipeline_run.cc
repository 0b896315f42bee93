#include "pipeline_run.h"

#include <algorithm>
#include <iterator>
#include <map>
#include <set>
#include <sstream>

#include "factory_runner.h"
#include "setl/core/cancellation.h"
#include "setl/core/job_group.h"
#include "setl/core/log.h"
#include "setl/core/memory.h"
#include "setl/core/parallel.h"
#include "setl/core/process_memory.h"
#include "setl/core/trace.h"

namespace setl::workflow::detail {
namespace {

using Action = PlannedFactory::Action;
using Status = FactoryOutcome::Status;

}  // namespace

namespace {

MemoryContext run_memory(const MemoryOptions& options) {
  MemoryContext context;
  if (options.limit > 0) {
    context.budget = memory::MemoryBudget::create(options.limit);
  }
  context.spill_dir = options.spill_dir;
  context.max_spill_bytes = options.max_spill_bytes;
  context.batch_bytes = options.batch_bytes;
  context.max_batches_in_flight = options.max_batches_in_flight;
  context.threads = options.threads;
  return context;
}

}  // namespace

PipelineRun::PipelineRun(Pipeline& pipeline)
    : pipeline_(pipeline),
      memory_(run_memory(pipeline.memory())),
      cache_budget_(pipeline.cache_, memory_.budget),
      inspector_(pipeline),
      sources_(pipeline.sources()),
      cache_(pipeline.cache_, pipeline.disk_cache_),
      conditions_(std::move(*inspector_.conditions_)),
      experiments_(pipeline.experiments_, pipeline.members()),
      planner_(inspector_.dag(), pipeline.members(), pipeline.inputs_, sources_, cache_,
               pipeline.default_cache_policy_,
               plan_conditions(inspector_.dag(), pipeline.inputs_.size() + sources_.size(),
                               pipeline.members(), conditions_),
               pipeline.distributed_ ? pipeline.distributed_->communicator : nullptr),
      versions_(sources_),
      budget_(pipeline.failure_budget(), pipeline.retry_environment().clock) {}

std::vector<CacheDecision> PipelineRun::explain(const Pipeline::RunOptions& options) {
  inspector_.validate();
  plan_ = planner_.plan(options.targets, false, versions_, pipeline_.name());
  std::vector<CacheDecision> decisions;
  for (size_t node : inspector_.dag().order) {
    decisions.push_back(plan_[node - planner_.first_factory()].decision);
  }
  return decisions;
}

// A stage is one unit after the previous stage; an unstaged factory a unit of its own.
std::vector<PipelineRun::Unit> PipelineRun::make_units(
    std::vector<std::vector<size_t>>& predecessors) const {
  std::vector<Unit> units;
  std::vector<size_t> unit_of(plan_.size());
  std::vector<std::optional<size_t>> unit_of_stage(pipeline_.stages_.size());
  for (size_t node : inspector_.dag().order) {
    size_t m = node - planner_.first_factory();
    const std::optional<size_t>& stage = plan_[m].stage;
    if (stage && unit_of_stage[*stage]) {
      units[*unit_of_stage[*stage]].members.push_back(m);
    } else {
      if (stage) {
        unit_of_stage[*stage] = units.size();
      }
      units.push_back({stage, {m}});
    }
    unit_of[m] = stage ? *unit_of_stage[*stage] : units.size() - 1;
  }
  std::vector<std::set<size_t>> before(units.size());
  for (size_t m = 0; m < plan_.size(); ++m) {
    for (size_t dependency : plan_[m].dependencies) {
      if (unit_of[dependency] != unit_of[m]) {
        before[unit_of[m]].insert(unit_of[dependency]);
      }
    }
  }
  std::optional<size_t> previous;
  for (const std::optional<size_t>& unit : unit_of_stage) {
    if (unit && previous) {
      before[*unit].insert(*previous);
    }
    previous = unit ? unit : previous;
  }
  predecessors.assign(units.size(), {});
  for (size_t u = 0; u < units.size(); ++u) {
    predecessors[u].assign(before[u].begin(), before[u].end());
  }
  return units;
}

void PipelineRun::run(const Pipeline::RunOptions& options, RunResult& result,
                      const JournaledRun* resuming) {
  inspector_.validate();
  check_transfers();
  for (const Pipeline::Member& member : pipeline_.members()) {
    FactoryRunner::set_context(*member.factory, pipeline_.context_);
    FactoryRunner::reset_output(*member.factory);
    auto cap = pipeline_.memory().max_memory.find(member.factory->name());
    if (cap != pipeline_.memory().max_memory.end()) {
      member.factory->set_max_memory(cap->second);
    }
  }
  plan_ = planner_.plan(options.targets, true, versions_, pipeline_.name());
  plan_journal(options, resuming);
  outcomes_.assign(plan_.size(), {});
  executed_.assign(plan_.size(), 0);
  skipped_.assign(plan_.size(), 0);
  skip_root_.assign(plan_.size(), 0);
  blocked_.assign(plan_.size(), 0);
  failure_root_.assign(plan_.size(), 0);
  failures_.clear();
  for (size_t m = 0; m < plan_.size(); ++m) {
    outcomes_[m].factory = plan_[m].factory->name();
    outcomes_[m].component = plan_[m].factory->component();
    outcomes_[m].cache = plan_[m].decision;
    outcomes_[m].status = plan_[m].action == Action::kSkip ? Status::kNotNeeded : Status::kNotRun;
    if (plan_[m].action == Action::kResumed) {
      outcomes_[m].status = Status::kResumed;
      outcomes_[m].skip_reason = "succeeded in run " + plan_[m].from_run;
      outcomes_[m].cache = {outcomes_[m].factory, CacheDecision::Outcome::kSkipped,
                            plan_[m].parts.key, "not run again: " + outcomes_[m].skip_reason};
      journal_outcome(m);
    }
  }
  count_consumers(options);
  std::vector<std::vector<size_t>> predecessors;
  std::vector<Unit> units = make_units(predecessors);

  JobGroup group(pipeline_.name(), "pipeline run", pipeline_.tags(), "pipeline");
  if (pipeline_.trace_) {
    group.set_trace(pipeline_.trace_);
  }
  std::shared_ptr<TraceRecorder> trace = current_trace();
  if (trace) {
    trace->name_thread("pipeline " + pipeline_.name());
  }
  TraceScope run_span(trace, "run", "run " + pipeline_.name());
  ActiveRun active;
  group_ = &group;
  std::shared_ptr<void> stop_collecting;
  if (pipeline_.distributed_) {
    rank_events_ = std::make_shared<RankEventCollector>(group.id());
    add_job_event_sink(rank_events_);
    stop_collecting.reset(this, [](PipelineRun* run) { remove_job_event_sink(run->rank_events_); });
    rank_benchmarks_.assign(static_cast<size_t>(pipeline_.distributed_->communicator->size()), {});
  }
  log::debug("pipeline '{}': running {} factory(ies) in {} unit(s)", pipeline_.name(), plan_.size(),
             units.size());
  start_ = Clock::now();
  // A failure stops the other factories through this token; the run's own group then ends
  // failed, not cancelled, unless someone cancelled the run itself.
  CancellationToken stop = CancellationToken::child_of(current_cancellation());
  try {
    CancellationScope scope(stop);
    run_dag(
        // A distributed run's factories meet in exchanges: one at a time, in one order.
        predecessors, pipeline_.distributed_ ? 1 : pipeline_.max_concurrency_,
        [&](size_t u) { run_unit(units[u]); },
        [&] {
          std::lock_guard lock(mutex_);
          stop.cancel("pipeline '" + pipeline_.name() + "': " +
                      (first_failed_.empty() ? std::string("another factory")
                                             : "factory '" + first_failed_ + "'") +
                      " failed");
        },
        admission());
  } catch (Error& error) {
    finish(result, Clock::now() - start_);
    report_memory(result, group, active);
    std::vector<std::string> cancelled = result.cancelled();
    if (dynamic_cast<CancelledError*>(&error) != nullptr) {
      std::string names;
      for (const std::string& name : cancelled) {
        names += (names.empty() ? "" : ", ") + name;
      }
      error.add_context("pipeline '" + pipeline_.name() +
                        "' cancelled; cancelled factories: " + names);
    }
    group.set_failure(error.message());
    throw;
  }
  finish(result, Clock::now() - start_);
  report_memory(result, group, active);
  if (!failures_.empty()) {  // keep-going: the first failure, naming the others
    try {
      std::rethrow_exception(failures_.front().second);
    } catch (Error& error) {
      for (size_t i = 1; i < failures_.size(); ++i) {
        const FactoryOutcome& other = outcomes_[failures_[i].first];
        error.add_context("also failed: factory '" + other.factory +
                          "': " + other.error.substr(0, other.error.find('\n')));
      }
      group.set_failure(error.message());
      throw;
    }
  }
  log::debug("pipeline '{}': done in {:.3f} ms", pipeline_.name(),
             std::chrono::duration<double, std::milli>(result.wall()).count());
}

// Runs in progress in this process: only the first resets the peak resident size, and
// only the last gives free heap back (others' figures would be disturbed).
std::atomic<int> PipelineRun::ActiveRun::count{0};

PipelineRun::ActiveRun::ActiveRun() : first(count.fetch_add(1) == 0) {
  if (first) {
    resettable = memory::reset_peak_resident();
    memory::reset_peak_mapped();
  }
}

PipelineRun::ActiveRun::~ActiveRun() {
  count.fetch_sub(1);
}

void PipelineRun::report_memory(RunResult& result, const JobGroup& group, const ActiveRun& active) {
  RunMemoryReport& report = result.benchmark_.memory;
  JobGroupInfo info = group.info();
  report.peak_tracked = info.peak_memory_bytes;
  report.tracked_end = info.memory_bytes;
  report.pauses = pauses_;
  if (memory_.budget) {
    report.limit = memory_.budget->limit();
    report.peak_reserved = memory_.budget->peak();
    for (const auto& [holder, bytes] : memory_.budget->holders()) {
      if (holder != cache_budget_.reclaimer_name()) {
        report.leaked.emplace_back(holder, bytes);
        log::warn("pipeline '{}': memory leak: {} still holds {} after the run", pipeline_.name(),
                  holder, memory::format_bytes(bytes));
      }
    }
  }
  if (ActiveRun::count.load() == 1) {
    report.trimmed = memory::release_free_memory();
  }
  memory::ProcessMemory process = memory::process_memory();
  report.resident_end = process.resident_bytes;
  report.file_resident_end = process.file_resident_bytes;
  report.peak_mapped = active.first ? memory::peak_mapped_bytes() : 0;
  report.peak_resident = active.first && active.resettable ? process.peak_resident_bytes : 0;
  report.unmanaged_end = std::max<int64_t>(0, process.resident_bytes - memory::bytes_allocated());
}

std::function<bool()> PipelineRun::admission() {
  const MemoryOptions& options = pipeline_.memory();
  if (!memory_.budget || memory_.budget->limit() == 0 || options.pause <= 0) {
    return {};
  }
  auto limit = static_cast<double>(memory_.budget->limit());
  auto pause = static_cast<int64_t>(limit * options.pause);
  auto target = static_cast<int64_t>(limit * options.target);
  return [this, pause, target] {
    int64_t used = memory_.budget->used();
    // One log line and one event per crossing: the hysteresis limits their rate.
    if (!paused_ && used > pause) {
      paused_ = true;
      ++pauses_;
      std::string detail = memory::format_bytes(used) + " reserved, above memory.pause (" +
                           memory::format_bytes(pause) + "): no new factory starts until " +
                           memory::format_bytes(target) + " or less";
      log::warn("pipeline '{}': {}", pipeline_.name(), detail);
      group_->report(JobEventKind::kMemoryPaused, detail);
    } else if (paused_ && used <= target) {
      paused_ = false;
      std::string detail = memory::format_bytes(used) +
                           " reserved, at or below memory.target: factories start again";
      log::info("pipeline '{}': {}", pipeline_.name(), detail);
      group_->report(JobEventKind::kMemoryResumed, detail);
    }
    return !paused_;
  };
}

void PipelineRun::run_unit(const Unit& unit) {
  std::vector<size_t> active;
  for (size_t m : unit.members) {
    if (plan_[m].action != Action::kSkip && plan_[m].action != Action::kResumed) {
      active.push_back(m);
    }
  }
  if (active.empty()) {
    return;
  }
  const std::string& pipeline_name = pipeline_.name();
  if (!unit.stage) {
    run_member(active.front(), pipeline_name, true);
    return;
  }
  Stage& stage = *pipeline_.stages_[*unit.stage];
  if (!stage_condition_holds(*unit.stage, active)) {
    for (size_t m : active) {
      outcomes_[m].started = Clock::now() - start_;
      skip(m, {"stage '" + stage.name() + "': condition `" + stage.run_condition() + "` was false",
               m});
      journal_outcome(m);
    }
    return;
  }
  std::string scope = pipeline_name + "/" + stage.name();
  detail::run_stage_members(
      stage.name(), stage.parallel() && !pipeline_.distributed_, stage.max_threads(), active.size(),
      [&](size_t k) { return outcomes_[active[k]].factory; },
      [&](size_t k) { run_member(active[k], scope, stage.writable()); });
}

void PipelineRun::deliver_inputs(size_t m, bool sources_only) {
  FactoryBase& factory = *plan_[m].factory;
  const DagNode& node = inspector_.dag().nodes[plan_[m].node];
  size_t num_inputs = pipeline_.inputs_.size();
  for (DeliveryBase* delivery : factory.deliveries()) {
    const DagInput& input = node.inputs[delivery->index()];
    bool from_factory = input.source && *input.source >= planner_.first_factory();
    if (!input.source || (sources_only && (from_factory || input.auto_load))) {
      delivery->clear();
    } else if (*input.source < num_inputs) {
      delivery->deliver(pipeline_.inputs_[*input.source]);
    } else if (*input.source < planner_.first_factory()) {
      const Source& source = sources_[*input.source - num_inputs];
      if (!input.auto_load) {
        delivery->deliver(source.deliverable);
        continue;
      }
      try {
        delivery->deliver(source.load(input.condition), /*filtered=*/true);
      } catch (Error& error) {
        error.add_context("in factory '" + factory.name() + "' auto-loading its " +
                          delivery->describe() + " from source '" + source.id + "'");
        throw;
      }
    } else if (size_t producer = *input.source - planner_.first_factory();
               skipped_[producer] != 0 || blocked_[producer] != 0) {
      delivery->clear();  // an optional input of a skipped or failed factory (required ones
                          // skip)
    } else {
      delivery->deliver(plan_[*input.source - planner_.first_factory()].factory->deliverable());
    }
  }
}

namespace {

// What a factory's job group says of the result cache: a miss and why, or "factory run".
std::string cache_description(const CacheDecision& decision) {
  switch (decision.outcome) {
    case CacheDecision::Outcome::kMiss:
      return "cache miss: " + decision.reason;
    case CacheDecision::Outcome::kUncacheable:
      return "cache: not cacheable: " + decision.reason;
    default:
      return "factory run";
  }
}

}  // namespace

void PipelineRun::restore(size_t m, const std::shared_ptr<const void>& payload,
                          bool stage_writable) {
  FactoryBase& factory = *plan_[m].factory;
  FactoryRunner::restore(factory, payload);
  log::debug("factory '{}': served from the result cache", factory.name());
  group_->report(JobEventKind::kRestored,
                 "factory '" + factory.name() + "' served from the result cache (key " +
                     outcomes_[m].cache.key.substr(0, 12) + ")",
                 factory.name());
  // output_missing_at_destination() and write() may look at the delivered connectors.
  deliver_inputs(m, true);
  outcomes_[m].status = Status::kCached;
  if (factory.writable() && stage_writable && factory.output_missing_at_destination()) {
    FactoryRunner::write(factory);
  }
}

void PipelineRun::run_member(size_t m, const std::string& scope, bool stage_writable) {
  if (journal_) {
    // What it reads now (an upstream factory may have written to its sources).
    plan_[m].identity = planner_.identity_of(m, plan_, versions_);
    journal_->started(outcomes_[m].factory);
  }
  try {
    execute_member(m, scope, stage_writable);
    if (pipeline_.distributed_) {
      share_rank_reports(m);
    }
  } catch (...) {
    journal_outcome(m);
    if (outcomes_[m].status == Status::kFailed) {
      std::lock_guard lock(mutex_);
      if (first_failed_.empty()) {
        first_failed_ = outcomes_[m].factory;  // the reason fail-fast gives the others
      }
    }
    throw;
  }
  journal_outcome(m);
}

void PipelineRun::execute_member(size_t m, const std::string& scope, bool stage_writable) {
  PlannedFactory& planned = plan_[m];
  FactoryOutcome& outcome = outcomes_[m];
  FactoryBase& factory = *planned.factory;
  outcome.started = Clock::now() - start_;
  if (std::optional<size_t> root = failed_upstream(m)) {
    blocked_[m] = 1;
    failure_root_[m] = *root;
    skip(m, {"upstream '" + outcomes_[*root].factory + "' failed", m});
    return;
  }
  bool delivered = false;  // by the run condition, which reads the inputs
  try {
    if (std::optional<SkipCause> cause = skip_reason(m, delivered)) {
      skip(m, *cause);
      return;
    }
  } catch (const std::exception& error) {
    outcome.status = Status::kFailed;
    outcome.error = error.what();
    outcome.finished = Clock::now() - start_;
    throw;
  }
  decide_cache(m);
  if (planned.action == Action::kRestore) {
    restore(m, planned.hit, stage_writable);
    outcome.finished = Clock::now() - start_;
    outcome.output_bytes = FactoryRunner::bytes(factory);
    release_inputs(m);
    return;
  }
  if (!run_factory(m, scope, stage_writable, delivered)) {
    return;
  }
  outcome.timing.stage = planned.stage.value_or(kUnstaged);
  outcome.status = Status::kRan;
  outcome.output_bytes = FactoryRunner::bytes(factory);
  executed_[m] = 1;
  versions_.invalidate();  // it may have written what a source reads
  store(m);
  if (experiments_.is_candidate(m)) {
    experiments_.compare(m);
  }
  outcome.finished = Clock::now() - start_;
  release_inputs(m);
}

// Takes the key again when something upstream ran, and looks a factory the planner left
// to decide up in the result cache (on every rank alike in a distributed run).
void PipelineRun::decide_cache(size_t m) {
  PlannedFactory& planned = plan_[m];
  FactoryOutcome& outcome = outcomes_[m];
  FactoryBase& factory = *planned.factory;
  bool upstream_ran = std::any_of(
      planned.dependencies.begin(), planned.dependencies.end(),
      [&](size_t dependency) { return executed_[dependency] != 0 || skipped_[dependency] != 0; });
  if (upstream_ran && !cache_.empty()) {
    // What this factory reads was just recomputed: its key is taken again.
    std::string planned_key = planned.parts.key;
    planned.parts = planner_.key_of(m, plan_, versions_);
    if (planned.action == Action::kRestore && planned.parts.key != planned_key) {
      planned.action = Action::kDecideLater;
    }
  }
  if (planned.action == Action::kDecideLater) {
    planned.action = Action::kRun;
    CacheDecision& decision = outcome.cache;
    decision.key = planned.parts.key;
    if (planned.cache_on && !planned.parts.key.empty()) {
      TieredCache::Found found = cache_.load(
          planned.policy.mode, planned.parts.key, factory.output_type(), planned.policy.ttl,
          planned.parts, [&factory](const std::shared_ptr<const void>& payload) {
            return FactoryRunner::bytes_of(factory, payload);
          });
      cache_budget_.sync();  // a disk hit may have been promoted into memory
      if (pipeline_.distributed_ &&
          !every_rank(*pipeline_.distributed_->communicator, found.payload != nullptr)) {
        found.payload.reset();  // restored only where every rank has it
      }
      if (found.payload) {
        decision.outcome = CacheDecision::Outcome::kHit;
        decision.reason.clear();
        planned.action = Action::kRestore;
        planned.hit = found.payload;
      } else {
        decision.outcome = CacheDecision::Outcome::kMiss;
        decision.reason = explain_miss(planned.parts, cache_.last_parts(factory.name()));
      }
    } else if (planned.cache_on) {
      decision.outcome = CacheDecision::Outcome::kUncacheable;
      decision.reason = uncacheable_reason(planned.parts);
    }
  }
}

// Runs the factory (on rank 0 alone when it is single-rank, its output then shared).
// False when it failed and the run goes on without it (keep-going, or an experiment's
// candidate); a failure that ends the run is rethrown.
bool PipelineRun::run_factory(size_t m, const std::string& scope, bool stage_writable,
                              bool delivered) {
  PlannedFactory& planned = plan_[m];
  FactoryOutcome& outcome = outcomes_[m];
  FactoryBase& factory = *planned.factory;
  try {
    if (!delivered) {
      deliver_inputs(m, false);
    }
    std::string stage_name =
        planned.stage ? pipeline_.stages_[*planned.stage]->name() : std::string("unstaged");
    const bool single_rank = pipeline_.distributed_ && factory.single_rank();
    FactoryRunOptions run_options{
        .stage_name = stage_name,
        .description = cache_description(outcome.cache),
        .stage_writable = stage_writable,
        .scope = scope + "/" + factory.name(),
        .memory = memory_,
        .stage_policies =
            planned.stage ? &pipeline_.stages_[*planned.stage]->failure_policies() : nullptr,
        .pipeline_policies = &pipeline_.failure_policies(),
        .environment = &pipeline_.retry_environment(),
        .attempts = &outcome.attempts,
        .budget = &budget_,
        .distributed = pipeline_.distributed_ ? &*pipeline_.distributed_ : nullptr,
        .local_queries = single_rank};
    if (!single_rank || pipeline_.distributed_->communicator->rank() == 0) {
      int64_t sent = pipeline_.distributed_
                         ? pipeline_.distributed_->communicator->counters().bytes_sent.load()
                         : 0;
      outcome.timing = FactoryRunner::run(factory, run_options);
      if (pipeline_.distributed_) {
        outcome.timing.exchanged_bytes =
            pipeline_.distributed_->communicator->counters().bytes_sent.load() - sent;
      }
    }
    if (single_rank) {
      share_from_rank_zero(factory, outcome);
    }
  } catch (const CancelledError& error) {
    outcome.status = Status::kCancelled;
    outcome.error = error.what();
    outcome.finished = Clock::now() - start_;
    end_distributed_run(factory, "was cancelled", error);
    throw;
  } catch (const std::exception& error) {
    outcome.status = Status::kFailed;
    outcome.error = error.what();
    outcome.finished = Clock::now() - start_;
    end_distributed_run(factory, "failed", error);
    if (!experiments_.is_candidate(m)) {
      if (pipeline_.failure_mode() == Pipeline::FailureMode::kKeepGoing) {
        keep_going_after(m, std::current_exception());
        return false;
      }
      throw;
    }
    // An experiment's candidate fails alone; nothing reads its output.
    outcome.failure_tolerated = true;
    log::warn("pipeline '{}': experiment candidate '{}' failed: {}", pipeline_.name(),
              factory.name(), error.what());
    release_inputs(m);
    return false;
  }
  return true;
}

void PipelineRun::count_consumers(const Pipeline::RunOptions& options) {
  unread_.assign(plan_.size(), 0);
  keep_.assign(plan_.size(), 1);
  if (!pipeline_.memory().release_intermediates) {
    return;
  }
  for (size_t m = 0; m < plan_.size(); ++m) {
    if (plan_[m].action == Action::kSkip || plan_[m].action == Action::kResumed) {
      continue;
    }
    for (size_t dependency : plan_[m].dependencies) {
      ++unread_[dependency];
    }
  }
  for (size_t m = 0; m < plan_.size(); ++m) {
    const std::string& name = plan_[m].factory->name();
    bool target = std::any_of(
        options.targets.begin(), options.targets.end(),
        [&](const std::string& wanted) { return Pipeline::RunOptions::selects(wanted, name); });
    keep_[m] = options.targets.empty() ? unread_[m] == 0 : target;
  }
}

// After member `m` finished: it lets go of what was delivered to it, and an output whose
// last reader it was is dropped.
void PipelineRun::release_inputs(size_t m) {
  if (!pipeline_.memory().release_intermediates) {
    return;
  }
  for (DeliveryBase* delivery : plan_[m].factory->deliveries()) {
    delivery->clear();
  }
  std::lock_guard lock(mutex_);
  for (size_t dependency : plan_[m].dependencies) {
    if (--unread_[dependency] == 0 && !keep_[dependency]) {
      FactoryRunner::reset_output(*plan_[dependency].factory);
      outcomes_[dependency].released = true;
      log::debug("factory '{}': output released after its last consumer",
                 plan_[dependency].factory->name());
    }
  }
}

void PipelineRun::store(size_t m) {
  PlannedFactory& planned = plan_[m];
  FactoryBase& factory = *planned.factory;
  CacheDecision& decision = outcomes_[m].cache;
  if (!planned.cache_on || planned.parts.key.empty() || !factory.has_output()) {
    return;
  }
  std::optional<std::vector<std::string>> sources = factory.source_fingerprints();
  if (FactoryRunner::used_context_resources(factory) && sources && sources->empty()) {
    decision.outcome = CacheDecision::Outcome::kUncacheable;
    decision.reason =
        "it looked resources up through context() during the run although it "
        "declared that it reads only its deliveries; not stored (take them as "
        "Delivery<...> so that their versions enter the key)";
    log::warn("pipeline '{}': factory '{}': {}", pipeline_.name(), factory.name(), decision.reason);
    return;
  }
  std::vector<std::string> failures =
      cache_.store(planned.policy.mode, planned.parts.key,
                   {FactoryRunner::payload(factory), &factory.output_type(),
                    FactoryRunner::bytes(factory), planned.policy.ttl},
                   planned.parts);
  cache_budget_.sync();
  for (const std::string& failure : failures) {
    log::warn("pipeline '{}': factory '{}' was not stored in the cache: {}", pipeline_.name(),
              factory.name(), failure);
    std::lock_guard lock(mutex_);
    store_failures_.push_back(factory.name() + ": " + failure);
  }
}

}  // namespace setl::workflow::detail
