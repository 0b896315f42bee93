// A Pipeline runs Stages in order and routes each factory's output to the factories that
// declared it as an input (SETL's Pipeline). Factories are added per stage; external
// values enter through set_input.
//
//   Pipeline pipeline;
//   pipeline.set_input<double>(1.08, {.id = "eur_usd"});
//   pipeline.add_factory<OrdersFactory>();            // stage 0
//   pipeline.add_factory<RevenueFactory>();           // stage 1
//   pipeline.run();
//   double revenue = pipeline.get_output<double>("RevenueFactory");
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "setl/workflow/benchmark.h"
#include "setl/workflow/dag.h"
#include "setl/workflow/deliverable.h"
#include "setl/workflow/disk_cache.h"
#include "setl/workflow/factory.h"
#include "setl/workflow/stage.h"

namespace setl::workflow {

class Setl;

struct InputOptions {
  /// Delivery id; only Deliveries declaring the same id receive the value.
  std::string id;
  /// Factory names allowed to receive the value; empty means any.
  std::vector<std::string> consumers;
  /// A version of the value (a file's mtime, a content hash, a date) for the result cache;
  /// empty: its consumers are never served from the cache.
  std::string fingerprint;
};

class Pipeline {
 public:
  explicit Pipeline(std::string name = "pipeline");
  /// A pipeline whose factories can reach `context` (see FactoryBase::context()).
  Pipeline(std::string name, const Setl& context);
  Pipeline(Pipeline&&) noexcept;
  Pipeline& operator=(Pipeline&&) noexcept;
  ~Pipeline();

  const std::string& name() const noexcept { return name_; }

  /// Appends an empty stage and returns it.
  Stage& add_stage();
  /// Appends a stage and returns it; an unnamed stage is named "stage-<index>".
  Stage& add_stage(Stage stage);
  /// Adds a factory in a new stage of its own and returns it.
  template <class F, class... Args>
  F& add_factory(Args&&... args) {
    return add_stage().add_factory<F>(std::forward<Args>(args)...);
  }

  /// Offers a value from outside to the factories. A value with the same type, id and
  /// consumers as an earlier one replaces it.
  template <class T>
  Pipeline& set_input(T value, InputOptions options = {}) {
    return add_input(
        Deliverable::of<T>(std::move(value), {.producer = std::string(kExternalProducer),
                                              .id = std::move(options.id),
                                              .consumers = std::move(options.consumers),
                                              .fingerprint = std::move(options.fingerprint)}));
  }
  const std::vector<Deliverable>& inputs() const noexcept { return inputs_; }

  /// Measure read/process/write times in the next runs (off by default).
  Pipeline& set_benchmark(bool on = true) noexcept;
  bool benchmark_enabled() const noexcept { return benchmark_; }
  /// Timings of the latest run. Throws: StateError if benchmarking was off or the
  /// pipeline has not run.
  const BenchmarkReport& benchmark() const;

  /// Validates the DAG (all problems at once), then runs the stages in order. The run is a
  /// job group (kind "pipeline", tagged with tags()), each stage a child group and each
  /// factory run a grandchild: see setl/core/job_group.h to observe or cancel them.
  /// Throws: DeliveryError for an invalid DAG; what a failing factory threw, with context
  /// (CancelledError lists the cancelled factories).
  void run();

  struct RunOptions {
    /// Factories whose outputs are wanted; only they and their ancestors run. Empty:
    /// every factory.
    std::vector<std::string> targets;
  };
  /// Runs only what the targets need. Throws: DeliveryError for an unknown target (with
  /// the closest name), and what run() throws.
  void run(const RunOptions& options);
  /// Serves factories whose cache policy is on from `cache` (shareable between pipelines).
  Pipeline& set_cache(std::shared_ptr<ResultCache> cache);
  const std::shared_ptr<ResultCache>& cache() const noexcept { return cache_; }
  /// The policy of factories that set none (off by default).
  Pipeline& set_default_cache_policy(CachePolicy policy) noexcept;
  /// The disk tier for factories whose policy includes disk.
  Pipeline& set_disk_cache(std::shared_ptr<DiskCache> cache);
  const std::shared_ptr<DiskCache>& disk_cache() const noexcept { return disk_cache_; }
  /// Per factory of the latest run: off, uncacheable, hit, miss (with what changed) or
  /// skipped (not needed by the targets), in DAG order.
  const std::vector<CacheDecision>& cache_report() const noexcept { return cache_report_; }

  /// What run(options) would do now, without running or loading anything: each factory's
  /// outcome and, for misses, what changed (`setl explain-cache` for the main job).
  std::vector<CacheDecision> explain_cache(const RunOptions& options = {});

  /// Names of the factories the latest run executed, in run order.
  const std::vector<std::string>& executed_factories() const noexcept { return executed_; }

  /// Tags of the run's job group (cancel_job_groups_by_tag() stops the whole run).
  Pipeline& set_tags(std::vector<std::string> tags);
  const std::vector<std::string>& tags() const noexcept { return tags_; }
  /// Factories of the latest run() that stopped with CancelledError.
  const std::vector<std::string>& cancelled_factories() const noexcept { return cancelled_; }
  /// "factory: reason" for each output the last run could not store in the disk cache
  /// (the run itself succeeded; the next one recomputes them).
  const std::vector<std::string>& cache_store_failures() const noexcept {
    return cache_store_failures_;
  }

  /// The output of a factory of this pipeline.
  /// Throws: DeliveryError if the factory produces another type or is not in this
  /// pipeline; StateError if it has not run.
  template <class T>
  const T& get_output(const FactoryBase& factory) const {
    return output_as<T>(check_member(factory));
  }
  /// The output of the factory with this name.
  template <class T>
  const T& get_output(std::string_view factory_name) const {
    return output_as<T>(find_factory(factory_name));
  }
  /// The output of the only factory producing a T. Throws: DeliveryError if none or several.
  template <class T>
  const T& get_output() const {
    return output_as<T>(find_producer_of(type_info_of<T>()));
  }
  /// The output of the last factory of the last stage.
  template <class T>
  const T& last_output() const {
    return output_as<T>(last_factory());
  }

  const std::vector<std::unique_ptr<Stage>>& stages() const noexcept { return stages_; }
  const Setl* context() const noexcept { return context_; }

  /// The DAG as the Inspector builds it (without running anything).
  Dag dag() const;
  /// Stages, factories with their types and inputs, flows, and any problem found.
  std::string describe() const;

 private:
  void run_impl(const RunOptions& options, bool dry_run);
  Pipeline& add_input(Deliverable input);
  const FactoryBase& check_member(const FactoryBase& factory) const;
  const FactoryBase& find_factory(std::string_view name) const;
  const FactoryBase& find_producer_of(const TypeInfo& type) const;
  const FactoryBase& last_factory() const;
  [[noreturn]] static void throw_wrong_output_type(const FactoryBase& factory,
                                                   const TypeInfo& requested);

  template <class T>
  static const T& output_as(const FactoryBase& factory) {
    const auto* typed = dynamic_cast<const Factory<T>*>(&factory);
    if (typed == nullptr) {
      throw_wrong_output_type(factory, type_info_of<T>());
    }
    return typed->get();
  }

  std::string name_;
  const Setl* context_ = nullptr;
  std::vector<std::unique_ptr<Stage>> stages_;
  std::vector<Deliverable> inputs_;
  bool benchmark_ = false;
  std::optional<BenchmarkReport> report_;
  std::vector<std::string> tags_;
  std::vector<std::string> cancelled_;
  std::vector<std::string> executed_;
  std::shared_ptr<ResultCache> cache_;
  std::shared_ptr<DiskCache> disk_cache_;
  CachePolicy default_cache_policy_;
  std::vector<CacheDecision> cache_report_;
  std::vector<std::string> cache_store_failures_;
  // Marks the source of a move, so that running it says so instead of failing obscurely.
  struct MoveSentinel {
    bool moved = false;
    MoveSentinel() = default;
    MoveSentinel(MoveSentinel&& other) noexcept : moved(other.moved) { other.moved = true; }
    MoveSentinel& operator=(MoveSentinel&& other) noexcept {
      moved = other.moved;
      other.moved = true;
      return *this;
    }
  } moved_from_;
};

}  // namespace setl::workflow
