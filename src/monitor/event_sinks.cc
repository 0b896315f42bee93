#include "setl/monitor/event_sinks.h"

#include <ctime>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "setl/core/error.h"
#include "setl/core/log.h"

namespace setl::monitor {
namespace {

std::string iso_time(std::chrono::system_clock::time_point time) {
  if (time.time_since_epoch().count() == 0) {
    return {};
  }
  auto micros =
      std::chrono::duration_cast<std::chrono::microseconds>(time.time_since_epoch()).count();
  std::time_t seconds = static_cast<std::time_t>(micros / 1'000'000);
  std::tm utc{};
  gmtime_r(&seconds, &utc);
  return fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:06}Z", utc.tm_year + 1900,
                     utc.tm_mon + 1, utc.tm_mday, utc.tm_hour, utc.tm_min, utc.tm_sec,
                     micros % 1'000'000);
}

nlohmann::json group_json(const JobGroupInfo& group) {
  nlohmann::json json = {
      {"id", group.id},
      {"parent_id", group.parent_id},
      {"name", group.name},
      {"path", group.path},
      {"kind", group.kind},
      {"description", group.description},
      {"tags", group.tags},
      {"state", std::string(to_string(group.state))},
      {"started", iso_time(group.started)},
      {"elapsed_seconds", group.elapsed_seconds},
      {"rows", group.rows},
      {"bytes", group.bytes},
      {"memory_bytes", group.memory_bytes},
  };
  if (group.state != JobState::kRunning) {
    json["finished"] = iso_time(group.finished);
  }
  if (!group.message.empty()) {
    json["message"] = group.message;
  }
  return json;
}

}  // namespace

std::string to_json(const JobGroupInfo& group) {
  return group_json(group).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

std::string to_json(const JobEvent& event) {
  nlohmann::json json = {{"event", std::string(to_string(event.kind))},
                         {"time", iso_time(event.time)},
                         {"group", group_json(event.group)}};
  if (!event.detail.empty()) {
    json["detail"] = event.detail;
  }
  if (!event.factory.empty()) {
    json["factory"] = event.factory;
  }
  if (event.rank >= 0) {
    json["rank"] = event.rank;  // forwarded from that rank of a distributed run
  }
  return json.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

JsonLinesEventSink::JsonLinesEventSink(const std::filesystem::path& path)
    : out_(path, std::ios::app) {
  if (!out_) {
    throw IoError("cannot open the event log " + path.string() + " for appending");
  }
}

void JsonLinesEventSink::on_event(const JobEvent& event) {
  std::lock_guard lock(mutex_);
  out_ << to_json(event) << '\n';
  out_.flush();
}

void LogEventSink::on_event(const JobEvent& event) {
  const JobGroupInfo& group = event.group;
  switch (event.kind) {
    case JobEventKind::kStarted:
      log::debug("job group {} '{}' started", group.id, group.path);
      break;
    case JobEventKind::kSucceeded:
      log::info("job group {} '{}' succeeded in {:.3f} s ({} rows)", group.id, group.path,
                group.elapsed_seconds, group.rows);
      break;
    case JobEventKind::kFailed:
      log::warn("job group {} '{}' failed after {:.3f} s: {}", group.id, group.path,
                group.elapsed_seconds, group.message);
      break;
    case JobEventKind::kCancelled:
      log::warn("job group {} '{}' cancelled after {:.3f} s: {}", group.id, group.path,
                group.elapsed_seconds, group.message);
      break;
    case JobEventKind::kCancelRequested:
      log::warn("job group {} '{}': cancellation requested", group.id, group.path);
      break;
    case JobEventKind::kMemoryPaused:
    case JobEventKind::kMemoryResumed:
    case JobEventKind::kSkipped:
    case JobEventKind::kAttemptFailed:
    case JobEventKind::kRestored:
      // The pipeline logs these itself; one line per crossing is enough.
      log::debug("job group {} '{}': {}: {}", group.id, group.path, to_string(event.kind),
                 event.detail);
      break;
  }
}

}  // namespace setl::monitor
