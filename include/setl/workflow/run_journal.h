// The run journal: what a pipeline run did, factory by factory, written as it happens so
// that a run killed halfway (kill -9, power loss) can be resumed (Pipeline::resume).
//
//   pipeline.set_journal(".setl-runs");   // every run writes .setl-runs/<run id>.jsonl
//   try { pipeline.run(); } catch (const setl::Error&) { /* fix the cause */ }
//   pipeline.resume(pipeline.last_run().run_id());   // reruns only what did not succeed
//
// One JSON object per line, appended and fsynced at every factory boundary: a "run" line
// (run id, pipeline, plan hash, the run it resumes), a "plan" line per factory (its key and
// what the key is made of), then "started" and a final state per factory, and an "end"
// line. A line cut short by a crash is ignored; anything else malformed is an error.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "setl/workflow/result_cache.h"

namespace setl::workflow {

/// Where a factory got to in a journaled run.
enum class JournalState {
  kPlanned,    ///< in the plan, not started
  kStarted,    ///< started, no final state (the process died or was killed)
  kSucceeded,  ///< ran, was served from the cache, or was resumed from an earlier run
  kFailed,
  kCancelled,
  kSkipped,  ///< a condition or a failed upstream skipped it
};
std::string_view to_string(JournalState state);

struct JournaledFactory {
  std::string factory;
  JournalState state = JournalState::kPlanned;
  /// What identifies the factory's work: its result-cache key parts, with unversioned
  /// parts included (`parts.key` is their hash, never empty), as planned and, once it
  /// finished, as they were when it started.
  CacheKeyParts parts;
  /// The sources it writes to (the DAG's write-only edges).
  std::vector<std::string> outputs;
  int64_t attempts = 0;
  std::string error;
  /// For a factory resumed from an earlier run: that run's id.
  std::string from_run;
};

struct JournaledRun {
  std::string run_id;
  std::string pipeline;
  /// A hash of every factory's key and the DAG's edges: equal plans, equal hashes.
  std::string plan_hash;
  /// The run this one resumed, or empty.
  std::string resumes;
  std::vector<std::string> targets;
  /// "2026-12-04T02:31:07Z"
  std::string started_at;
  /// The run reached its end line; `succeeded` says how it ended.
  bool finished = false;
  bool succeeded = false;
  std::vector<JournaledFactory> factories;  ///< in plan order

  const JournaledFactory* find(std::string_view factory) const;
};

/// The journals of one directory.
class RunJournal {
 public:
  explicit RunJournal(std::filesystem::path directory);
  const std::filesystem::path& directory() const noexcept { return directory_; }

  /// Run ids with a journal here, oldest first (ids sort by start time).
  std::vector<std::string> runs() const;
  /// The newest run of `pipeline` (any pipeline when empty).
  std::optional<std::string> latest(std::string_view pipeline = {}) const;
  /// Reads one run's journal.
  /// Throws: ConfigError for an id that is malformed or has no journal here (with the
  /// closest id); IoError for a journal that cannot be read or is corrupt (with its line).
  JournaledRun read(std::string_view run_id) const;

  /// Whether a process is writing the run's journal now (it holds a lock on it while the
  /// run goes on; the kernel drops the lock when that process dies).
  bool running(std::string_view run_id) const;
  /// The file of a run's journal.
  std::filesystem::path path_of(std::string_view run_id) const;
  /// A new run id: "<UTC time to the microsecond>-<pipeline>-<random>"
  /// ("20261204T041751123456Z-daily-7f4ee2a0"), sortable by start time and safe as a file
  /// name.
  static std::string new_run_id(std::string_view pipeline);
  /// Whether `run_id` could be an id (letters, digits, '-', '_' and '.', no "..").
  static bool valid_run_id(std::string_view run_id) noexcept;

 private:
  std::filesystem::path directory_;
};

}  // namespace setl::workflow
