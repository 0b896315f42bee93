// A finished run as one self-contained HTML file, readable offline and attachable to a CI
// log: the DAG with each factory's outcome, a timeline of the factory runs, a table of every
// factory's figures (times, CPU, memory, rows, bytes, cache decision), the run's memory and
// cache figures, each rank's figures for a distributed run, and every error with its
// message.
//
//   pipeline.run();
//   setl::monitor::write_run_report("run.html", pipeline.dag(), pipeline.last_run());
//
// The file has no script and loads nothing: its Content-Security-Policy forbids both, and
// every value from the run (factory names, messages) is escaped, so a name such as
// `<img src=x onerror=alert(1)>` shows as text. States are told by colour and by a text
// label. run_job writes it with `--report FILE.html`.
#pragma once

#include <filesystem>
#include <string>

#include "setl/workflow/dag.h"
#include "setl/workflow/run_result.h"

namespace setl::monitor {

/// The report of `run` over `dag` (Pipeline::dag(); the run's outcomes are drawn on it).
std::string run_report_html(const workflow::Dag& dag, const workflow::RunResult& run);

/// Writes run_report_html() to `path` atomically (readers see the old file or the new one).
/// Throws: IoError.
void write_run_report(const std::filesystem::path& path, const workflow::Dag& dag,
                      const workflow::RunResult& run);

/// `text` with &, <, >, " and ' replaced by their HTML character references.
std::string escape_html(std::string_view text);

}  // namespace setl::monitor
