// A Stage holds factories that do not depend on each other. It runs them in the order
// they were added, or concurrently when marked parallel; the next stage starts when all of
// them have finished.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <type_traits>
#include <vector>

#include "setl/workflow/benchmark.h"
#include "setl/workflow/factory.h"

namespace setl::workflow {

class Stage {
 public:
  explicit Stage(std::string name = {});
  Stage(Stage&&) noexcept;
  Stage& operator=(Stage&&) noexcept;
  ~Stage();

  /// Adds a factory built from constructor arguments and returns it.
  template <class F, class... Args>
  F& add_factory(Args&&... args) {
    static_assert(std::is_base_of_v<FactoryBase, F>,
                  "add_factory<F>: F must derive from Factory<T>");
    return add(std::make_unique<F>(std::forward<Args>(args)...));
  }
  /// Adds a factory instance and returns it.
  template <class F>
  F& add(std::unique_ptr<F> factory) {
    static_assert(std::is_base_of_v<FactoryBase, F>, "add: F must derive from Factory<T>");
    F& added = *factory;
    add_owned(std::move(factory));
    return added;
  }

  /// Runs factories concurrently, on up to `max_threads` threads (0: one per core).
  Stage& set_parallel(bool parallel = true, size_t max_threads = 0) noexcept;
  bool parallel() const noexcept { return parallel_; }
  size_t max_threads() const noexcept { return max_threads_; }

  /// A run-time condition for the whole stage, checked once when the run reaches the
  /// stage (every earlier stage and upstream finished): false skips every factory of it
  /// as FactoryBase::run_if does one, with the reason "stage 'name': condition `...` was
  /// false". `predicate` typically reads the configuration. An exception from it fails
  /// the run, naming the stage.
  Stage& run_if(std::string description, std::function<bool()> predicate);
  /// The condition as expression text over the configuration (see
  /// setl/workflow/condition.h): `run_if("env = 'prod'")`; decided before the run, so what
  /// only this stage needed does not run when it is false.
  Stage& run_if(std::string expression);
  Stage& run_if(const engine::Expr& expression);
  bool has_run_condition() const noexcept { return run_condition_ != nullptr; }
  const std::string& run_condition() const noexcept;
  /// True if the stage's condition holds (or it has none). Outside a pipeline an
  /// expression condition sees an empty configuration.
  bool run_condition_holds() const;

  /// Retries and timeouts for the stage's factories (retry.h); a factory's own override
  /// them, and they override the pipeline's. Throws: ConfigError for an invalid policy.
  Stage& retry(RetryPolicy policy);
  Stage& retry(FactoryPhase phase, RetryPolicy policy);
  Stage& timeout(std::chrono::nanoseconds limit);
  Stage& timeout(FactoryPhase phase, std::chrono::nanoseconds limit);
  const FailurePolicies& failure_policies() const noexcept { return failure_; }

  /// When false, no factory of this stage writes.
  Stage& set_writable(bool writable) noexcept;
  bool writable() const noexcept { return writable_; }

  /// The stage's name; "stage-<index>" when it was added to a pipeline without one.
  const std::string& name() const noexcept { return name_; }
  Stage& set_name(std::string name);

  size_t size() const noexcept { return factories_.size(); }
  bool empty() const noexcept { return factories_.empty(); }
  FactoryBase& factory(size_t index) const;
  const std::vector<std::unique_ptr<FactoryBase>>& factories() const noexcept { return factories_; }

  /// Runs the factories with the inputs they already hold (a pipeline delivers them
  /// first); nothing when the stage's condition is false. Throws what the first failing
  /// factory threw, with its name added.
  void run();
  /// Timings of the latest run(), one per factory that ran, in order.
  const std::vector<FactoryBenchmark>& timings() const noexcept { return timings_; }
  /// Factories of the latest run() that stopped with CancelledError.
  const std::vector<std::string>& cancelled_factories() const noexcept { return cancelled_; }

 private:
  friend class Pipeline;
  friend class detail::FactoryRunner;
  friend class detail::Composer;
  void add_owned(std::unique_ptr<FactoryBase> factory);

  std::string name_;
  bool parallel_ = false;
  size_t max_threads_ = 0;
  bool writable_ = true;
  FailurePolicies failure_;
  std::shared_ptr<const detail::ConditionSpec> run_condition_;
  std::vector<std::unique_ptr<FactoryBase>> factories_;
  std::vector<FactoryBenchmark> timings_;
  std::vector<std::string> cancelled_;
  // How its condition's configuration keys are scoped (see composition.h).
  std::vector<detail::ConfigLevel> config_levels_;
};

}  // namespace setl::workflow
