// Runs a child process with its standard input given and its output captured, for the
// Python front end, the build of a generated project and the runs validation compares.
#pragma once

#include <chrono>
#include <cstddef>
#include <filesystem>
#include <string>
#include <vector>

namespace setl::migrate {

struct ProcessResult {
  int exit_code = -1;  ///< the exit status; 128 + N when killed by signal N
  bool timed_out = false;
  bool output_truncated = false;
  std::string out;
  std::string err;
};

struct ProcessOptions {
  std::string input;                     ///< written to the child's standard input
  std::filesystem::path directory;       ///< working directory (empty: ours)
  std::vector<std::string> environment;  ///< extra NAME=VALUE entries
  std::chrono::seconds timeout{600};
  size_t max_output = size_t{256} << 20;  ///< per stream; more is dropped and flagged
};

/// Runs argv[0] (looked up on PATH when it has no slash). Throws setl::Error when the
/// program cannot be started.
ProcessResult run_process(const std::vector<std::string>& argv, const ProcessOptions& options = {});

/// Every executable named `name` along PATH, in PATH order.
std::vector<std::filesystem::path> find_on_path(const std::string& name);

}  // namespace setl::migrate
