#include "setl/cli/job_runner.h"

#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <map>
#include <memory>
#include <optional>

#include <CLI/CLI.hpp>

#include "parse_arguments.h"
#include "setl/cache_codecs.h"
#include "setl/core/error.h"
#include "setl/core/job_group.h"
#include "setl/core/memory_budget.h"
#include "setl/core/suggest.h"
#include "setl/core/trace.h"
#include "setl/dist/mpi.h"
#include "setl/monitor/event_sinks.h"
#include "setl/monitor/http_server.h"
#include "setl/monitor/progress.h"
#include "setl/monitor/run_report.h"
#include "setl/workflow/inspector.h"

namespace setl::cli {
namespace {

struct JobArguments {
  std::string config_path;
  std::optional<std::string> environment;  // the configuration profile
  std::optional<std::string> trace_path;
  std::optional<std::string> report_path;
  std::vector<std::string> settings;  // KEY=VALUE
  std::vector<std::string> targets;
  std::optional<std::string> cache_mode;
  std::optional<std::string> cache_dir;
  std::optional<std::string> memory_limit;
  bool explain = false;
  bool dry_run = false;
  std::optional<std::string> monitor_address;
  std::optional<std::string> events_path;
  std::string dag;
  bool summary = false;
  bool benchmark = false;
  std::optional<std::string> journal_dir;
  std::optional<std::string> resume;
  std::map<std::string, std::optional<std::string>> job_flags;  // by flag name
};

void add_arguments(CLI::App& app, const JobOptions& options, JobArguments& args) {
  args.config_path = options.default_config;
  args.dag = options.default_dag;
  CLI::Option* config =
      app.add_option("--config", args.config_path,
                     "configuration: a YAML, JSON or HOCON (.conf) file, or a directory with "
                     "application.conf and <env>.conf")
          ->check(CLI::ExistingPath);
  if (options.default_config.empty() && !options.config_optional) {
    config->required();
  }
  app.add_option("--env", args.environment,
                 "configuration profile, or the <env>.conf of a configuration directory "
                 "(default $SETL_ENV)");
  app.add_option("--report", args.report_path,
                 "write a self-contained HTML report of the run (DAG, timeline, factories, "
                 "memory, errors) to this file, also when the run fails");
  app.add_option("--profile", args.trace_path,
                 "write a Chrome trace of the run (factories, queries, operators per thread) "
                 "to this .json file; open it in Perfetto or chrome://tracing");
  app.add_option("--set", args.settings, "override a configuration value: KEY=VALUE (repeatable)");
  app.add_option("--target", args.targets,
                 "run only this factory and what it needs (repeatable; default: the job's)");
  app.add_option("--cache", args.cache_mode, "result cache: off, memory, disk or memory+disk")
      ->check(CLI::IsMember({"off", "memory", "disk", "memory+disk"}));
  app.add_option("--cache-dir", args.cache_dir,
                 "cache directory (alone: cache in memory and on disk)");
  app.add_flag("--explain", args.explain,
               "print the run order and what the cache would serve and why; run nothing");
  app.add_flag("--dry-run", args.dry_run,
               "plan without running: the DAG, its run order, the inspector's findings and "
               "what the cache would serve");
  app.add_option("--memory-limit", args.memory_limit,
                 "run-wide memory budget: 2GiB, 512MB, 60% (of RAM) or unlimited; operators "
                 "spill past it (memory.limit; default $SETL_MEMORY_LIMIT)");
  app.add_option("--monitor", args.monitor_address,
                 "serve /groups, /events, /metrics on HOST:PORT (loopback) during the run");
  app.add_option("--events", args.events_path, "append every job event to this JSON Lines file");
  app.add_option("--dag", args.dag, "print the DAG after the run")
      ->check(CLI::IsMember({"none", "text", "summary", "mermaid", "class", "dot"}));
  app.add_flag("--summary", args.summary,
               "print each factory's outcome, timings and the critical path");
  app.add_flag("--benchmark", args.benchmark,
               "print each factory's read, process and write times, CPU, memory, rows and bytes "
               "(and each rank's, under mpirun)");
  app.add_option("--journal", args.journal_dir,
                 "run journal directory (run.journal; default .setl-runs; off: none)");
  app.add_option("--resume", args.resume,
                 "resume a journaled run (an id, or last): rerun only what did not succeed")
      ->excludes("--target");
  for (const JobFlag& flag : options.flags) {
    app.add_option(flag.name, args.job_flags[flag.name], flag.help);
  }
}

// --journal, else the configuration's run.journal, else .setl-runs; empty: off.
std::filesystem::path journal_dir(const JobArguments& args, const Config& config) {
  std::string dir = args.journal_dir ? *args.journal_dir
                                     : config.get_or<std::string>("run.journal", ".setl-runs");
  return dir == "off" ? std::filesystem::path() : std::filesystem::path(dir);
}

// Runs, or resumes --resume; the run's id goes to `err` either way, with how to resume
// it when it failed.
void run_or_resume(workflow::Pipeline& pipeline, const workflow::Pipeline::RunOptions& run_options,
                   const JobArguments& args, std::ostream& err, bool& started) {
  struct Announce {
    workflow::Pipeline& pipeline;
    std::ostream& err;
    bool ok = false;
    ~Announce() {
      if (pipeline.journal().empty()) {
        return;
      }
      try {
        const std::string& id = pipeline.last_run().run_id();
        if (!id.empty()) {
          err << "run id: " << id << " (journal " << pipeline.journal().string() << ")"
              << (ok ? "" : "; after fixing the cause, resume it with --resume " + id) << "\n";
        }
      } catch (const Error&) {  // no run happened
      }
    }
  } announce{pipeline, err};
  if (!args.resume) {
    started = true;
    pipeline.run(run_options);
    announce.ok = true;
    return;
  }
  workflow::RunJournal journal(pipeline.journal());
  std::string id = *args.resume;
  if (id == "last") {
    std::optional<std::string> last = journal.latest(pipeline.name());
    if (!last) {
      throw ConfigError("--resume last: no run of '" + pipeline.name() + "' in the journal " +
                        pipeline.journal().string());
    }
    id = *last;
  }
  journal.read(id);  // an unknown id or a damaged journal is invalid input
  started = true;
  pipeline.resume(id);
  announce.ok = true;
}

Config load_config(const JobOptions& options, const JobArguments& args) {
  for (const JobFlag& flag : options.flags) {
    const std::optional<std::string>& value = args.job_flags.at(flag.name);
    if (value && !flag.environment.empty()) {
      ::setenv(flag.environment.c_str(), value->c_str(), 1);
    }
  }
  Config config = args.config_path.empty()
                      ? Config()
                      : Config::load(args.config_path, {.profile = args.environment});
  for (const JobFlag& flag : options.flags) {
    const std::optional<std::string>& value = args.job_flags.at(flag.name);
    if (value && !flag.config_key.empty()) {
      config = config.with_value(flag.config_key, *value);
    }
  }
  for (const std::string& setting : args.settings) {
    size_t equals = setting.find('=');
    if (equals == std::string::npos || equals == 0) {
      throw ConfigError("--set '" + setting + "': expected KEY=VALUE");
    }
    config = config.with_value(setting.substr(0, equals), setting.substr(equals + 1));
  }
  if (args.cache_dir) {
    config = config.with_value("cache.dir", *args.cache_dir);
    if (!args.cache_mode) {
      config = config.with_value("cache.mode", "memory+disk");
    }
  }
  if (args.memory_limit) {
    memory::parse_memory_size(*args.memory_limit);  // a bad size fails before any work
    config = config.with_value("memory.limit", *args.memory_limit);
  }
  if (args.cache_mode) {
    config = config.with_value("cache.mode", *args.cache_mode);
  }
  return config;
}

void print_cache_decisions(const std::vector<workflow::CacheDecision>& decisions,
                           std::ostream& out) {
  for (const workflow::CacheDecision& decision : decisions) {
    out << decision.factory << ": " << workflow::to_string(decision.outcome)
        << (decision.reason.empty() ? "" : " (" + decision.reason + ")") << "\n";
  }
}

void print_dag(const workflow::Dag& dag, const std::string& format, std::ostream& out) {
  if (format == "none") {
    return;
  }
  out << "\n== DAG (" << format << ") ==\n";
  if (format == "text") {
    out << dag.to_string();
  } else if (format == "summary") {
    out << dag.to_summary();
  } else if (format == "mermaid") {
    out << dag.to_mermaid();
  } else if (format == "class") {
    std::string diagram = dag.to_class_diagram();
    out << diagram
        << "open in the Mermaid live editor: " << workflow::Dag::mermaid_live_url(diagram) << "\n";
  } else {
    out << dag.to_dot();
  }
}

// Observers live for the run only: the event sink is removed even when the run throws.
class RunObservers {
 public:
  RunObservers(const JobArguments& args, const workflow::Pipeline& pipeline, std::ostream& err) {
    if (args.monitor_address) {
      auto [host, port] = monitor::MonitorServer::parse_address(*args.monitor_address);
      monitor_ = std::make_unique<monitor::MonitorServer>(host, port);
      monitor_->show(pipeline.dag());
      err << "monitor: " << monitor_->url() << " (POST /groups/{id}/cancel with "
          << "'Authorization: Bearer " << monitor_->token() << "')\n";
    }
    if (args.events_path) {
      event_log_ = std::make_shared<monitor::JsonLinesEventSink>(*args.events_path);
      add_job_event_sink(event_log_);
    }
  }
  ~RunObservers() {
    if (event_log_) {
      remove_job_event_sink(event_log_);
    }
  }
  RunObservers(const RunObservers&) = delete;
  RunObservers& operator=(const RunObservers&) = delete;

 private:
  std::unique_ptr<monitor::MonitorServer> monitor_;
  std::shared_ptr<monitor::JsonLinesEventSink> event_log_;
};

// --profile selected a configuration profile before it wrote traces: a value that is not
// a .json file is refused with the new spelling rather than silently written to.
void check_trace_path(const JobArguments& args) {
  if (!args.trace_path) {
    return;
  }
  if (std::filesystem::path(*args.trace_path).extension() != ".json") {
    throw ConfigError("--profile '" + *args.trace_path +
                      "': expected a .json file for the run's trace; to select the "
                      "configuration profile '" +
                      *args.trace_path + "' use --env " + *args.trace_path);
  }
}

// The report is written even when the run fails: its errors are what one opens it for.
class ReportOutput {
 public:
  ReportOutput(const JobArguments& args, const workflow::Pipeline& pipeline, std::ostream& err)
      : args_(args), pipeline_(pipeline), err_(err) {}
  ~ReportOutput() {
    if (!args_.report_path) {
      return;
    }
    try {
      monitor::write_run_report(*args_.report_path, pipeline_.dag(), pipeline_.last_run());
      err_ << "report: " << *args_.report_path << "\n";
    } catch (const std::exception& error) {
      err_ << "report: not written: " << error.what() << "\n";  // the run's outcome stands
    }
  }
  ReportOutput(const ReportOutput&) = delete;
  ReportOutput& operator=(const ReportOutput&) = delete;

 private:
  const JobArguments& args_;
  const workflow::Pipeline& pipeline_;
  std::ostream& err_;
};

// The trace is written even when the run fails: where it stopped is what one looks for.
class TraceOutput {
 public:
  TraceOutput(const JobArguments& args, workflow::Pipeline& pipeline, std::ostream& err)
      : err_(err) {
    if (args.trace_path) {
      path_ = *args.trace_path;
      trace_ = std::make_shared<TraceRecorder>();
      pipeline.set_trace(trace_);
    }
  }
  ~TraceOutput() {
    if (!trace_) {
      return;
    }
    try {
      trace_->write(path_);
      err_ << "trace: " << path_.string() << " (" << trace_->spans().size()
           << " spans; open in https://ui.perfetto.dev or chrome://tracing)\n";
    } catch (const std::exception& error) {
      err_ << "trace not written: " << error.what() << "\n";
    }
  }
  TraceOutput(const TraceOutput&) = delete;
  TraceOutput& operator=(const TraceOutput&) = delete;

 private:
  std::ostream& err_;
  std::filesystem::path path_;
  std::shared_ptr<TraceRecorder> trace_;
};

// Unknown targets are invalid input, found before the run starts.
void check_targets(const workflow::Dag& dag, const std::vector<std::string>& targets) {
  std::vector<std::string> names;
  for (const workflow::DagNode& node : dag.nodes) {
    if (node.kind == workflow::DagNode::Kind::kFactory) {
      names.push_back(node.name);
    }
  }
  for (const std::string& target : targets) {
    bool found = std::any_of(names.begin(), names.end(), [&](const std::string& name) {
      return workflow::Pipeline::RunOptions::selects(target, name);
    });
    if (!found) {
      std::optional<std::string> hint = closest_match(target, names);
      throw DeliveryError("unknown target '" + target + "'" +
                          (hint ? "; did you mean '" + *hint + "'?" : std::string()));
    }
  }
}

void dry_run(workflow::Pipeline& pipeline, const workflow::Pipeline::RunOptions& run_options,
             std::ostream& out) {
  workflow::Inspector inspector(pipeline);
  out << "== plan ==\n" << inspector.dag().to_string();
  out << "\n== run order ==\n";
  for (size_t node : inspector.dag().order) {
    out << inspector.dag().nodes[node].name << "\n";
  }
  out << "\n== inspector ==\n";
  if (inspector.ok()) {
    out << "no problems\n";
  }
  for (const std::string& problem : inspector.problems()) {
    out << "problem: " << problem << "\n";
  }
  inspector.validate();
  out << "\n== result cache ==\n";
  print_cache_decisions(pipeline.explain_cache(run_options), out);
}

int run_parsed(const JobArguments& args, const PipelineBuilder& build, const JobOptions& options,
               std::ostream& out, std::ostream& err, bool& started) {
  check_trace_path(args);
  Config config = load_config(options, args);
  workflow::Setl setl(config);
  workflow::Pipeline pipeline = build(setl);
  if (dist::MpiRuntime* mpi = dist::MpiRuntime::get()) {
    // Started by mpirun: every rank runs the pipeline, its queries across all of them.
    mpi->distribute_queries();
    pipeline.set_distributed({.communicator = &mpi->world()});
    add_table_codecs(pipeline.transfer_codecs());  // single-rank factories' tables
  }
  workflow::Pipeline::RunOptions run_options{
      .targets = args.targets.empty() ? options.default_targets : args.targets};
  if (args.dry_run) {
    dry_run(pipeline, run_options, out);
    return 0;
  }
  workflow::Inspector(pipeline).validate();
  check_targets(pipeline.dag(), run_options.targets);
  if (args.explain) {
    workflow::Dag dag = pipeline.dag();
    out << "== run order ==\n";
    for (size_t node : dag.order) {
      out << dag.nodes[node].name << "\n";
    }
    out << "\n== result cache ==\n";
    print_cache_decisions(pipeline.explain_cache(run_options), out);
    return 0;
  }
  pipeline.set_journal(journal_dir(args, config));
  if (args.benchmark) {
    pipeline.set_benchmark(true);
  }
  if (args.resume && pipeline.journal().empty()) {
    throw ConfigError("--resume needs the run journal; it is off");
  }
  RunObservers observers(args, pipeline, err);
  {
    ReportOutput report(args, pipeline, err);
    TraceOutput trace(args, pipeline, err);
    monitor::ProgressLine progress;  // draws only on a terminal
    run_or_resume(pipeline, run_options, args, err, started);
  }
  const workflow::RunResult& result = pipeline.last_run();
  if (!result.resumed_from().empty()) {
    out << "== resume of " << result.resumed_from() << " ==\n";
    for (const std::string& note : result.resume_notes()) {
      out << note << "\n";
    }
    for (const std::string& name : result.resumed()) {
      out << "not run again: " << name << "\n";
    }
    out << "\n";
  }
  if (pipeline.cache() || pipeline.disk_cache()) {
    out << "== result cache ==\n";
    print_cache_decisions(result.cache_report(), out);
    for (const std::string& failure : result.cache_store_failures()) {
      out << "not stored: " << failure << "\n";
    }
    out << "\n";
  }
  if (options.report) {
    options.report(JobRun{config, setl, pipeline, result, out});
  }
  print_dag(pipeline.dag().with_run(result), args.dag, out);  // styled by outcome
  if (args.summary) {
    out << "\n== run ==\n" << result.summary();
  }
  if (pipeline.benchmark_enabled()) {
    out << "\n== benchmark ==\n" << result.benchmark().to_string();
    if (!result.rank_benchmarks().empty()) {
      out << "\n== benchmark by rank ==\n" << workflow::ranks_to_string(result.rank_benchmarks());
    }
  }
  return 0;
}

}  // namespace

int run_job(const std::vector<std::string>& args, const PipelineBuilder& build,
            const JobOptions& options, std::ostream& out, std::ostream& err) {
  CLI::App app{options.description.empty() ? "a setlpp job" : options.description};
  JobArguments parsed;
  add_arguments(app, options, parsed);
  if (std::optional<int> stop = detail::parse_arguments(app, args, out, err)) {
    return *stop;
  }
  bool started = false;
  // Under mpirun every rank runs the job; rank 0 prints its results (errors: every rank).
  std::ostream discarded(nullptr);
  dist::MpiRuntime* mpi =
      dist::launched_by_mpi() ? &dist::MpiRuntime::start(nullptr, nullptr) : nullptr;
  std::ostream& shown = mpi != nullptr && mpi->rank() != 0 ? discarded : out;
  try {
    return run_parsed(parsed, build, options, shown, err, started);
  } catch (const CancelledError& error) {
    err << "cancelled: " << error.what() << "\n";
    return kExitCancelled;
  } catch (const Error& error) {
    err << (started ? "error: " : "invalid input: ") << error.what() << "\n";
    return started ? kExitFailed : kExitInvalidInput;
  }
}

int run_job(int argc, char** argv, const PipelineBuilder& build, const JobOptions& options) {
  std::vector<std::string> args(argv + (argc > 0 ? 1 : 0), argv + argc);
  return run_job(args, build, options, std::cout, std::cerr);
}

}  // namespace setl::cli
