// A live progress line on a terminal: every running factory with its rows so far and
// elapsed time, redrawn in place. Off a terminal (CI logs, pipes, files) it prints nothing.
//
//   setl::monitor::ProgressLine progress;   // stderr; inactive when stderr is not a tty
//   pipeline.run();
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "setl/core/job_group.h"

namespace setl::monitor {

class ProgressLine {
 public:
  explicit ProgressLine(std::FILE* out = stderr,
                        std::chrono::milliseconds interval = std::chrono::milliseconds(200));
  /// Stops drawing and clears the line.
  ~ProgressLine();
  ProgressLine(const ProgressLine&) = delete;
  ProgressLine& operator=(const ProgressLine&) = delete;

  /// True when `out` is a terminal and the line is being drawn.
  bool active() const noexcept { return thread_.joinable(); }

  /// The text for these groups (factories only): "ReadOrders 1.2M rows 0.8s | ...", or
  /// empty when no factory runs. At most `width` characters.
  static std::string render(const std::vector<JobGroupInfo>& groups, size_t width = 160);

 private:
  void loop();

  std::FILE* out_;
  std::chrono::milliseconds interval_;
  std::mutex mutex_;
  std::condition_variable stop_requested_;
  bool stop_ = false;
  std::thread thread_;
};

}  // namespace setl::monitor
