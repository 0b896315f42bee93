// The executing half of a pipeline run: stages and unstaged factories become units of a
// dependency graph that core's run_dag schedules on bounded worker threads (a stage is one
// unit: a barrier, its members sequential or parallel; an unstaged factory runs as soon as
// its producers are done). Each factory is restored from the cache, re-decided if
// something upstream ran, or run and stored; the outcomes make the RunResult.
#pragma once

#include <atomic>
#include <chrono>
#include <exception>
#include <functional>
#include <memory>
#include <mutex>
#include <vector>

#include "cache_budget.h"
#include "experiment_run.h"
#include "journal_writer.h"
#include "phase_runner.h"
#include "pipeline_conditions.h"
#include "rank_reports.h"
#include "run_planner.h"
#include "setl/core/job_group.h"
#include "setl/core/memory_context.h"
#include "setl/workflow/inspector.h"
#include "setl/workflow/pipeline.h"
#include "setl/workflow/tiered_cache.h"

namespace setl::workflow::detail {

class PipelineRun {
 public:
  explicit PipelineRun(Pipeline& pipeline);

  /// Runs what the options need; `resuming` (a journaled run) leaves out what succeeded
  /// in it (RunPlanner::resume). The result is complete also when this throws.
  void run(const Pipeline::RunOptions& options, RunResult& result,
           const JournaledRun* resuming = nullptr);
  /// What run() would do now, loading nothing.
  std::vector<CacheDecision> explain(const Pipeline::RunOptions& options);

 private:
  using Clock = std::chrono::steady_clock;
  struct Unit {
    std::optional<size_t> stage;
    std::vector<size_t> members;
  };
  std::vector<Unit> make_units(std::vector<std::vector<size_t>>& predecessors) const;
  void run_unit(const Unit& unit);
  // Runs member `m` between its journal records.
  void run_member(size_t m, const std::string& scope, bool stage_writable);
  // A distributed run's single-rank factories can send their outputs. Throws: ConfigError.
  void check_transfers() const;
  // Rank 0 sends a single-rank factory's output; the other ranks take it as theirs.
  void share_from_rank_zero(FactoryBase& factory, FactoryOutcome& outcome);
  // In a distributed run, after member m: every rank's events since the last report go to
  // rank 0's sinks and every rank's figures for m to every rank (the barrier between
  // factories: what rank 0 wrote is there before any rank's next factory reads it).
  void share_rank_reports(size_t m);
  // In a distributed run: ends the run on every rank, naming this rank and the factory.
  void end_distributed_run(const FactoryBase& factory, const char* what,
                           const std::exception& error);
  void execute_member(size_t m, const std::string& scope, bool stage_writable);
  void decide_cache(size_t m);
  bool run_factory(size_t m, const std::string& scope, bool stage_writable, bool delivered);
  // The run journal (pipeline_journal.cc): identities for the plan, the resume decisions,
  // the run's header and plan lines; then each member's final state, and the end.
  void plan_journal(const Pipeline::RunOptions& options, const JournaledRun* resuming);
  void journal_outcome(size_t m);
  void journal_end(RunResult& result);
  // With `sources_only`, factory outputs and auto-loads stay empty (a restored factory).
  // Inputs from skipped factories stay empty.
  void deliver_inputs(size_t m, bool sources_only);
  // Why member `m` is skipped: a required input from a skipped factory, or its own
  // condition false (evaluated on its delivered inputs: `delivered` says so); nullopt when
  // it goes ahead.
  // A cascaded skip's reason names the skipped input and, when that one was itself
  // skipped for an upstream, the root cause: messages stay short down long chains.
  struct SkipCause {
    std::string reason;
    size_t root = 0;  // the member whose own (or stage's) condition was false
  };
  std::optional<SkipCause> skip_reason(size_t m, bool& delivered);
  // Keep-going: the failed member that member `m` depends on (not through an optional
  // input), if any.
  std::optional<size_t> failed_upstream(size_t m) const;
  // Keep-going: records member `m`'s failure instead of stopping the run.
  void keep_going_after(size_t m, std::exception_ptr failure);
  std::optional<SkipCause> case_not_chosen(size_t m, const CaseOf& which);
  // The member producing `input` if it was skipped.
  std::optional<size_t> skipped_producer(const DagInput& input) const;
  // "'X' skipped: <reason>", with the root cause when X was skipped for an upstream.
  std::string skipped_because(size_t producer) const;
  std::optional<SkipCause> alternatives_skipped(const DagNode& node, size_t first) const;
  void skip(size_t m, const SkipCause& cause);
  // The stage's condition; when it throws, the members fail and the error names the stage.
  bool stage_condition_holds(size_t stage, const std::vector<size_t>& members);
  void restore(size_t m, const std::shared_ptr<const void>& payload, bool stage_writable);
  void store(size_t m);
  // release_intermediates: how many members still read each output, and which to keep.
  void count_consumers(const Pipeline::RunOptions& options);
  void release_inputs(size_t m);
  void finish(RunResult& result, Clock::duration wall);
  void compute_critical_path(RunResult& result) const;
  struct ActiveRun {
    static std::atomic<int> count;
    bool first = false;
    bool resettable = false;
    ActiveRun();
    ~ActiveRun();
    ActiveRun(const ActiveRun&) = delete;
    ActiveRun& operator=(const ActiveRun&) = delete;
  };
  void report_memory(RunResult& result, const JobGroup& group, const ActiveRun& active);
  // memory.pause / memory.target admission for the scheduler; empty when not configured.
  std::function<bool()> admission();

  Pipeline& pipeline_;
  MemoryContext memory_;      // the run's budget and spill settings, for every factory
  CacheBudget cache_budget_;  // the memory tier's bytes inside that budget
  Inspector inspector_;
  std::vector<Source> sources_;
  TieredCache cache_;
  PipelineConditions conditions_;
  ExperimentRuns experiments_;
  RunPlanner planner_;
  SourceVersions versions_;
  std::vector<PlannedFactory> plan_;
  std::vector<FactoryOutcome> outcomes_;
  std::vector<char> executed_;     // written by a member's own thread before its successors run
  std::vector<char> skipped_;      // likewise
  std::vector<size_t> skip_root_;  // for a skipped member, whose condition caused it
  // Keep-going: a member that failed, or was skipped because one upstream did, and the
  // member whose failure it was (written like skipped_).
  std::vector<char> blocked_;
  std::vector<size_t> failure_root_;
  // (member, what it threw), in the order they happened; under mutex_
  std::vector<std::pair<size_t, std::exception_ptr>> failures_;
  Clock::time_point start_;
  std::mutex mutex_;  // guards store_failures_, failures_, unread_ and first_failed_
  std::string first_failed_;
  std::vector<int64_t> unread_;
  std::vector<char> keep_;
  std::vector<std::string> store_failures_;
  FailureBudgetCounter budget_;             // the run's failure budget, spent by every factory
  std::unique_ptr<JournalWriter> journal_;  // null without Pipeline::set_journal
  std::string run_id_;
  std::string resumed_from_;
  std::vector<std::string> resume_notes_;
  JobGroup* group_ = nullptr;  // the run's group, while run() runs
  // A distributed run's events not yet reported, and every rank's factory figures.
  std::shared_ptr<RankEventCollector> rank_events_;
  std::vector<BenchmarkReport> rank_benchmarks_;
  bool paused_ = false;  // admission state; only touched under the scheduler's lock
  int64_t pauses_ = 0;
};

}  // namespace setl::workflow::detail
