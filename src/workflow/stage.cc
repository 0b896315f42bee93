#include "setl/workflow/stage.h"

#include <chrono>
#include <mutex>

#include "condition.h"
#include "factory_runner.h"
#include "setl/core/error.h"
#include "setl/core/job_group.h"
#include "setl/core/parallel.h"

namespace setl::workflow {

Stage::Stage(std::string name) : name_(std::move(name)) {}
Stage::Stage(Stage&&) noexcept = default;
Stage& Stage::operator=(Stage&&) noexcept = default;
Stage::~Stage() = default;

Stage& Stage::set_parallel(bool parallel, size_t max_threads) noexcept {
  parallel_ = parallel;
  max_threads_ = max_threads;
  return *this;
}

Stage& Stage::run_if(std::string description, std::function<bool()> predicate) {
  if (description.empty() || !predicate) {
    throw ConfigError("stage '" + name_ +
                      "': run_if needs a description and a predicate (the description "
                      "names the condition in the run report)");
  }
  run_condition_ =
      detail::ConditionSpec::of_predicate(std::move(description), std::move(predicate));
  return *this;
}

Stage& Stage::run_if(std::string expression) {
  run_condition_ =
      detail::ConditionSpec::of_text(std::move(expression), "stage '" + name_ + "': run_if");
  return *this;
}

Stage& Stage::run_if(const engine::Expr& expression) {
  run_condition_ = detail::ConditionSpec::of_expression(expression);
  return *this;
}

const std::string& Stage::run_condition() const noexcept {
  static const std::string kNone;
  return run_condition_ ? run_condition_->description : kNone;
}

bool Stage::run_condition_holds() const {
  if (!run_condition_) {
    return true;
  }
  detail::ConditionInputs inputs{{}, "a stage condition reads configuration only"};
  return detail::bind_condition(*run_condition_, "stage '" + name_ + "'", Config(), inputs)
      .holds(nullptr);
}

Stage& Stage::retry(RetryPolicy policy) {
  failure_.set_retry(std::nullopt, std::move(policy));
  return *this;
}

Stage& Stage::retry(FactoryPhase phase, RetryPolicy policy) {
  failure_.set_retry(phase, std::move(policy));
  return *this;
}

Stage& Stage::timeout(std::chrono::nanoseconds limit) {
  failure_.set_timeout(std::nullopt, limit);
  return *this;
}

Stage& Stage::timeout(FactoryPhase phase, std::chrono::nanoseconds limit) {
  failure_.set_timeout(phase, limit);
  return *this;
}

Stage& Stage::set_writable(bool writable) noexcept {
  writable_ = writable;
  return *this;
}

Stage& Stage::set_name(std::string name) {
  name_ = std::move(name);
  return *this;
}

FactoryBase& Stage::factory(size_t index) const {
  if (index >= factories_.size()) {
    throw StateError("stage '" + name_ + "' has " + std::to_string(factories_.size()) +
                     " factories; index " + std::to_string(index) + " is out of range");
  }
  return *factories_[index];
}

void Stage::add_owned(std::unique_ptr<FactoryBase> factory) {
  if (!factory) {
    throw StateError("stage '" + name_ + "': cannot add a null factory");
  }
  factory->name();  // fixes the default name now, before threads read it
  factories_.push_back(std::move(factory));
}

void Stage::run() {
  std::string stage_name = name_.empty() ? std::string("stage") : name_;
  std::vector<FactoryBenchmark> timings(factories_.size());
  timings_.clear();
  cancelled_.clear();
  if (!run_condition_holds()) {
    return;  // the whole stage is skipped
  }
  std::mutex cancelled_mutex;
  // A copy: members run on other threads, and the reference is to this thread's context.
  // NOLINTNEXTLINE(performance-unnecessary-copy-initialization)
  const MemoryContext memory = current_memory_context();
  detail::run_stage_members(
      stage_name, parallel_, max_threads_, factories_.size(),
      [&](size_t index) { return factories_[index]->name(); },
      [&](size_t index) {
        FactoryBase& factory = *factories_[index];
        try {
          timings[index] =
              detail::FactoryRunner::run(factory, {.stage_name = stage_name,
                                                   .stage_writable = writable_,
                                                   .scope = stage_name + "/" + factory.name(),
                                                   .memory = memory,
                                                   .stage_policies = &failure_});
        } catch (const CancelledError&) {
          std::lock_guard lock(cancelled_mutex);
          cancelled_.push_back(factory.name());
          throw;
        }
      });
  timings_ = std::move(timings);
}

}  // namespace setl::workflow
