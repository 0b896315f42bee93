#include "setl/core/trace.h"

#include <algorithm>
#include <map>

#include <nlohmann/json.hpp>

#include "setl/core/atomic_file.h"

namespace setl {

TraceRecorder::TraceRecorder(size_t max_spans)
    : origin_(std::chrono::steady_clock::now()), max_spans_(max_spans) {}

int64_t TraceRecorder::microseconds_at(std::chrono::steady_clock::time_point time) const noexcept {
  return std::chrono::duration_cast<std::chrono::microseconds>(time - origin_).count();
}

void TraceRecorder::add(TraceSpan span) {
  std::lock_guard lock(mutex_);
  if (spans_.size() >= max_spans_) {
    dropped_.fetch_add(1, std::memory_order_relaxed);
    return;
  }
  spans_.push_back(std::move(span));
}

void TraceRecorder::add(std::string category, std::string name,
                        std::chrono::steady_clock::time_point start,
                        std::chrono::steady_clock::time_point end,
                        std::vector<std::pair<std::string, std::string>> args) noexcept {
  try {
    TraceSpan span{
        std::move(name), std::move(category), trace_thread_id(), microseconds_at(start), 0,
        std::move(args)};
    span.duration_us = std::max<int64_t>(1, microseconds_at(end) - span.start_us);
    add(std::move(span));
  } catch (...) {
    dropped_.fetch_add(1, std::memory_order_relaxed);
  }
}

void TraceRecorder::name_thread(std::string name) {
  int64_t thread = trace_thread_id();
  std::lock_guard lock(mutex_);
  for (auto& [id, existing] : thread_names_) {
    if (id == thread) {
      existing = std::move(name);
      return;
    }
  }
  thread_names_.emplace_back(thread, std::move(name));
}

std::vector<TraceSpan> TraceRecorder::spans() const {
  std::lock_guard lock(mutex_);
  return spans_;
}

std::string TraceRecorder::to_json() const {
  std::vector<TraceSpan> spans;
  std::map<int64_t, std::string> names;
  {
    std::lock_guard lock(mutex_);
    spans = spans_;
    names.insert(thread_names_.begin(), thread_names_.end());
  }
  // Viewers nest spans of one thread by time: a parent must come before the children it
  // encloses, so ties on start put the longer span first.
  std::sort(spans.begin(), spans.end(), [](const TraceSpan& a, const TraceSpan& b) {
    if (a.thread != b.thread) {
      return a.thread < b.thread;
    }
    if (a.start_us != b.start_us) {
      return a.start_us < b.start_us;
    }
    return a.duration_us > b.duration_us;
  });
  nlohmann::ordered_json events = nlohmann::ordered_json::array();
  events.push_back(
      {{"ph", "M"}, {"pid", 1}, {"name", "process_name"}, {"args", {{"name", "setlpp"}}}});
  for (const TraceSpan& span : spans) {
    names.try_emplace(span.thread, "thread " + std::to_string(span.thread));
  }
  for (const auto& [thread, name] : names) {
    events.push_back({{"ph", "M"},
                      {"pid", 1},
                      {"tid", thread},
                      {"name", "thread_name"},
                      {"args", {{"name", name}}}});
  }
  for (const TraceSpan& span : spans) {
    nlohmann::ordered_json event = {{"ph", "X"},
                                    {"pid", 1},
                                    {"tid", span.thread},
                                    {"ts", span.start_us},
                                    {"dur", span.duration_us},
                                    {"cat", span.category},
                                    {"name", span.name}};
    if (!span.args.empty()) {
      nlohmann::ordered_json args = nlohmann::ordered_json::object();
      for (const auto& [key, value] : span.args) {
        args[key] = value;
      }
      event["args"] = std::move(args);
    }
    events.push_back(std::move(event));
  }
  nlohmann::ordered_json trace = {
      {"traceEvents", std::move(events)},
      {"displayTimeUnit", "ms"},
      {"otherData", {{"producer", "setlpp"}, {"dropped_spans", dropped()}}}};
  // Names come from user code and plans: replace invalid UTF-8 instead of throwing.
  return trace.dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace) + "\n";
}

void TraceRecorder::write(const std::filesystem::path& path) const {
  AtomicFile file(path);
  file.stream() << to_json();
  file.commit();
}

int64_t trace_thread_id() noexcept {
  static std::atomic<int64_t> next{1};
  thread_local int64_t id = next.fetch_add(1, std::memory_order_relaxed);
  return id;
}

TraceScope::TraceScope(std::shared_ptr<TraceRecorder> recorder, std::string category,
                       std::string name)
    : recorder_(std::move(recorder)) {
  if (recorder_) {
    span_.category = std::move(category);
    span_.name = std::move(name);
    start_ = std::chrono::steady_clock::now();
  }
}

TraceScope::~TraceScope() {
  if (!recorder_) {
    return;
  }
  recorder_->add(std::move(span_.category), std::move(span_.name), start_,
                 std::chrono::steady_clock::now(), std::move(span_.args));
}

void TraceScope::arg(std::string key, std::string value) {
  if (recorder_) {
    span_.args.emplace_back(std::move(key), std::move(value));
  }
}

}  // namespace setl
