// Runs one factory's lifecycle (read, process, write) for Stage and Pipeline: timing,
// log scope, and error context naming the factory and the phase that failed.
#pragma once

#include <cstddef>
#include <functional>
#include <string>

#include "phase_runner.h"
#include "setl/core/memory_context.h"
#include "setl/engine/distributed.h"
#include "setl/workflow/benchmark.h"
#include "setl/workflow/factory.h"
#include "setl/workflow/retry.h"
#include "setl/workflow/stage.h"
#include "setl/workflow/switch.h"

namespace setl::workflow::detail {

/// How one factory runs: where (stage, log scope, memory) and under which failure
/// policies besides its own.
struct FactoryRunOptions {
  std::string stage_name;
  /// The factory's job group's description: what the result cache decided and why
  /// ("cache miss: first run"), which a dashboard shows next to the run.
  std::string description = "factory run";
  bool stage_writable = true;
  bool measure = true;
  std::string scope;
  MemoryContext memory;
  /// The stage's policies, then the pipeline's (either may be null).
  const FailurePolicies* stage_policies = nullptr;
  const FailurePolicies* pipeline_policies = nullptr;
  const RetryEnvironment* environment = nullptr;  ///< null: the real clock and sleeper
  std::vector<Attempt>* attempts = nullptr;       ///< receives every attempt of every phase
  FailureBudgetCounter* budget = nullptr;         ///< the run's, shared; null: none
  /// A distributed run's context: the factory's queries run on every rank...
  const engine::DistributedContext* distributed = nullptr;
  /// ...unless it runs on one rank alone (FactoryBase::single_rank): its queries stay there.
  bool local_queries = false;
};

class FactoryRunner {
 public:
  /// Runs the factory's phases under `options.memory` (its owner and counters set to this
  /// factory's), each under its retry policy and timeout, and reports its timings and
  /// memory (peak tracked bytes, spilled bytes, rows).
  static FactoryBenchmark run(FactoryBase& factory, const FactoryRunOptions& options);
  static void set_context(FactoryBase& factory, const Setl* context) { factory.context_ = context; }
  static void reset_output(FactoryBase& factory) noexcept { factory.reset_output(); }
  static std::shared_ptr<const void> payload(const FactoryBase& factory) noexcept {
    return factory.output_payload();
  }
  static void restore(FactoryBase& factory, std::shared_ptr<const void> payload) noexcept {
    factory.restore_output(std::move(payload));
  }
  static int64_t bytes(const FactoryBase& factory) noexcept { return factory.output_bytes(); }
  static int64_t bytes_of(const FactoryBase& factory,
                          const std::shared_ptr<const void>& payload) noexcept {
    return factory.payload_bytes(payload);
  }
  static void write(FactoryBase& factory) { factory.write(); }
  /// The conditions as written (null without one).
  /// What the cache key takes as the factory's parameters: cache_parameters(), the named
  /// parameters, and the class of a factory that took over another's name (replace).
  static std::string key_parameters(const FactoryBase& factory);
  static const ConditionSpec* run_condition(const FactoryBase& factory) noexcept {
    return factory.run_condition_.get();
  }
  static const ConditionSpec* variant_condition(const FactoryBase& factory) noexcept {
    return factory.variant_condition_.get();
  }
  static const ConditionSpec* run_condition(const Stage& stage) noexcept {
    return stage.run_condition_.get();
  }
  static const ConditionSpec& key(const Switch& each) noexcept { return *each.key_; }
  static void mark_context_use(FactoryBase& factory) noexcept {
    factory.used_context_resources_.store(true, std::memory_order_relaxed);
  }
  static bool used_context_resources(const FactoryBase& factory) noexcept {
    return factory.used_context_resources_.load(std::memory_order_relaxed);
  }
};

/// Runs the `count` members of a stage (on up to `max_threads` threads when `parallel`) in
/// the stage's job group: the first member that fails (other than by cancellation) cancels
/// the group, so its siblings stop before they write. `name(k)` names member k in that
/// message. Throws what run_parallel throws.
void run_stage_members(const std::string& stage_name, bool parallel, size_t max_threads,
                       size_t count, const std::function<std::string(size_t)>& name,
                       const std::function<void(size_t)>& run_member);

/// Called by Setl when a resource is looked up: marks the factory running on this thread
/// (if any) as reading something its deliveries do not show.
void note_context_resource_access() noexcept;

}  // namespace setl::workflow::detail
