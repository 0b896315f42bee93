// Appends one run's journal (setl/workflow/run_journal.h). Thread-safe: factories of a
// parallel stage finish concurrently. A line is written with one write() on an O_APPEND
// descriptor, and fsynced at factory boundaries, so a crash leaves whole lines and at most
// one torn last line.
#pragma once

#include <filesystem>
#include <mutex>
#include <string>

#include "setl/workflow/run_journal.h"

namespace setl::workflow::detail {

class JournalWriter {
 public:
  /// Creates `<directory>/<run.run_id>.jsonl` (never an existing one) and writes the run
  /// and plan lines. Throws: IoError.
  JournalWriter(const std::filesystem::path& directory, const JournaledRun& run);
  ~JournalWriter();
  JournalWriter(const JournalWriter&) = delete;
  JournalWriter& operator=(const JournalWriter&) = delete;

  void started(const std::string& factory);
  /// The factory's final state (not kPlanned or kStarted).
  void finished(const JournaledFactory& factory);
  void end(bool succeeded);
  /// False once a write failed (disk full): later lines are dropped, and a resume then
  /// reruns what they would have recorded.
  bool healthy() const;

 private:
  void append(const std::string& line, bool sync);

  std::filesystem::path path_;
  mutable std::mutex mutex_;
  int fd_ = -1;
  bool healthy_ = true;
};

}  // namespace setl::workflow::detail
