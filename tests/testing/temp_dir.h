// Test helpers: a temporary directory removed at the end of the test, a file writer,
// and a matcher-friendly way to capture the message of an expected exception.
#pragma once

#include <filesystem>
#include <string>
#include <string_view>

#include <gtest/gtest.h>

namespace setl::testing {

class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  const std::filesystem::path& path() const { return path_; }
  /// Writes `content` to a file under the directory and returns its path.
  std::filesystem::path write(std::string_view name, std::string_view content) const;

 private:
  std::filesystem::path path_;
};

/// Reads a whole file. Fails the test if it cannot.
std::string read_file(const std::filesystem::path& path);

/// Runs `action`, expects it to throw E, and returns what() (empty and a test failure
/// if it did not throw E).
template <class E, class Action>
std::string message_of(Action&& action) {
  try {
    static_cast<void>(action());  // the action may return a [[nodiscard]] value
  } catch (const E& error) {
    return error.what();
  }
  ADD_FAILURE() << "expected an exception of the requested type";
  return {};
}

}  // namespace setl::testing
