// Job event sinks: a JSON Lines file (one event per line, appended and flushed as they
// come) and the log. Register them with setl::add_job_event_sink.
//
//   auto sink = std::make_shared<setl::monitor::JsonLinesEventSink>("run-events.jsonl");
//   setl::add_job_event_sink(sink);
#pragma once

#include <filesystem>
#include <fstream>
#include <mutex>
#include <string>

#include "setl/core/job_group.h"

namespace setl::monitor {

/// One group as a JSON object (id, parent_id, name, path, kind, description, tags, state,
/// started/finished as ISO-8601 UTC, elapsed_seconds, rows, bytes, memory_bytes, message).
std::string to_json(const JobGroupInfo& group);
/// {"event": "started", "time": "...", "group": {...}}
std::string to_json(const JobEvent& event);

class JsonLinesEventSink : public JobEventSink {
 public:
  /// Appends to `path`. Throws: IoError if it cannot be opened.
  explicit JsonLinesEventSink(const std::filesystem::path& path);
  void on_event(const JobEvent& event) override;

 private:
  std::mutex mutex_;
  std::ofstream out_;
};

/// Logs starts at debug level, successes at info, failures and cancellations at warn.
class LogEventSink : public JobEventSink {
 public:
  void on_event(const JobEvent& event) override;
};

}  // namespace setl::monitor
