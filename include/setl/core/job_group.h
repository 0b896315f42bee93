// Job groups label every unit of work (a pipeline run, a stage, a factory run, or a scope
// the user opens) so that it can be observed and cancelled, and they always clear: a group
// is current on the thread that opened it, and on every task the engine runs on its
// behalf, exactly until its scope ends — on success, on exception, on cancellation.
//
//   Table process() override {
//     auto group = setl::job_group("dedupe", "drop duplicate orders", {"cleanup"});
//     ...                                   // engine work here is counted in "dedupe"
//   }                                       // cleared here, whatever happens
//
//   setl::cancel_job_group(id);             // or cancel_job_groups_by_tag("cleanup")
//
// Each group has its own cancellation token, a child of its parent's: cancelling a group
// cancels everything inside it, and the engine's operators and the connectors stop at
// their next check with CancelledError.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "setl/core/cancellation.h"

namespace setl {

class TraceRecorder;

enum class JobState { kRunning, kSucceeded, kFailed, kCancelled };
/// "running", "succeeded", "failed", "cancelled".
std::string_view to_string(JobState state);

/// A snapshot of one group.
struct JobGroupInfo {
  std::string id;         ///< unique in the process ("17")
  std::string parent_id;  ///< empty for a root
  std::string name;
  std::string path;  ///< names from the root, joined by '/': "tpch_etl/stage-1/ReadOrders"
  std::string kind;  ///< "pipeline", "stage", "factory" or "user"
  std::string description;
  std::vector<std::string> tags;
  JobState state = JobState::kRunning;
  std::chrono::system_clock::time_point started;
  std::chrono::system_clock::time_point finished;  ///< unset while running
  double elapsed_seconds = 0;
  int64_t rows = 0;               ///< reported by operators and connectors, this group and below
  int64_t bytes = 0;              ///< likewise
  int64_t memory_bytes = 0;       ///< engine buffers allocated inside and still alive
  int64_t peak_memory_bytes = 0;  ///< the most memory_bytes has been
  /// CPU time threads spent working for this group and below (every engine task runs in
  /// its caller's group, so a query's worker threads count toward the factory that ran it).
  int64_t cpu_nanos = 0;
  std::string message;  ///< why it failed or was cancelled
};

/// Bytes of engine buffers attributed to a group and its ancestors.
class MemoryAccount {
 public:
  explicit MemoryAccount(std::shared_ptr<MemoryAccount> parent) : parent_(std::move(parent)) {}
  void add(int64_t bytes) noexcept {
    for (MemoryAccount* account = this; account != nullptr; account = account->parent_.get()) {
      int64_t now = account->bytes_.fetch_add(bytes, std::memory_order_relaxed) + bytes;
      int64_t peak = account->peak_.load(std::memory_order_relaxed);
      while (now > peak && !account->peak_.compare_exchange_weak(peak, now)) {
      }
    }
  }
  int64_t bytes() const noexcept { return bytes_.load(std::memory_order_relaxed); }
  /// The highest bytes() so far.
  int64_t peak() const noexcept { return peak_.load(std::memory_order_relaxed); }

 private:
  std::atomic<int64_t> bytes_{0};
  std::atomic<int64_t> peak_{0};
  std::shared_ptr<MemoryAccount> parent_;
};

namespace detail {
struct JobGroupState;
}

/// Opens a group as a child of the current thread's group (a root if there is none) and
/// makes it current until destroyed.
enum class JobEventKind;  // below, with the events

class JobGroup {
 public:
  /// Throws: ConfigError for an empty name, or tags that are empty, contain ',' or
  /// whitespace, or number more than 16.
  JobGroup(std::string name, std::string description = {}, std::vector<std::string> tags = {},
           std::string kind = "user");
  ~JobGroup();
  JobGroup(const JobGroup&) = delete;
  JobGroup& operator=(const JobGroup&) = delete;

  const std::string& id() const noexcept;
  JobGroupInfo info() const;
  const CancellationToken& token() const noexcept;
  /// Records why the work failed (kept if the scope then ends by an exception).
  void set_failure(std::string message);
  /// Emits a `kind` event about this group (memory threshold crossings); `factory` names
  /// the factory a pipeline's kSkipped or kRestored event is about.
  void report(JobEventKind kind, std::string detail, std::string factory = {}) const;
  /// Records this group's work, and that of groups opened inside it afterwards, into
  /// `trace` (setl/core/trace.h); null stops recording.
  void set_trace(std::shared_ptr<TraceRecorder> trace);

 private:
  std::shared_ptr<detail::JobGroupState> state_;
  std::shared_ptr<detail::JobGroupState> previous_;
  std::unique_ptr<CancellationScope> cancellation_;
  int exceptions_at_start_;
};

/// Opens a nested group on this thread: `auto group = setl::job_group("dedupe");`.
JobGroup job_group(std::string name, std::string description = {},
                   std::vector<std::string> tags = {});

/// The current thread's group, if any.
std::optional<JobGroupInfo> current_job_group();
/// The current group's memory account (null outside any group), for allocators.
std::shared_ptr<MemoryAccount> current_memory_account();
/// Adds processed rows and bytes to the current group and its ancestors (no-op outside).
void report_progress(int64_t rows, int64_t bytes = 0) noexcept;

/// Running groups, oldest first.
std::vector<JobGroupInfo> active_job_groups();
/// Finished groups, most recent last (the last 1,000 are kept).
std::vector<JobGroupInfo> finished_job_groups();

struct CancelResult {
  bool found = false;                  ///< the id or tag named a running group
  std::vector<std::string> cancelled;  ///< ids of the groups now cancelled (with descendants)
  std::string message;                 ///< what happened, for people
};
/// Cancels a running group and everything inside it. A finished group is a no-op that
/// says so; an unknown id says that.
CancelResult cancel_job_group(std::string_view id, std::string reason = "cancelled by request");
/// A group around the current thread: its id and path.
struct JobGroupRef {
  std::string id;
  std::string path;
};
/// The outermost group around this thread (itself or an ancestor) whose work is cancelled,
/// if any: what a distributed run tells the other ranks to cancel.
std::optional<JobGroupRef> outermost_cancelled_job_group();
/// The group around this thread (itself or an ancestor) at `path`, if any.
std::optional<JobGroupRef> job_group_around(std::string_view path);

/// Cancels every running group carrying `tag` (and their descendants).
CancelResult cancel_job_groups_by_tag(std::string_view tag,
                                      std::string reason = "cancelled by request");

/// The current thread's group and cancellation token, captured to be re-established on
/// another thread (engine tasks, parallel stages).
class JobContext {
 public:
  static JobContext capture();

 private:
  friend class JobContextScope;
  std::shared_ptr<detail::JobGroupState> group_;
  CancellationToken token_;
};

/// Makes a captured context current on this thread until destroyed, then restores what was
/// current before (so pool threads end every task with no group).
class JobContextScope {
 public:
  explicit JobContextScope(const JobContext& context);
  ~JobContextScope();
  JobContextScope(const JobContextScope&) = delete;
  JobContextScope& operator=(const JobContextScope&) = delete;

 private:
  std::shared_ptr<detail::JobGroupState> previous_group_;
  CancellationScope cancellation_;
};

// --- Events ---------------------------------------------------------------------------

enum class JobEventKind {
  kStarted,
  kSucceeded,
  kFailed,
  kCancelled,
  kCancelRequested,
  kMemoryPaused,   ///< memory use crossed memory.pause: no new factory starts
  kMemoryResumed,  ///< it fell to memory.target: factories start again
  kSkipped,        ///< a factory of the run was skipped (its detail says which and why)
  kAttemptFailed,  ///< a try of a factory's phase failed; sent before any retry waits
  kRestored,       ///< a factory of the run was served from the result cache, not run
};
/// "started", "succeeded", "failed", "cancelled", "cancel_requested", "memory_paused",
/// "memory_resumed", "skipped", "attempt_failed", "restored".
std::string_view to_string(JobEventKind kind);

struct JobEvent {
  JobEventKind kind = JobEventKind::kStarted;
  std::chrono::system_clock::time_point time;
  JobGroupInfo group;  ///< the group as it was at the event
  std::string detail;  ///< for memory events: the bytes reserved and the thresholds
  /// For a pipeline's kSkipped and kRestored events: the factory it did not run (a
  /// dashboard shows it skipped or cached); empty for other events.
  std::string factory;
  /// For an event forwarded from another rank of a distributed run (forward_job_events):
  /// that rank, and the group's ids are prefixed "<rank>:"; -1 for this process's events.
  int rank = -1;
};

/// Receives every job event, in order, one at a time (calls are serialised).
class JobEventSink {
 public:
  virtual ~JobEventSink() = default;
  virtual void on_event(const JobEvent& event) = 0;
};

void add_job_event_sink(std::shared_ptr<JobEventSink> sink);
void remove_job_event_sink(const std::shared_ptr<JobEventSink>& sink);
/// Delivers events that happened on another rank of a distributed run (each with its
/// `rank` set) to this process's sinks and recent events, in order: rank 0 of a
/// distributed pipeline run forwards every rank's events this way.
void forward_job_events(const std::vector<JobEvent>& events);
/// The most recent events (the last 1,000 are kept), oldest first.
std::vector<JobEvent> recent_job_events();

/// Keeps every event in memory (for tests and small tools).
class MemoryEventSink : public JobEventSink {
 public:
  void on_event(const JobEvent& event) override;
  std::vector<JobEvent> events() const;

 private:
  mutable std::mutex mutex_;
  std::vector<JobEvent> events_;
};

/// Process-wide totals since start, for metrics.
struct JobTotals {
  int64_t started = 0;
  int64_t succeeded = 0;
  int64_t failed = 0;
  int64_t cancelled = 0;
};
JobTotals job_totals();

}  // namespace setl
