// A timeline of a run for the Chrome trace-event viewers (Perfetto, chrome://tracing):
// which factory, stage, query and operator ran on which thread, when and for how long.
//
//   auto trace = std::make_shared<setl::TraceRecorder>();
//   pipeline.set_trace(trace);          // or JobGroup::set_trace for work of your own
//   pipeline.run();
//   trace->write("run-trace.json");     // open it in https://ui.perfetto.dev
//
// Recording is off unless a recorder is attached: the engine and the workflow look it up
// once per query or factory, never per row.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

namespace setl {

/// One complete event ("ph": "X") of the trace.
struct TraceSpan {
  std::string name;
  /// "run", "stage", "factory", "query" or "operator" (the viewers filter by it).
  std::string category;
  int64_t thread = 0;    ///< trace_thread_id() of the thread that ran it
  int64_t start_us = 0;  ///< microseconds since the recorder was created
  int64_t duration_us = 0;
  /// Shown when the span is selected: ("rows", "1200"), ("factory", "Orders"), ...
  std::vector<std::pair<std::string, std::string>> args;
};

/// Collects spans from any thread. Keeps at most `max_spans` (later ones are counted as
/// dropped, and the trace says so) so a long run cannot grow it without bound.
class TraceRecorder {
 public:
  static constexpr size_t kDefaultMaxSpans = 1'000'000;

  explicit TraceRecorder(size_t max_spans = kDefaultMaxSpans);

  /// Microseconds from the recorder's creation to `time`.
  int64_t microseconds_at(std::chrono::steady_clock::time_point time) const noexcept;
  /// Adds a span; thread-safe.
  void add(TraceSpan span);
  /// Adds a span of the calling thread from `start` to `end` (both rounded the same way,
  /// so a span stays inside the span that encloses it; at least 1 µs). Never throws: a
  /// trace that cannot grow must not fail the work it watches.
  void add(std::string category, std::string name, std::chrono::steady_clock::time_point start,
           std::chrono::steady_clock::time_point end,
           std::vector<std::pair<std::string, std::string>> args = {}) noexcept;
  /// Names the calling thread in the viewer ("main", "stage worker"); the last name wins.
  void name_thread(std::string name);

  std::vector<TraceSpan> spans() const;
  int64_t dropped() const noexcept { return dropped_.load(std::memory_order_relaxed); }

  /// The trace-event JSON: {"traceEvents": [...], "displayTimeUnit": "ms", ...}, spans
  /// ordered by thread and start, every thread named.
  std::string to_json() const;
  /// Writes to_json() to `path` atomically (readers see the old file or the whole new
  /// one). Throws: IoError.
  void write(const std::filesystem::path& path) const;

 private:
  std::chrono::steady_clock::time_point origin_;
  size_t max_spans_;
  mutable std::mutex mutex_;  // guards spans_ and thread_names_
  std::vector<TraceSpan> spans_;
  std::vector<std::pair<int64_t, std::string>> thread_names_;
  std::atomic<int64_t> dropped_{0};
};

/// A small number for the calling thread, stable for its life and unique in the process.
int64_t trace_thread_id() noexcept;

/// Records a span from construction to destruction on the calling thread; does nothing
/// when `recorder` is null.
class TraceScope {
 public:
  TraceScope(std::shared_ptr<TraceRecorder> recorder, std::string category, std::string name);
  ~TraceScope();
  TraceScope(const TraceScope&) = delete;
  TraceScope& operator=(const TraceScope&) = delete;

  /// Adds an argument shown with the span.
  void arg(std::string key, std::string value);
  bool active() const noexcept { return recorder_ != nullptr; }

 private:
  std::shared_ptr<TraceRecorder> recorder_;
  TraceSpan span_;
  std::chrono::steady_clock::time_point start_;
};

/// The recorder of the current thread's job group (set with JobGroup::set_trace on it or
/// an ancestor), or null.
std::shared_ptr<TraceRecorder> current_trace();

}  // namespace setl
