// Logging for setlpp and its users, through spdlog. Every line carries the scope of the
// work that wrote it ("pipeline/stage-1/OrdersFactory"), set per thread with LogScope.
//
//   setl::log::info("read {} rows from {}", rows, path);
//   setl::LogScope scope("dedupe");   // lines from this thread now end their scope in /dedupe
#pragma once

#include <cstddef>
#include <functional>
#include <string>
#include <string_view>
#include <utility>

#include <fmt/format.h>

namespace setl {
namespace log {

enum class Level { kTrace, kDebug, kInfo, kWarn, kError, kOff };

/// Sets the minimum level written; the default comes from SETL_LOG_LEVEL
/// (trace, debug, info, warn, error, off) or is info.
void set_level(Level level);
Level level();
/// Parses "trace", "debug", ... Throws: ConfigError naming the accepted names.
Level parse_level(std::string_view name);

/// Writes a message at a level; the scope and time are added by the pattern.
void write(Level level, std::string_view message);
inline bool enabled(Level at) {
  return at >= level();
}

template <class... Args>
void trace(fmt::format_string<Args...> format, Args&&... args) {
  if (enabled(Level::kTrace)) {
    write(Level::kTrace, fmt::format(format, std::forward<Args>(args)...));
  }
}
template <class... Args>
void debug(fmt::format_string<Args...> format, Args&&... args) {
  if (enabled(Level::kDebug)) {
    write(Level::kDebug, fmt::format(format, std::forward<Args>(args)...));
  }
}
template <class... Args>
void info(fmt::format_string<Args...> format, Args&&... args) {
  if (enabled(Level::kInfo)) {
    write(Level::kInfo, fmt::format(format, std::forward<Args>(args)...));
  }
}
template <class... Args>
void warn(fmt::format_string<Args...> format, Args&&... args) {
  if (enabled(Level::kWarn)) {
    write(Level::kWarn, fmt::format(format, std::forward<Args>(args)...));
  }
}
template <class... Args>
void error(fmt::format_string<Args...> format, Args&&... args) {
  if (enabled(Level::kError)) {
    write(Level::kError, fmt::format(format, std::forward<Args>(args)...));
  }
}

/// Receives each formatted line (without the trailing newline).
using LineSink = std::function<void(Level, std::string_view line)>;
/// Adds a destination besides stderr, e.g. a test capture or a file; returns its handle.
size_t add_sink(LineSink sink);
void remove_sink(size_t handle);
/// Turns the stderr destination on or off (on by default).
void set_stderr(bool on);

/// The current thread's scope path, "" outside any scope.
std::string current_scope();

}  // namespace log

/// Appends a name to the current thread's log scope until destroyed.
class LogScope {
 public:
  explicit LogScope(std::string name);
  ~LogScope();
  LogScope(const LogScope&) = delete;
  LogScope& operator=(const LogScope&) = delete;
};

}  // namespace setl
