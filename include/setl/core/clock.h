// Time as the library reads it, replaceable: what expires (result-cache entries with a
// TTL) takes a Clock, so a test advances a ManualClock instead of sleeping.
//
//   auto clock = std::make_shared<setl::ManualClock>();
//   ResultCache cache(1 << 20, clock);
//   clock->advance(std::chrono::minutes(5));   // entries with a shorter TTL have expired
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>

namespace setl {

class Clock {
 public:
  virtual ~Clock() = default;
  /// Monotonic time, for durations within a process.
  virtual std::chrono::steady_clock::time_point steady_now() const = 0;
  /// Wall-clock time, for what outlives the process (entries on disk).
  virtual std::chrono::system_clock::time_point system_now() const = 0;
};

/// The real clocks (shared, stateless).
std::shared_ptr<const Clock> real_clock();

/// A clock that moves only when advanced; both of its times move together. Thread-safe.
class ManualClock : public Clock {
 public:
  /// Starts at `start` wall-clock time (default: 2020-01-01T00:00:00Z).
  explicit ManualClock(std::chrono::system_clock::time_point start =
                           std::chrono::system_clock::time_point(std::chrono::seconds(1577836800)));
  std::chrono::steady_clock::time_point steady_now() const override;
  std::chrono::system_clock::time_point system_now() const override;
  void advance(std::chrono::nanoseconds by) noexcept;

 private:
  std::chrono::system_clock::time_point start_;
  std::atomic<int64_t> elapsed_ns_{0};
};

}  // namespace setl
