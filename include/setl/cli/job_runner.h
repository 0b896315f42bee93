// Gives any job the main job's command line in one call, so a job's main() is the pipeline
// and its report, not flag parsing:
//
//   int main(int argc, char** argv) {
//     return setl::cli::run_job(argc, argv, [](setl::workflow::Setl& setl) {
//       setl::set_connectors(setl, "connectors");
//       setl::workflow::Pipeline pipeline = setl.new_pipeline("daily");
//       pipeline.add<Orders>();
//       return pipeline;
//     }, {.default_config = "daily.yaml"});
//   }
//
//   JOB [--config FILE] [--env NAME] [--set KEY=VALUE]... [--target FACTORY]...
//       [--cache off|memory|disk|memory+disk] [--cache-dir DIR] [--explain] [--dry-run]
//       [--monitor HOST:PORT] [--events FILE] [--profile TRACE.json]
//       [--dag none|text|summary|mermaid|class|dot] [--summary]
//       [--journal DIR|off] [--resume RUN_ID|last] [job flags]
//
// Every run is journaled (setl/workflow/run_journal.h) into --journal, else the
// configuration's run.journal, else .setl-runs; its id is printed on stderr. --resume
// reruns, with the same targets, only what did not succeed in that run (or in the latest
// run of this pipeline: `last`), and prints what it did not run again and why what had
// succeeded ran anyway.
//
// --env selects the configuration profile (as SETL_ENV does). --profile writes a Chrome
// trace of the run (factories, stages, queries and engine operators, thread by thread),
// also when the run fails. --explain prints the DAG's order and what a run would take from the
// cache and why, then stops without running anything; --dry-run adds the plan and the
// inspector's findings. Exit codes (kExit*): 0 success, 1 the run failed (a setl::Error, printed
// with its blame), 2 bad usage, 3 invalid input found before the run started (configuration,
// the pipeline's definition or plan, an unknown target), 130 the run was cancelled (for
// example from the monitor).
#pragma once

#include <functional>
#include <ostream>
#include <string>
#include <vector>

#include "setl/core/config.h"
#include "setl/workflow/pipeline.h"
#include "setl/workflow/registry.h"
#include "setl/workflow/run_result.h"
#include "setl/workflow/setl.h"

namespace setl::cli {

inline constexpr int kExitOk = 0;
inline constexpr int kExitFailed = 1;
inline constexpr int kExitUsage = 2;
inline constexpr int kExitInvalidInput = 3;
inline constexpr int kExitCancelled = 130;

/// What a job's report sees after a successful run.
/// (The same as a registered report's: config, setl, pipeline, result, out.)
using JobRun = workflow::RunReport;

/// A flag of one job that sets a configuration key or an environment variable before the
/// configuration is read, e.g. {"--sf", "TPC-H scale factor", .config_key =
/// "data.scale_factor"} or {"--out", "output directory", .environment = "SETL_DATA_DIR"}.
struct JobFlag {
  std::string name;
  std::string help;
  std::string config_key;
  std::string environment;
};

struct JobOptions {
  /// The --help text's first line.
  std::string description;
  /// Read when --config is absent; empty makes --config required, unless config_optional
  /// (then the configuration is empty but for --set values).
  std::string default_config;
  bool config_optional = false;
  /// Factories to run when no --target is given; empty: every factory.
  std::vector<std::string> default_targets;
  /// The DAG format printed after the run unless --dag says otherwise.
  std::string default_dag = "none";
  std::vector<JobFlag> flags;
  /// Prints the job's results; called after a successful run, before the DAG.
  std::function<void(const JobRun&)> report;
};

/// Builds the job's pipeline on a context made from the configuration. The context
/// outlives the pipeline; register sources and cache codecs on it here.
using PipelineBuilder = std::function<workflow::Pipeline(workflow::Setl&)>;

/// Parses the command line, loads the configuration, builds the pipeline and runs it (see
/// the top of this file); returns the process exit code. Errors go to std::cerr.
int run_job(int argc, char** argv, const PipelineBuilder& build, const JobOptions& options = {});

/// The same with the arguments (without the program name) and the streams given.
int run_job(const std::vector<std::string>& args, const PipelineBuilder& build,
            const JobOptions& options, std::ostream& out, std::ostream& err);

}  // namespace setl::cli
