// A Pipeline runs factories as a DAG and routes each factory's output to the factories
// that declared it as an input (SETL's Pipeline). Factories go into stages (SETL's
// addStage: a stage is a group and a barrier) or, with add(), into no stage at all: then
// each runs as soon as what it needs is ready, independent ones concurrently. External
// values enter through set_input; sources of the Setl context are offered automatically.
//
//   Pipeline pipeline;
//   pipeline.set_input<double>(1.08, {.id = "eur_usd"});
//   pipeline.add<OrdersFactory>();                    // unstaged: ordered by the DAG
//   pipeline.add<RevenueFactory>();
//   RunResult result = pipeline.run();
//   double revenue = result.output<double>("RevenueFactory");
#pragma once

#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <typeinfo>
#include <vector>

#include "setl/core/trace.h"
#include "setl/engine/distributed.h"
#include "setl/workflow/benchmark.h"
#include "setl/workflow/codecs.h"
#include "setl/workflow/dag.h"
#include "setl/workflow/deliverable.h"
#include "setl/workflow/disk_cache.h"
#include "setl/workflow/experiment.h"
#include "setl/workflow/factory.h"
#include "setl/workflow/function_factory.h"
#include "setl/workflow/run_journal.h"
#include "setl/workflow/run_result.h"
#include "setl/workflow/source.h"
#include "setl/workflow/stage.h"
#include "setl/workflow/switch.h"

namespace setl::workflow {

class Setl;
struct SplitOptions;
struct ComposeOptions;
struct PipelineInterface;
namespace detail {
class PipelineRun;
class Composer;
}  // namespace detail

struct InputOptions {
  /// Delivery id; only Deliveries declaring the same id receive the value.
  std::string id;
  /// Factory names allowed to receive the value; empty means any.
  std::vector<std::string> consumers;
  /// A version of the value (a file's mtime, a content hash, a date) for the result cache;
  /// empty: its consumers are never served from the cache.
  std::string fingerprint;
};

/// Memory and thread settings of a run (the `memory:` configuration section and
/// `engine.threads`; see README "Large inputs in bounded memory").
struct MemoryOptions {
  /// The run-wide budget in bytes shared by every factory's queries; 0: unlimited.
  int64_t limit = 0;
  /// Where spill files go; empty: ".setl-spill" in the working directory.
  std::filesystem::path spill_dir;
  /// Bytes one query may have in spill files; 0: no cap.
  int64_t max_spill_bytes = 0;
  /// The size streams cut batches to.
  int64_t batch_bytes = int64_t{8} << 20;
  /// Batches a query has in flight (memory.batches_in_flight); 0: twice the engine's
  /// threads. Batches waiting for a worker are reserved from the budget too.
  int64_t max_batches_in_flight = 0;
  /// Engine threads each query of the run uses (`engine.threads`); 0: the process default
  /// (engine::set_num_threads, initially every core). Two runs in one process can differ.
  int threads = 0;
  /// Per-factory caps by factory name (memory.max_memory.<name>); they override
  /// FactoryBase::set_max_memory.
  std::map<std::string, int64_t> max_memory;
  /// Admission thresholds as fractions of `limit` (memory.pause, memory.target): while
  /// more than `pause` is reserved, no new factory or stage starts (unless nothing else
  /// runs) until usage falls below `target`. 0: no pausing.
  double pause = 0;
  double target = 0;
  /// Drops a factory's output as soon as the last factory that reads it has finished
  /// (memory.release_intermediates), so that a chain A → B → C holds at most two
  /// results at once. Kept: the run's targets (or, without targets, outputs nobody in
  /// the pipeline reads) and entries of the result cache. A released output is not in
  /// the RunResult.
  bool release_intermediates = false;
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
  /// Adds a factory in a new stage of its own and returns it (SETL's addStage(factory)).
  template <class F, class... Args>
  F& add_factory(Args&&... args) {
    return add_stage().add_factory<F>(std::forward<Args>(args)...);
  }
  /// Adds a factory in no stage: it runs as soon as its inputs and depends_on factories
  /// are ready, concurrently with others that are (up to set_max_concurrency()).
  template <class F, class... Args>
  F& add(Args&&... args) {
    static_assert(std::is_base_of_v<FactoryBase, F>, "add<F>: F must derive from Factory<T>");
    return add(std::make_unique<F>(std::forward<Args>(args)...));
  }
  template <class F>
  F& add(std::unique_ptr<F> factory) {
    static_assert(std::is_base_of_v<FactoryBase, F>, "add: F must derive from Factory<T>");
    F& added = *factory;
    add_unstaged(std::move(factory));
    return added;
  }
  /// Adds a function or lambda as an unstaged factory named `name`: its parameters are its
  /// deliveries (`const T&` required, `const T*` optional), its return value the output.
  /// `inputs` narrows them by producer or id, one DeliveryOptions per parameter.
  template <class Fn>
  auto& add_function(std::string name, Fn function, std::vector<DeliveryOptions> inputs = {}) {
    auto& factory =
        add(std::make_unique<FunctionFactory<Fn>>(std::move(function), std::move(inputs)));
    factory.set_name(std::move(name));
    return factory;
  }

  /// Adds a switch whose key is an expression over the configuration
  /// ("config('load.mode')"), decided when the pipeline is planned. See switch.h.
  Switch& add_switch(std::string name, std::string key_expression);
  /// Adds a switch whose key a C++ function computes, once per run, when the run first
  /// reaches one of its cases (make the cases depends_on what it reads).
  Switch& add_switch(std::string name, std::string description, std::function<std::string()> key);
  const std::vector<std::unique_ptr<Switch>>& switches() const noexcept { return switches_; }

  /// Adds an experiment: a control factory whose output consumers receive and a candidate
  /// run after it on the same inputs, compared and reported. See experiment.h.
  template <class T>
  Experiment<T>& add_experiment(std::string name) {
    auto experiment = std::make_unique<Experiment<T>>(std::move(name));
    Experiment<T>& added = *experiment;
    experiments_.push_back(std::move(experiment));
    return added;
  }
  const std::vector<std::unique_ptr<ExperimentBase>>& experiments() const noexcept {
    return experiments_;
  }

  /// Adds a split of a Table by a stable hash of a key column (see split.h): factory
  /// `name`, one factory "<name>.<variant>" per variant delivering its rows under that
  /// delivery id, and "<name>.audit" delivering (key, variant) for every row.
  /// Throws: ConfigError for bad variants or shares.
  void add_split(std::string name, SplitOptions options);

  /// Composition (see setl/workflow/composition.h). Moves `fragment`'s factories, stages,
  /// switches, experiments and inputs into this pipeline under `options.ns`, binds what
  /// the fragment fills itself, and renames as `options` maps. The fragment's own settings
  /// (context, cache, memory, benchmark, trace, tags) do not carry over: this pipeline's
  /// apply to everything it runs.
  /// Throws: DeliveryError listing every violation (a mapped name that is not a free
  /// input, an output that is also a free input, a type mismatch, an unknown name, a name
  /// clash), with the valid names; this pipeline is then unchanged.
  Pipeline& include(Pipeline fragment, const ComposeOptions& options);
  Pipeline& include(Pipeline fragment);
  /// The free inputs and the outputs of this pipeline as a fragment.
  PipelineInterface interface() const;
  /// Configuration keys the factories read (through FactoryBase::config_key), so that a
  /// composition may map them (ComposeOptions::params).
  Pipeline& declare_config(std::vector<std::string> keys);
  /// Keys declared, and those read by the conditions, as written inside the fragment.
  std::vector<std::string> config_keys() const;
  /// What composition did, outermost first: "eu: inputs raw -> eu_raw; strict".
  const std::vector<std::string>& compositions() const noexcept { return compositions_; }

  /// Extension: replaces the factory of class Old (or the one named `name`) by
  /// `replacement`, which takes over its name, namespace, delivery id and consumers; its
  /// own inputs are looked up from Old's namespace. The output types must be equal.
  /// Throws: DeliveryError if no factory or several match.
  template <class Old, class New>
  New& replace(std::unique_ptr<New> replacement, std::string_view name = {}) {
    static_assert(std::is_same_v<typename Old::Output, typename New::Output>,
                  "replace<Old>(new): the replacement must produce Old's output type");
    New& added = *replacement;
    replace_member(typeid(Old), name, std::move(replacement));
    return added;
  }
  /// Removes a factory. Throws: DeliveryError if a factory still reads its output or
  /// depends_on it (they are listed), or if there is none of that name.
  Pipeline& remove(std::string_view factory);
  /// Puts `inserted` between `factory` and the factories reading its output: its input of
  /// that type reads `factory`, they read `inserted`. It joins `factory`'s namespace.
  /// Throws: DeliveryError if the output types differ or `inserted` has no such input.
  template <class F>
  F& insert_after(std::string_view factory, std::unique_ptr<F> inserted) {
    static_assert(std::is_base_of_v<FactoryBase, F>, "insert_after: F must derive from Factory<T>");
    F& added = *inserted;
    insert_member_after(factory, std::move(inserted));
    return added;
  }
  /// Sets parameters of a factory (FactoryBase::set_param): its cache key moves, and so
  /// the keys of what reads it. Throws: DeliveryError for an unknown factory.
  Pipeline& with_params(std::string_view factory, const std::map<std::string, std::string>& params);

  /// Offers a value from outside to the factories.
  /// Throws: DeliveryError if an input with the same type, id and consumers exists.
  template <class T>
  Pipeline& set_input(T value, InputOptions options = {}) {
    return add_input(
        Deliverable::of<T>(std::move(value), {.producer = std::string(kExternalProducer),
                                              .id = std::move(options.id),
                                              .consumers = std::move(options.consumers),
                                              .fingerprint = std::move(options.fingerprint)}));
  }
  /// Sets an external input, replacing one with the same type, id and consumers (to run
  /// again with a new value).
  template <class T>
  Pipeline& replace_input(T value, InputOptions options = {}) {
    remove_input(type_info_of<T>(), options.id, options.consumers);
    return set_input<T>(std::move(value), std::move(options));
  }
  /// Text is offered as a std::string (SETL's `setInput[String]`).
  Pipeline& set_input(const char* text, InputOptions options = {}) {
    return set_input<std::string>(std::string(text), std::move(options));
  }
  const std::vector<Deliverable>& inputs() const noexcept { return inputs_; }

  /// Makes benchmark() available after runs (timings are always in the RunResult).
  Pipeline& set_benchmark(bool on = true) noexcept;
  bool benchmark_enabled() const noexcept { return benchmark_; }
  /// Timings of the latest run. Throws: StateError if benchmarking was off or the
  /// pipeline has not run.
  const BenchmarkReport& benchmark() const;

  /// Records every run's factories, stages, queries and engine operators, thread by
  /// thread, into `trace` (null: off); write it with TraceRecorder::write and open it in
  /// Perfetto or chrome://tracing. See setl/core/trace.h.
  Pipeline& set_trace(std::shared_ptr<TraceRecorder> trace) noexcept;
  const std::shared_ptr<TraceRecorder>& trace() const noexcept { return trace_; }

  /// Runs factories under one run-wide memory budget (`options.limit` bytes, 0: none):
  /// engine operators reserve from it and spill to `options.spill_dir` when refused.
  Pipeline& set_memory(MemoryOptions options);
  const MemoryOptions& memory() const noexcept { return memory_; }

  /// Retries and timeouts for every factory (retry.h); a stage's or a factory's own
  /// override them. Throws: ConfigError for an invalid policy.
  Pipeline& retry(RetryPolicy policy);
  Pipeline& retry(FactoryPhase phase, RetryPolicy policy);
  Pipeline& timeout(std::chrono::nanoseconds limit);
  Pipeline& timeout(FactoryPhase phase, std::chrono::nanoseconds limit);
  const FailurePolicies& failure_policies() const noexcept { return failure_; }
  /// What a factory's failure (after its retries) does to the rest of the run.
  enum class FailureMode {
    kFailFast,  ///< cancel what is running and start nothing more (the default)
    /// Run everything that does not depend on a failed factory; its dependants (through a
    /// required input or depends_on) are skipped with "upstream 'X' failed", an optional
    /// input of it arrives empty. The run then throws the first failure, its message
    /// listing every other one.
    kKeepGoing,
  };
  Pipeline& set_failure_mode(FailureMode mode) noexcept;
  FailureMode failure_mode() const noexcept { return failure_mode_; }
  /// A limit on failed attempts across the whole run (retry.h's FailureBudget): past it,
  /// nothing more is retried and the failure says so. Throws: ConfigError if negative.
  Pipeline& set_failure_budget(FailureBudget budget);
  const FailureBudget& failure_budget() const noexcept { return failure_budget_; }
  /// The clock, sleeper and random seed retries use (tests: a ManualClock and a fixed seed).
  Pipeline& set_retry_environment(RetryEnvironment environment);
  const RetryEnvironment& retry_environment() const noexcept { return retry_environment_; }

  /// Runs the pipeline on every rank of `context.communicator` (SPMD: the same program on
  /// every rank, e.g. under mpirun with setl::dist::MpiRuntime). Factories run one at a
  /// time, in the same order on every rank, so that their queries' exchanges meet; each
  /// factory's LazyFrame queries run distributed under `context`; write() runs on rank 0
  /// (FactoryBase::set_writes_on_every_rank for collective writes); each rank caches its
  /// own results (keys name the rank and the rank count), and a result is restored only if
  /// every rank has it, else every rank runs the factory. After each factory the ranks
  /// exchange a report: rank 0's event sinks get every rank's job events, and
  /// RunResult::rank_benchmarks() every rank's figures. A factory that fails on any rank ends
  /// the run on every rank, with a message naming the rank and the factory
  /// (Communicator::abort); one cancelled on any rank ends the run cancelled on every rank,
  /// without an abort (Communicator::stop_together).
  Pipeline& set_distributed(engine::DistributedContext context);
  /// How a single-rank factory's output (FactoryBase::set_single_rank) reaches the other
  /// ranks: the built-in codecs, and what is added (setl::add_table_codecs(codecs) for
  /// tables, setl/cache_codecs.h). A distributed run with a single-rank factory whose type
  /// has none fails before it starts, naming the factory and the type.
  CodecRegistry& transfer_codecs() noexcept { return *transfer_codecs_; }
  const std::optional<engine::DistributedContext>& distributed() const noexcept {
    return distributed_;
  }

  /// How many factories may run at once (0, the default: one per core). Stages marked
  /// parallel use their own bound for their members.
  Pipeline& set_max_concurrency(size_t factories) noexcept;
  size_t max_concurrency() const noexcept { return max_concurrency_; }

  /// Validates the DAG (all problems at once), then runs every factory once its inputs,
  /// its depends_on factories and its previous stage are done. The run is a job group
  /// (kind "pipeline", tagged with tags()); a stage is a child group, a factory run a
  /// child of its stage or of the run: see setl/core/job_group.h to observe or cancel.
  /// A failure stops what has not started and cancels what is running.
  /// Throws: DeliveryError for an invalid DAG; what a failing factory threw, with context
  /// (CancelledError lists the cancelled factories). last_run() has the outcome then too.
  RunResult run();

  struct RunOptions {
    /// Factories whose outputs are wanted; only they and their ancestors run. "orders.*"
    /// names every factory of namespace orders (nested ones too). Empty: every factory.
    std::vector<std::string> targets;
    /// Whether `target` (a factory name, or "ns.*") names the factory `factory`.
    static bool selects(std::string_view target, std::string_view factory);
  };
  /// Runs only what the targets need. Throws: DeliveryError for an unknown target (with
  /// the closest name), and what run() throws.
  RunResult run(const RunOptions& options);
  /// Journals every run into `directory` (see setl/workflow/run_journal.h): what each
  /// factory did, fsynced as it happens, so that a run that failed or was killed can be
  /// resumed. The run's id is RunResult::run_id(), also in last_run() when it threw. An
  /// empty path turns journaling off (the default).
  Pipeline& set_journal(std::filesystem::path directory);
  const std::filesystem::path& journal() const noexcept { return journal_; }
  /// Resumes a journaled run of this pipeline, with its targets: factories that succeeded
  /// then, are unchanged (their code_version, parameters, inputs and source fingerprints:
  /// their result-cache key parts) and whose output nothing running now reads are not run
  /// again (status kResumed); failed, cancelled, skipped, not started and changed ones run,
  /// and a factory served from the result cache is restored as in any run. What changed is
  /// in RunResult::resume_notes(). The resume is a journaled run of its own: it can be
  /// resumed in turn. Resuming a run that succeeded, with nothing changed, runs nothing.
  /// Throws: StateError without a journal or while that run is still going; ConfigError for
  /// an unknown run or one of another pipeline; IoError for a damaged journal; and what
  /// run() throws.
  RunResult resume(std::string_view run_id);

  /// The result of the latest run, also when it threw. Throws: StateError before any run.
  const RunResult& last_run() const;
  /// Serves factories whose cache policy is on from `cache` (shareable between pipelines).
  Pipeline& set_cache(std::shared_ptr<ResultCache> cache);
  const std::shared_ptr<ResultCache>& cache() const noexcept { return cache_; }
  /// The policy of factories that set none (off by default).
  Pipeline& set_default_cache_policy(CachePolicy policy) noexcept;
  /// The disk tier for factories whose policy includes disk.
  Pipeline& set_disk_cache(std::shared_ptr<DiskCache> cache);
  const std::shared_ptr<DiskCache>& disk_cache() const noexcept { return disk_cache_; }
  /// Per factory of the latest run: off, uncacheable, hit, miss (with what changed) or
  /// skipped (not needed by the targets), in run order. Same as last_run().cache_report().
  std::vector<CacheDecision> cache_report() const;

  /// What run(options) would do now, without running or loading anything: each factory's
  /// outcome and, for misses, what changed (`setl explain-cache` for the main job).
  std::vector<CacheDecision> explain_cache(const RunOptions& options = {});

  /// Names of the factories the latest run executed, in the order they started.
  std::vector<std::string> executed_factories() const;

  /// Tags of the run's job group (cancel_job_groups_by_tag() stops the whole run).
  Pipeline& set_tags(std::vector<std::string> tags);
  const std::vector<std::string>& tags() const noexcept { return tags_; }
  /// Factories of the latest run() that stopped with CancelledError.
  std::vector<std::string> cancelled_factories() const;
  /// "factory: tier: reason" for each output the last run could not store in the cache
  /// (the run itself succeeded; the next one recomputes them).
  std::vector<std::string> cache_store_failures() const;

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
  /// Factories added with add() or add_function(), in the order added.
  const std::vector<std::unique_ptr<FactoryBase>>& unstaged() const noexcept { return unstaged_; }
  struct Member {
    FactoryBase* factory = nullptr;
    std::optional<size_t> stage;
  };
  /// Every factory taking part: stage by stage, then the unstaged ones, the cases of the
  /// switches, and the controls and candidates of the experiments (the DAG's node order).
  /// Build-time variants (FactoryBase::when) whose condition does not hold for the configuration
  /// are left out.
  std::vector<Member> members() const;
  const Setl* context() const noexcept { return context_; }
  /// The sources of the context (none without one), offered to the factories.
  std::vector<Source> sources() const;

  /// The DAG as the Inspector builds it (without running anything).
  Dag dag() const;
  /// Stages, factories with their types and inputs, flows, and any problem found.
  std::string describe() const;
  /// SETL's and PySetl's describe(): "Pipeline Summary", its nodes and its flows.
  std::string summary() const;

 private:
  friend class detail::PipelineRun;
  friend class detail::Composer;
  friend class Inspector;
  void replace_member(const std::type_info& old_type, std::string_view name,
                      std::unique_ptr<FactoryBase> replacement);
  void insert_member_after(std::string_view factory, std::unique_ptr<FactoryBase> inserted);
  /// Every factory added, variants or not.
  std::vector<Member> all_members() const;
  RunResult run_with(const RunOptions& options, const JournaledRun* resuming);
  Pipeline& add_input(Deliverable input);
  void remove_input(const TypeInfo& type, const std::string& id,
                    const std::vector<std::string>& consumers);
  void add_unstaged(std::unique_ptr<FactoryBase> factory);
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
  std::vector<std::unique_ptr<FactoryBase>> unstaged_;
  std::vector<std::unique_ptr<Switch>> switches_;
  std::vector<std::unique_ptr<ExperimentBase>> experiments_;
  std::vector<Deliverable> inputs_;
  bool benchmark_ = false;
  std::shared_ptr<TraceRecorder> trace_;
  size_t max_concurrency_ = 0;
  std::optional<engine::DistributedContext> distributed_;
  std::shared_ptr<CodecRegistry> transfer_codecs_ = builtin_codecs();
  static std::shared_ptr<CodecRegistry> builtin_codecs();
  MemoryOptions memory_;
  FailurePolicies failure_;
  FailureMode failure_mode_ = FailureMode::kFailFast;
  RetryEnvironment retry_environment_;
  FailureBudget failure_budget_;
  std::vector<std::string> tags_;
  std::shared_ptr<ResultCache> cache_;
  std::shared_ptr<DiskCache> disk_cache_;
  CachePolicy default_cache_policy_;
  std::optional<RunResult> last_run_;
  std::filesystem::path journal_;
  std::vector<std::string> declared_config_;
  std::vector<std::string> compositions_;
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
