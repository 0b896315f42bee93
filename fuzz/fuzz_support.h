// Shared by the fuzz targets: a scratch file per process for readers that take paths, and
// the rule every target checks: bad input may only ever raise a setl::Error.
#pragma once

#include <cstdio>
#include <cstdlib>
#include <exception>
#include <filesystem>
#include <fstream>
#include <string>
#include <string_view>

#include <unistd.h>

#include "setl/core/error.h"
#include "setl/engine/execution.h"

namespace setl::fuzz {

/// Writes `bytes` to a file named `name` in a directory of this process and returns it.
inline std::filesystem::path scratch_file(std::string_view bytes, const std::string& name) {
  static const std::filesystem::path directory = [] {
    std::filesystem::path path =
        std::filesystem::temp_directory_path() / ("setl-fuzz-" + std::to_string(::getpid()));
    std::filesystem::create_directories(path);
    std::atexit([] {
      std::error_code ignored;
      std::filesystem::remove_all(
          std::filesystem::temp_directory_path() / ("setl-fuzz-" + std::to_string(::getpid())),
          ignored);
    });
    return path;
  }();
  std::filesystem::path path = directory / name;
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  return path;
}

/// Runs the engine on the calling thread: libFuzzer wants deterministic runs, and results
/// do not depend on the thread count (ranges and row groups are split the same way).
inline void single_threaded() {
  static const bool once = [] {
    setl::engine::set_num_threads(1);
    return true;
  }();
  (void)once;
}

/// Runs `action`: a setl::Error is the expected answer to bad input; any other exception
/// (std::bad_alloc, std::length_error, ...) is a bug and aborts, so the fuzzer reports it.
template <class Action>
void expect_only_setl_errors(Action&& action) {
  try {
    static_cast<void>(action());  // the action may return a [[nodiscard]] value
  } catch (const setl::Error&) {
  } catch (const std::exception& error) {
    std::fprintf(stderr, "non-setl exception: %s\n", error.what());
    std::abort();
  }
}

}  // namespace setl::fuzz
