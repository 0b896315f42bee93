// Pipelines declared in YAML, wired from the factories and components of a Registry, and
// the `setl run FILE` command that runs them with a job's command line.
//
//   name: daily                      # required
//   config: daily.yaml               # the default --config (paths are relative to this file)
//   plugins: [lib/ingest.so]         # shared libraries with SETL_PLUGIN entry points
//   setup: connectors                # registered setup hooks, run on the context first
//                                    # (`setl` has `connectors`: the configuration's
//                                    # connectors section as sources)
//   report: daily                    # a registered report, printed after a successful run
//   targets: [Load]                  # the default --target list
//   dag: mermaid                     # the default --dag
//   benchmark: true
//   cache: memory                    # the default cache policy: off, memory, disk, memory+disk
//   stages:
//     - name: extract
//       parallel: true
//       factories:
//         - factory: ReadCsv         # a registered factory
//           name: ReadOrders         # optional: its name in the pipeline
//           params: {path: orders.csv}
//           id: orders               # the delivery id of its output
//           run_if: "rows(orders) > 0"
//   factories:                       # unstaged factories; same keys as above, plus
//     - factory: Load                #   inputs: {orders: eu_orders} (renames what it reads),
//       depends_on: [ReadOrders]     #   consumers, depends_on, when, on_condition_failure,
//                                    #   cache, cache_ttl, writable, tags
//   templates:                       # library components, included like Pipeline::include
//     - component: ingest/csv
//       version: "^1.2"
//       ns: eu
//       params: {path: eu.csv}
//       inputs: {raw: eu_raw}
//       outputs: {clean: eu_clean}
//       config: {threshold: limits.eu}   # ComposeOptions::params
//       globals: [env]
//       strict: true
//
// Every mistake is reported at once, each as FILE:LINE:COLUMN: key: message, with the
// closest valid choice.
#pragma once

#include <filesystem>
#include <ostream>
#include <string>
#include <vector>

#include "setl/cli/job_runner.h"
#include "setl/workflow/registry.h"

namespace setl::cli {

struct PipelineFileEntry;

/// A parsed and checked pipeline file.
class PipelineFile {
 public:
  /// Reads `path`, loads its plugins into `registry` and checks every entry against it.
  /// Throws: ConfigError listing every problem with its location; IoError if unreadable.
  static PipelineFile load(const std::filesystem::path& path, workflow::Registry& registry);
  /// The same from text; `source` names it in messages, `base` resolves relative paths.
  static PipelineFile parse(std::string_view text, const std::string& source,
                            const std::filesystem::path& base, workflow::Registry& registry);

  PipelineFile(PipelineFile&&) noexcept;
  PipelineFile& operator=(PipelineFile&&) noexcept;
  ~PipelineFile();

  const std::string& name() const noexcept { return name_; }
  /// The job options the file sets: default configuration, targets, DAG format, report.
  JobOptions job_options() const;
  /// Runs the setup hooks on `setl` and builds the pipeline on it.
  workflow::Pipeline build(workflow::Setl& setl) const;

 private:
  PipelineFile();
  friend struct PipelineFileParser;

  workflow::Registry* registry_ = nullptr;
  std::string name_;
  std::string config_;
  std::vector<std::string> setups_;
  std::string report_;
  std::vector<std::string> targets_;
  std::string dag_;
  bool benchmark_ = false;
  size_t max_concurrency_ = 0;
  std::optional<workflow::CachePolicy> cache_;
  struct Stage;
  struct Template;
  std::vector<Stage> stages_;
  std::vector<PipelineFileEntry> factories_;
  std::vector<Template> templates_;
};

/// `setl run FILE [--plugin LIB]... [job options]`: loads FILE into Registry::global() and
/// runs it with run_job's options (plus --dry-run). Exit codes as run_job.
int run_pipeline_command(const std::vector<std::string>& args, std::ostream& out,
                         std::ostream& err);

}  // namespace setl::cli
