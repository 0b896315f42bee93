// What one pipeline run did, as a value: each factory's outcome (ran, served from the
// cache, not needed, failed, cancelled), its cache decision and timings, the outputs, the
// wall time, the critical path through the DAG, and the memory the outputs hold.
//
//   RunResult result = pipeline.run();
//   for (const FactoryOutcome& f : result.factories()) ...
//   double revenue = result.output<double>("RevenueFactory");
//   std::cout << result.summary();
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "setl/core/circuit_breaker.h"
#include "setl/core/connection_pool.h"
#include "setl/core/error.h"
#include "setl/core/type_name.h"
#include "setl/workflow/benchmark.h"
#include "setl/workflow/deliverable.h"
#include "setl/workflow/experiment.h"
#include "setl/workflow/result_cache.h"
#include "setl/workflow/retry.h"
#include "setl/workflow/switch.h"

namespace setl::workflow {
namespace detail {
class PipelineRun;
}

struct FactoryOutcome {
  /// kResumed: a resume (Pipeline::resume) did not run it again: it succeeded in an
  /// earlier run (skip_reason names it) and nothing that ran read its output.
  enum class Status { kRan, kCached, kNotNeeded, kFailed, kCancelled, kNotRun, kSkipped, kResumed };
  std::string factory;
  Status status = Status::kNotRun;
  /// The library component the factory was instantiated from (name@version#hash), if any.
  std::string component;
  /// The result-cache decision (off, uncacheable, hit, miss, skipped) and its reason.
  CacheDecision cache;
  /// read/process/write/total for factories that ran.
  FactoryBenchmark timing;
  /// When it started and finished, from the start of the run (zero if it did not run).
  Duration started{0};
  Duration finished{0};
  /// Size of its output in memory (Table::memory_size() for tables).
  int64_t output_bytes = 0;
  /// For kFailed and kCancelled: the message.
  std::string error;
  /// Every try of each phase that ran, in order: a phase that succeeded at once has one;
  /// retried ones have their failures (category, message, causes, the wait that followed).
  std::vector<Attempt> attempts;
  /// For kSkipped: why, as a chain ("upstream 'Load' skipped: condition `orders has rows`
  /// was false").
  std::string skip_reason;
  /// Its output was dropped after its last consumer finished (release_intermediates).
  bool released = false;
  /// An experiment's candidate that failed: the failure is recorded, the run goes on.
  bool failure_tolerated = false;
  /// Its run-time condition, when the run evaluated one: the answer (or what the failure
  /// policy chose), how long it took, and what it threw when the policy let the run go on.
  struct ConditionRecord {
    bool evaluated = false;
    bool holds = false;
    Duration latency{0};
    std::string error;
  };
  ConditionRecord condition;
};
std::string_view to_string(FactoryOutcome::Status status);

class RunResult {
 public:
  RunResult() = default;
  explicit RunResult(std::string pipeline) : pipeline_(std::move(pipeline)) {}

  const std::string& pipeline() const noexcept { return pipeline_; }
  /// True when every needed factory ran, was served from the cache, or was skipped by a
  /// condition.
  bool ok() const noexcept { return ok_; }
  /// One per factory, in the DAG's run order.
  const std::vector<FactoryOutcome>& factories() const noexcept { return factories_; }
  /// The outcome of one factory. Throws: DeliveryError for an unknown name.
  const FactoryOutcome& factory(std::string_view name) const;

  /// Factories whose process() ran, in the order they started.
  std::vector<std::string> executed() const;
  std::vector<std::string> cancelled() const;
  /// Factories skipped by a run-time condition or a skipped upstream, in run order.
  std::vector<std::string> skipped() const;
  /// Factories a resume did not run again (their earlier results stand).
  std::vector<std::string> resumed() const;

  /// The run's id in the run journal (Pipeline::set_journal); empty without a journal.
  const std::string& run_id() const noexcept { return run_id_; }
  /// For a resume: the run it resumed.
  const std::string& resumed_from() const noexcept { return resumed_from_; }
  /// For a resume: what changed since that run and why factories that succeeded then ran
  /// again; "run R had succeeded: nothing to resume" when nothing had to.
  const std::vector<std::string>& resume_notes() const noexcept { return resume_notes_; }

  /// The process's connection pools (setl/core/connection_pool.h) and circuit breakers
  /// (setl/core/circuit_breaker.h, with their transitions) as the run ended.
  const std::vector<PoolStats>& pools() const noexcept { return pools_; }
  const std::vector<BreakerStats>& breakers() const noexcept { return breakers_; }
  std::vector<CacheDecision> cache_report() const;
  /// Each switch's key and chosen case, in the order the switches were added.
  const std::vector<SwitchOutcome>& switches() const noexcept { return switches_; }
  /// What each experiment did, in the order the experiments were added.
  const std::vector<ExperimentOutcome>& experiments() const noexcept { return experiments_; }
  /// "factory: tier: reason" for outputs that could not be stored in the cache.
  const std::vector<std::string>& cache_store_failures() const noexcept { return store_failures_; }

  Duration wall() const noexcept { return wall_; }
  /// The longest chain of dependent factories (inputs, depends_on, stage barriers),
  /// weighted by how long each took, and its length: the wall time the run would take with
  /// unlimited threads, and what to make faster to make the run faster.
  const std::vector<std::string>& critical_path() const noexcept { return critical_path_; }
  Duration critical_path_time() const noexcept { return critical_path_time_; }
  /// Bytes held by the outputs of this run.
  int64_t output_bytes() const noexcept;
  /// Per-factory and per-stage timings, in the layout of Pipeline::benchmark().
  const BenchmarkReport& benchmark() const noexcept { return benchmark_; }
  /// In a distributed run: each rank's factory figures, by rank (reported after each
  /// factory, so every rank has them); benchmark()'s factories are then these added up
  /// (combine_ranks). Empty otherwise.
  const std::vector<BenchmarkReport>& rank_benchmarks() const noexcept { return rank_benchmarks_; }

  /// The output of a factory of this run (shared with the factory).
  /// Throws: DeliveryError for an unknown name or another type; StateError if it has no
  /// output (not needed, failed).
  template <class T>
  const T& output(std::string_view factory) const {
    const Output& found = find_output(factory, type_info_of<T>());
    return *static_cast<const T*>(found.payload.get());
  }

  /// Factories with their status, cache outcome and time; the wall time and critical path.
  std::string summary() const;

 private:
  friend class detail::PipelineRun;
  struct Output {
    std::shared_ptr<const void> payload;
    const TypeInfo* type = nullptr;
  };
  const Output& find_output(std::string_view factory, const TypeInfo& type) const;
  std::vector<std::string> with_status(FactoryOutcome::Status status) const;

  std::string pipeline_;
  bool ok_ = false;
  std::vector<FactoryOutcome> factories_;
  std::vector<SwitchOutcome> switches_;
  std::vector<ExperimentOutcome> experiments_;
  std::map<std::string, Output, std::less<>> outputs_;
  std::vector<std::string> store_failures_;
  Duration wall_{0};
  std::vector<std::string> critical_path_;
  Duration critical_path_time_{0};
  BenchmarkReport benchmark_;
  std::vector<BenchmarkReport> rank_benchmarks_;
  std::string run_id_;
  std::string resumed_from_;
  std::vector<std::string> resume_notes_;
  std::vector<PoolStats> pools_;
  std::vector<BreakerStats> breakers_;
};

}  // namespace setl::workflow
