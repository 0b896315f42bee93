// Circuit breakers: one per external resource (a database, an endpoint), shared by every
// factory and thread that calls it. While a resource keeps failing, calls to it fail at
// once with CircuitOpenError instead of waiting on it; after `open_for`, a few probe calls
// go through, and their outcome closes the breaker or opens it again.
//
//   setl::BreakerRegistry::global().configure("postgres:", {.min_calls = 5, .open_for = 30s});
//   auto breaker = setl::BreakerRegistry::global().get("postgres:db1:5432/sales");
//   Table rows = breaker->run([&] { return query(); });  // throws CircuitOpenError when open
//
// A call counts as a failure when it throws a transient, timeout or resource error (the
// resource's health); a permanent error (a syntax error, a missing table) counts as a
// success. The storage connectors for SQLite and PostgreSQL go through the breaker of their
// endpoint; the retry policies of factories wait for an open breaker without using up
// attempts (setl/workflow/retry.h).
#pragma once

#include <chrono>
#include <cstdint>
#include <deque>
#include <exception>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "setl/core/clock.h"
#include "setl/core/error.h"

namespace setl {

/// A call refused because the resource's breaker is open (category transient).
class CircuitOpenError : public Error {
 public:
  CircuitOpenError(std::string resource, std::chrono::nanoseconds retry_after);
  const std::string& resource() const noexcept { return resource_; }
  /// When the breaker lets a probe through, from the time of the refusal.
  std::chrono::nanoseconds retry_after() const noexcept { return retry_after_; }

 private:
  std::string resource_;
  std::chrono::nanoseconds retry_after_;
};

struct BreakerOptions {
  /// Failure-rate mode: the share of failed calls among the last `window_calls` calls (or,
  /// with `window_time`, among the calls of that long) that opens the breaker, once there
  /// are at least `min_calls` of them.
  double failure_rate = 0.5;
  int64_t min_calls = 5;
  int64_t window_calls = 20;
  std::chrono::nanoseconds window_time{0};
  /// "N failures in T" mode: with max_failures > 0, also opens when that many calls failed
  /// within `window_time` (which must then be set), whatever the rate.
  int64_t max_failures = 0;
  /// How long it stays open before probing.
  std::chrono::nanoseconds open_for = std::chrono::seconds(30);
  /// Calls let through while half-open; all must succeed to close it again.
  int64_t half_open_probes = 1;
  /// A probe still running after this long counts as failed (the breaker opens again and
  /// does not stay half-open behind a hung call).
  std::chrono::nanoseconds probe_timeout = std::chrono::seconds(10);

  /// Throws: ConfigError naming the bad field.
  void validate() const;
};

enum class BreakerState { kClosed, kOpen, kHalfOpen };
std::string_view to_string(BreakerState state);

struct BreakerTransition {
  std::chrono::system_clock::time_point at;
  BreakerState from = BreakerState::kClosed;
  BreakerState to = BreakerState::kClosed;
  std::string reason;  ///< "5 of 5 calls failed", "probe succeeded", "probe timed out"
};

struct BreakerStats {
  std::string resource;
  BreakerState state = BreakerState::kClosed;
  int64_t calls = 0;                           ///< let through (probes included)
  int64_t failures = 0;                        ///< of those, failed
  int64_t rejected = 0;                        ///< refused with CircuitOpenError
  std::vector<BreakerTransition> transitions;  ///< the latest 100
};

class CircuitBreaker {
 public:
  explicit CircuitBreaker(std::string resource, BreakerOptions options = {},
                          std::shared_ptr<const Clock> clock = real_clock());

  /// The right to make one call: report its outcome; one dropped unreported counts as
  /// failed.
  class Permit {
   public:
    Permit(Permit&& other) noexcept;
    Permit& operator=(Permit&&) = delete;
    Permit(const Permit&) = delete;
    ~Permit();
    void succeeded();
    void failed();
    /// Succeeded or failed by the error's category (see the top of this file).
    void finished_with(const std::exception_ptr& error);

   private:
    friend class CircuitBreaker;
    Permit(CircuitBreaker* breaker, uint64_t generation, bool probe,
           std::chrono::steady_clock::time_point start)
        : breaker_(breaker), generation_(generation), probe_(probe), start_(start) {}
    CircuitBreaker* breaker_;
    uint64_t generation_;
    bool probe_;
    std::chrono::steady_clock::time_point start_;
  };

  /// Throws: CircuitOpenError while open (and while half-open with every probe taken).
  Permit acquire();
  /// Runs `call` under a permit and records its outcome.
  template <class Call>
  decltype(auto) run(Call&& call) {
    Permit permit = acquire();
    try {
      if constexpr (std::is_void_v<decltype(call())>) {
        call();
        permit.succeeded();
      } else {
        decltype(auto) result = call();
        permit.succeeded();
        return result;
      }
    } catch (...) {
      permit.finished_with(std::current_exception());
      throw;
    }
  }

  const std::string& resource() const noexcept { return resource_; }
  BreakerState state() const;
  BreakerStats stats() const;
  /// Called (outside the breaker's lock) at each transition.
  void on_transition(std::function<void(const std::string&, const BreakerTransition&)> listener);

 private:
  void record(uint64_t generation, bool probe, bool failed);
  // Under mutex_:
  void transition(BreakerState to, std::string reason,
                  std::vector<std::pair<std::string, BreakerTransition>>& fired);
  void expire_hung_probes(std::vector<std::pair<std::string, BreakerTransition>>& fired);
  bool should_open(std::string& reason);
  void notify(const std::vector<std::pair<std::string, BreakerTransition>>& fired);

  std::string resource_;
  BreakerOptions options_;
  std::shared_ptr<const Clock> clock_;
  mutable std::mutex mutex_;
  BreakerState state_ = BreakerState::kClosed;
  uint64_t generation_ = 0;  // moves at each transition: late outcomes are not counted
  std::deque<std::pair<std::chrono::steady_clock::time_point, bool>> window_;  // (when, failed)
  std::chrono::steady_clock::time_point opened_at_{};
  std::vector<std::chrono::steady_clock::time_point> probes_out_;
  int64_t probes_succeeded_ = 0;
  BreakerStats stats_;
  std::function<void(const std::string&, const BreakerTransition&)> listener_;
};

/// The process's breakers, one per resource name, created on first use with the options
/// configured for the longest matching prefix.
class BreakerRegistry {
 public:
  static BreakerRegistry& global();
  /// Options for resources whose name starts with `prefix` ("" for all); breakers already
  /// made keep theirs. Throws: ConfigError for invalid options.
  void configure(std::string prefix, BreakerOptions options);
  std::shared_ptr<CircuitBreaker> get(const std::string& resource);
  std::vector<BreakerStats> stats() const;
  /// Called at every transition of every breaker (the monitor's events).
  void on_transition(std::function<void(const std::string&, const BreakerTransition&)> listener);
  /// Forgets every breaker and setting (tests).
  void reset();
  /// The clock new breakers use (tests: a ManualClock).
  void set_clock(std::shared_ptr<const Clock> clock);

 private:
  mutable std::mutex mutex_;
  std::map<std::string, BreakerOptions> options_;
  std::map<std::string, std::shared_ptr<CircuitBreaker>> breakers_;
  std::vector<std::function<void(const std::string&, const BreakerTransition&)>> listeners_;
  std::shared_ptr<const Clock> clock_ = real_clock();
};

}  // namespace setl
