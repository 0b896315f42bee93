#include "setl/core/log.h"

#include <atomic>
#include <cstdlib>
#include <map>
#include <memory>
#include <mutex>
#include <vector>

#include <spdlog/pattern_formatter.h>
#include <spdlog/sinks/base_sink.h>
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include "setl/core/error.h"

namespace setl {
namespace {

thread_local std::vector<std::string> scope_stack;

std::string joined_scope() {
  std::string path;
  for (const std::string& part : scope_stack) {
    if (!path.empty()) {
      path += '/';
    }
    path += part;
  }
  return path;
}

// Writes the thread's scope path for the %* pattern flag.
class ScopeFlag : public spdlog::custom_flag_formatter {
 public:
  void format(const spdlog::details::log_msg&, const std::tm&,
              spdlog::memory_buf_t& destination) override {
    std::string scope = scope_stack.empty() ? std::string("-") : joined_scope();
    destination.append(scope.data(), scope.data() + scope.size());
  }
  std::unique_ptr<custom_flag_formatter> clone() const override {
    return std::make_unique<ScopeFlag>();
  }
};

spdlog::level::level_enum to_spdlog(log::Level level) {
  switch (level) {
    case log::Level::kTrace:
      return spdlog::level::trace;
    case log::Level::kDebug:
      return spdlog::level::debug;
    case log::Level::kInfo:
      return spdlog::level::info;
    case log::Level::kWarn:
      return spdlog::level::warn;
    case log::Level::kError:
      return spdlog::level::err;
    case log::Level::kOff:
      return spdlog::level::off;
  }
  return spdlog::level::info;
}

log::Level from_spdlog(spdlog::level::level_enum level) {
  switch (level) {
    case spdlog::level::trace:
      return log::Level::kTrace;
    case spdlog::level::debug:
      return log::Level::kDebug;
    case spdlog::level::info:
      return log::Level::kInfo;
    case spdlog::level::warn:
      return log::Level::kWarn;
    case spdlog::level::err:
    case spdlog::level::critical:
      return log::Level::kError;
    default:
      return log::Level::kOff;
  }
}

// Fans formatted lines out to the user-registered LineSinks.
class CallbackSink : public spdlog::sinks::base_sink<std::mutex> {
 public:
  size_t add(log::LineSink sink) {
    std::lock_guard lock(mutex_);
    sinks_.emplace(next_handle_, std::move(sink));
    return next_handle_++;
  }
  void remove(size_t handle) {
    std::lock_guard lock(mutex_);
    sinks_.erase(handle);
  }

 protected:
  void sink_it_(const spdlog::details::log_msg& message) override {
    if (sinks_.empty()) {
      return;
    }
    spdlog::memory_buf_t formatted;
    formatter_->format(message, formatted);
    std::string_view line(formatted.data(), formatted.size());
    while (!line.empty() && (line.back() == '\n' || line.back() == '\r')) {
      line.remove_suffix(1);
    }
    for (const auto& [handle, sink] : sinks_) {
      sink(from_spdlog(message.level), line);
    }
  }
  void flush_() override {}

 private:
  std::map<size_t, log::LineSink> sinks_;
  size_t next_handle_ = 1;
};

constexpr const char* kPattern = "[%Y-%m-%d %H:%M:%S.%e] [%l] [%*] %v";

std::unique_ptr<spdlog::formatter> make_formatter() {
  auto formatter = std::make_unique<spdlog::pattern_formatter>();
  formatter->add_flag<ScopeFlag>('*').set_pattern(kPattern);
  return formatter;
}

struct Logging {
  std::shared_ptr<spdlog::sinks::stderr_color_sink_mt> stderr_sink =
      std::make_shared<spdlog::sinks::stderr_color_sink_mt>();
  std::shared_ptr<CallbackSink> callback_sink = std::make_shared<CallbackSink>();
  std::shared_ptr<spdlog::logger> logger;
  std::atomic<log::Level> level{log::Level::kInfo};

  Logging() {
    stderr_sink->set_formatter(make_formatter());
    callback_sink->set_formatter(make_formatter());
    logger = std::make_shared<spdlog::logger>("setl",
                                              spdlog::sinks_init_list{stderr_sink, callback_sink});
    logger->set_level(spdlog::level::trace);
    if (const char* env = std::getenv("SETL_LOG_LEVEL"); env != nullptr && *env != '\0') {
      try {
        level = log::parse_level(env);
      } catch (const ConfigError&) {
        level = log::Level::kInfo;
      }
    }
  }
};

Logging& logging() {
  static Logging instance;
  return instance;
}

}  // namespace

namespace log {

void set_level(Level new_level) {
  logging().level = new_level;
}
Level level() {
  return logging().level.load(std::memory_order_relaxed);
}

Level parse_level(std::string_view name) {
  if (name == "trace") {
    return Level::kTrace;
  }
  if (name == "debug") {
    return Level::kDebug;
  }
  if (name == "info") {
    return Level::kInfo;
  }
  if (name == "warn" || name == "warning") {
    return Level::kWarn;
  }
  if (name == "error") {
    return Level::kError;
  }
  if (name == "off") {
    return Level::kOff;
  }
  throw ConfigError("unknown log level '" + std::string(name) +
                    "'; expected one of trace, debug, info, warn, error, off");
}

void write(Level at, std::string_view message) {
  if (at == Level::kOff || !enabled(at)) {
    return;
  }
  logging().logger->log(to_spdlog(at), message);
}

size_t add_sink(LineSink sink) {
  return logging().callback_sink->add(std::move(sink));
}
void remove_sink(size_t handle) {
  logging().callback_sink->remove(handle);
}

void set_stderr(bool on) {
  logging().stderr_sink->set_level(on ? spdlog::level::trace : spdlog::level::off);
}

std::string current_scope() {
  return joined_scope();
}

}  // namespace log

LogScope::LogScope(std::string name) {
  scope_stack.push_back(std::move(name));
}
LogScope::~LogScope() {
  scope_stack.pop_back();
}

}  // namespace setl
