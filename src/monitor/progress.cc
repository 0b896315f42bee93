#include "setl/monitor/progress.h"

#include <fmt/format.h>
#include <unistd.h>

namespace setl::monitor {
namespace {

std::string human_count(int64_t value) {
  if (value >= 1'000'000'000) {
    return fmt::format("{:.1f}G", static_cast<double>(value) / 1e9);
  }
  if (value >= 1'000'000) {
    return fmt::format("{:.1f}M", static_cast<double>(value) / 1e6);
  }
  if (value >= 10'000) {
    return fmt::format("{:.0f}K", static_cast<double>(value) / 1e3);
  }
  return std::to_string(value);
}

}  // namespace

ProgressLine::ProgressLine(std::FILE* out, std::chrono::milliseconds interval)
    : out_(out), interval_(interval) {
  if (out_ != nullptr && ::isatty(::fileno(out_)) == 1) {
    thread_ = std::thread([this] { loop(); });
  }
}

ProgressLine::~ProgressLine() {
  if (!thread_.joinable()) {
    return;
  }
  {
    std::lock_guard lock(mutex_);
    stop_ = true;
  }
  stop_requested_.notify_all();
  thread_.join();
  std::fputs("\r\x1b[K", out_);  // clear the line
  std::fflush(out_);
}

std::string ProgressLine::render(const std::vector<JobGroupInfo>& groups, size_t width) {
  std::string line;
  for (const JobGroupInfo& group : groups) {
    if (group.kind != "factory" || group.state != JobState::kRunning) {
      continue;
    }
    line += fmt::format("{}{} {} rows {:.1f}s", line.empty() ? "" : " | ", group.name,
                        human_count(group.rows), group.elapsed_seconds);
  }
  if (line.size() > width) {
    line = line.substr(0, width > 3 ? width - 3 : 0) + "...";
  }
  return line;
}

void ProgressLine::loop() {
  std::unique_lock lock(mutex_);
  while (!stop_requested_.wait_for(lock, interval_, [this] { return stop_; })) {
    std::string line = render(active_job_groups());
    std::fprintf(out_, "\r\x1b[K%s", line.c_str());
    std::fflush(out_);
  }
}

}  // namespace setl::monitor
