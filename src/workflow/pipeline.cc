#include "setl/workflow/pipeline.h"

#include <algorithm>
#include <chrono>
#include <set>

#include "condition.h"
#include "factory_runner.h"
#include "pipeline_conditions.h"
#include "pipeline_run.h"
#include "setl/workflow/inspector.h"
#include "setl/workflow/setl.h"

namespace setl::workflow {

Pipeline::Pipeline(std::string name) : name_(std::move(name)) {}
Pipeline::Pipeline(std::string name, const Setl& context)
    : name_(std::move(name)), context_(&context) {}
Pipeline::Pipeline(Pipeline&&) noexcept = default;
Pipeline& Pipeline::operator=(Pipeline&&) noexcept = default;
Pipeline::~Pipeline() = default;

Stage& Pipeline::add_stage() {
  return add_stage(Stage());
}

Stage& Pipeline::add_stage(Stage stage) {
  if (stage.name().empty()) {
    stage.set_name("stage-" + std::to_string(stages_.size()));
  }
  stages_.push_back(std::make_unique<Stage>(std::move(stage)));
  return *stages_.back();
}

Switch& Pipeline::add_switch(std::string name, std::string key_expression) {
  auto key = detail::ConditionSpec::of_text(std::move(key_expression),
                                            "pipeline '" + name_ + "': switch '" + name + "'");
  switches_.push_back(std::unique_ptr<Switch>(new Switch(std::move(name), std::move(key))));
  return *switches_.back();
}

Switch& Pipeline::add_switch(std::string name, std::string description,
                             std::function<std::string()> key) {
  switches_.push_back(std::unique_ptr<Switch>(
      new Switch(std::move(name),
                 detail::ConditionSpec::of_key_function(std::move(description), std::move(key)))));
  return *switches_.back();
}

Pipeline& Pipeline::add_input(Deliverable input) {
  for (const Deliverable& existing : inputs_) {
    if (existing.payload_type() == input.payload_type() &&
        existing.delivery_id() == input.delivery_id() &&
        existing.consumers() == input.consumers()) {
      std::string id = input.delivery_id().empty() ? "no id" : "id '" + input.delivery_id() + "'";
      throw DeliveryError("pipeline '" + name_ + "': an external input " +
                          input.payload_type().name() + " with " + id +
                          " and the same consumers is already set; no factory could tell "
                          "them apart (give one an id or a consumer list)");
    }
  }
  inputs_.push_back(std::move(input));
  return *this;
}

void Pipeline::remove_input(const TypeInfo& type, const std::string& id,
                            const std::vector<std::string>& consumers) {
  std::erase_if(inputs_, [&](const Deliverable& input) {
    return input.payload_type() == type && input.delivery_id() == id &&
           input.consumers() == consumers;
  });
}

Pipeline& Pipeline::set_benchmark(bool on) noexcept {
  benchmark_ = on;
  return *this;
}

Pipeline& Pipeline::set_trace(std::shared_ptr<TraceRecorder> trace) noexcept {
  trace_ = std::move(trace);
  return *this;
}

const BenchmarkReport& Pipeline::benchmark() const {
  if (!benchmark_ || !last_run_) {
    throw StateError(benchmark_ ? "pipeline '" + name_ + "' has no benchmark yet: run it first"
                                : "pipeline '" + name_ +
                                      "' was not benchmarked: call set_benchmark(true) before "
                                      "run()");
  }
  return last_run_->benchmark();
}

Dag Pipeline::dag() const {
  return Inspector(*this).dag();
}

std::string Pipeline::summary() const {
  return Inspector(*this).dag().to_summary();
}

std::string Pipeline::describe() const {
  Inspector inspector(*this);
  std::string text = inspector.dag().to_string();
  if (!compositions_.empty()) {
    text += "composition (namespace <- fragment; mappings):\n";
    for (const std::string& composition : compositions_) {
      text += "  " + composition + "\n";
    }
  }
  if (!inspector.ok()) {
    text += "problems:\n";
    for (const std::string& problem : inspector.problems()) {
      text += "  - " + problem + "\n";
    }
  }
  return text;
}

Pipeline& Pipeline::set_default_cache_policy(CachePolicy policy) noexcept {
  default_cache_policy_ = policy;
  return *this;
}

Pipeline& Pipeline::set_disk_cache(std::shared_ptr<DiskCache> cache) {
  disk_cache_ = std::move(cache);
  return *this;
}

Pipeline& Pipeline::set_cache(std::shared_ptr<ResultCache> cache) {
  cache_ = std::move(cache);
  return *this;
}

Pipeline& Pipeline::set_tags(std::vector<std::string> tags) {
  tags_ = std::move(tags);
  return *this;
}

RunResult Pipeline::run() {
  return run(RunOptions{});
}

RunResult Pipeline::run(const RunOptions& options) {
  return run_with(options, nullptr);
}

Pipeline& Pipeline::set_failure_budget(FailureBudget budget) {
  if (budget.max_failures < 0 || budget.per.count() < 0) {
    throw ConfigError("pipeline '" + name_ + "': a failure budget must not be negative");
  }
  failure_budget_ = budget;
  return *this;
}

Pipeline& Pipeline::set_journal(std::filesystem::path directory) {
  journal_ = std::move(directory);
  return *this;
}

RunResult Pipeline::resume(std::string_view run_id) {
  if (journal_.empty()) {
    throw StateError("pipeline '" + name_ + "': resume needs the run journal: call set_journal()");
  }
  RunJournal journal(journal_);
  JournaledRun before = journal.read(run_id);
  if (before.pipeline != name_) {
    throw ConfigError("run '" + before.run_id + "' is a run of pipeline '" + before.pipeline +
                      "', not of '" + name_ + "'");
  }
  if (journal.running(before.run_id)) {
    throw StateError("run '" + before.run_id +
                     "' is still going in another process; resume it once it has ended");
  }
  return run_with({.targets = before.targets}, &before);
}

RunResult Pipeline::run_with(const RunOptions& options, const JournaledRun* resuming) {
  if (moved_from_.moved) {
    throw StateError("this Pipeline was moved from; run the Pipeline it was moved to");
  }
  detail::PipelineRun run(*this);
  RunResult result(name_);
  try {
    run.run(options, result, resuming);
  } catch (...) {
    last_run_ = std::move(result);
    throw;
  }
  last_run_ = result;
  return result;
}

std::vector<CacheDecision> Pipeline::explain_cache(const RunOptions& options) {
  if (moved_from_.moved) {
    throw StateError("this Pipeline was moved from; use the Pipeline it was moved to");
  }
  for (const Member& member : members()) {
    detail::FactoryRunner::set_context(*member.factory, context_);
  }
  return detail::PipelineRun(*this).explain(options);
}

bool Pipeline::RunOptions::selects(std::string_view target, std::string_view factory) {
  if (target.ends_with(".*")) {
    return factory.starts_with(target.substr(0, target.size() - 1));
  }
  return factory == target;
}

const RunResult& Pipeline::last_run() const {
  if (!last_run_) {
    throw StateError("pipeline '" + name_ + "' has not run yet");
  }
  return *last_run_;
}

std::vector<CacheDecision> Pipeline::cache_report() const {
  return last_run_ ? last_run_->cache_report() : std::vector<CacheDecision>{};
}

std::vector<std::string> Pipeline::executed_factories() const {
  return last_run_ ? last_run_->executed() : std::vector<std::string>{};
}

std::vector<std::string> Pipeline::cancelled_factories() const {
  return last_run_ ? last_run_->cancelled() : std::vector<std::string>{};
}

std::vector<std::string> Pipeline::cache_store_failures() const {
  return last_run_ ? last_run_->cache_store_failures() : std::vector<std::string>{};
}

Pipeline& Pipeline::set_memory(MemoryOptions options) {
  if (options.limit < 0 || options.max_spill_bytes < 0 || options.batch_bytes <= 0) {
    throw ConfigError("memory: limit and max_spill must be >= 0 and batch_bytes > 0");
  }
  memory_ = std::move(options);
  return *this;
}

Pipeline& Pipeline::retry(RetryPolicy policy) {
  failure_.set_retry(std::nullopt, std::move(policy));
  return *this;
}

Pipeline& Pipeline::retry(FactoryPhase phase, RetryPolicy policy) {
  failure_.set_retry(phase, std::move(policy));
  return *this;
}

Pipeline& Pipeline::timeout(std::chrono::nanoseconds limit) {
  failure_.set_timeout(std::nullopt, limit);
  return *this;
}

Pipeline& Pipeline::timeout(FactoryPhase phase, std::chrono::nanoseconds limit) {
  failure_.set_timeout(phase, limit);
  return *this;
}

Pipeline& Pipeline::set_failure_mode(FailureMode mode) noexcept {
  failure_mode_ = mode;
  return *this;
}

Pipeline& Pipeline::set_retry_environment(RetryEnvironment environment) {
  if (!environment.clock || !environment.sleeper) {
    throw ConfigError("a retry environment needs a clock and a sleeper");
  }
  retry_environment_ = std::move(environment);
  return *this;
}

std::shared_ptr<CodecRegistry> Pipeline::builtin_codecs() {
  auto codecs = std::make_shared<CodecRegistry>();
  codecs->add_builtin();
  return codecs;
}

Pipeline& Pipeline::set_distributed(engine::DistributedContext context) {
  if (context.communicator == nullptr) {
    throw ConfigError("pipeline '" + name() + "': a distributed run needs a communicator");
  }
  distributed_ = context;
  return *this;
}

Pipeline& Pipeline::set_max_concurrency(size_t factories) noexcept {
  max_concurrency_ = factories;
  return *this;
}

void Pipeline::add_unstaged(std::unique_ptr<FactoryBase> factory) {
  if (!factory) {
    throw StateError("pipeline '" + name_ + "': cannot add a null factory");
  }
  factory->name();  // fixes the default name now, before threads read it
  unstaged_.push_back(std::move(factory));
}

std::vector<Pipeline::Member> Pipeline::members() const {
  std::vector<Member> members = all_members();
  bool any_variant = std::any_of(members.begin(), members.end(),
                                 [](const Member& member) { return member.factory->is_variant(); });
  if (any_variant) {
    std::set<const FactoryBase*> left_out =
        detail::select_variants(members, detail::condition_config(*this)).left_out;
    std::erase_if(members,
                  [&](const Member& member) { return left_out.count(member.factory) > 0; });
  }
  return members;
}

std::vector<Pipeline::Member> Pipeline::all_members() const {
  std::vector<Member> members;
  for (size_t s = 0; s < stages_.size(); ++s) {
    for (const auto& factory : stages_[s]->factories()) {
      members.push_back({factory.get(), s});
    }
  }
  for (const auto& factory : unstaged_) {
    members.push_back({factory.get(), std::nullopt});
  }
  for (const auto& each : switches_) {
    for (const auto& branch : each->cases()) {
      for (const auto& factory : branch->factories()) {
        members.push_back({factory.get(), std::nullopt});
      }
    }
  }
  for (const auto& experiment : experiments_) {
    for (FactoryBase* factory : {experiment->control_factory(), experiment->candidate_factory()}) {
      if (factory != nullptr) {
        members.push_back({factory, std::nullopt});
      }
    }
  }
  return members;
}

std::vector<Source> Pipeline::sources() const {
  return context_ != nullptr ? context_->sources() : std::vector<Source>{};
}

const FactoryBase& Pipeline::check_member(const FactoryBase& factory) const {
  for (const Member& member : members()) {
    if (member.factory == &factory) {
      return factory;
    }
  }
  throw DeliveryError("factory '" + factory.name() + "' is not part of pipeline '" + name_ + "'");
}

const FactoryBase& Pipeline::find_factory(std::string_view name) const {
  std::string names;
  for (const Member& member : members()) {
    if (member.factory->name() == name) {
      return *member.factory;
    }
    names += (names.empty() ? "" : ", ") + member.factory->name();
  }
  throw DeliveryError("pipeline '" + name_ + "' has no factory named '" + std::string(name) +
                      "'; factories: " + (names.empty() ? std::string("none") : names));
}

const FactoryBase& Pipeline::find_producer_of(const TypeInfo& type) const {
  std::vector<const FactoryBase*> producers;
  for (const Member& member : members()) {
    if (member.factory->output_type() == type) {
      producers.push_back(member.factory);
    }
  }
  if (producers.size() == 1) {
    return *producers.front();
  }
  if (producers.empty()) {
    throw DeliveryError("pipeline '" + name_ + "' has no factory producing " + type.name());
  }
  std::string names;
  for (const FactoryBase* producer : producers) {
    names += (names.empty() ? "'" : ", '") + producer->name() + "'";
  }
  throw DeliveryError("pipeline '" + name_ + "' has " + std::to_string(producers.size()) +
                      " factories producing " + type.name() + " (" + names +
                      "); ask for one by name: get_output<T>(\"name\")");
}

// The last factory of the last non-empty stage; without stages, the last one added.
const FactoryBase& Pipeline::last_factory() const {
  for (auto stage = stages_.rbegin(); stage != stages_.rend(); ++stage) {
    if (!(*stage)->empty()) {
      return *(*stage)->factories().back();
    }
  }
  if (!unstaged_.empty()) {
    return *unstaged_.back();
  }
  throw DeliveryError("pipeline '" + name_ + "' has no factory, so it has no last output");
}

void Pipeline::throw_wrong_output_type(const FactoryBase& factory, const TypeInfo& requested) {
  throw DeliveryError("factory '" + factory.name() + "' produces " + factory.output_type().name() +
                      ", not " + requested.name());
}

}  // namespace setl::workflow
