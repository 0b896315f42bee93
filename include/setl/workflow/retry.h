// Retries and timeouts for a factory's phases (read, process, write). One policy type,
// attachable to a pipeline, a stage, a factory, or one phase of any of them; the most
// specific one applies (factory phase, factory, stage phase, stage, pipeline phase,
// pipeline, then the default: read and write retry transient errors 3 times, process
// does not retry).
//
//   factory.retry(FactoryPhase::kRead, RetryPolicy{.max_attempts = 5,
//                                                  .backoff = Backoff::exponential(100ms),
//                                                  .jitter = Jitter::full()});
//   factory.timeout(FactoryPhase::kProcess, std::chrono::minutes(10));
//
// The delay before attempt n+1 (n = 1, 2, ... failed attempts so far) is
//   fixed: base;  linear: n * base;  exponential: base * factor^(n-1)
// capped at max_delay, then jittered: full → uniform in [0, d]; plus_minus(f) → uniform in
// [d(1-f), d(1+f)]. No retry starts after max_elapsed since the first attempt began.
#pragma once

#include <chrono>
#include <cstdint>
#include <exception>
#include <functional>
#include <optional>
#include <random>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "setl/core/cancellation.h"
#include "setl/core/clock.h"
#include "setl/core/error.h"

namespace setl::workflow {

enum class FactoryPhase { kRead, kProcess, kWrite };
/// "read", "process", "write".
std::string_view to_string(FactoryPhase phase);

struct Backoff {
  enum class Kind { kFixed, kLinear, kExponential };
  Kind kind = Kind::kExponential;
  std::chrono::nanoseconds base = std::chrono::milliseconds(100);
  double factor = 2.0;

  static Backoff fixed(std::chrono::nanoseconds delay) { return {Kind::kFixed, delay, 1.0}; }
  static Backoff linear(std::chrono::nanoseconds step) { return {Kind::kLinear, step, 1.0}; }
  static Backoff exponential(std::chrono::nanoseconds base, double factor = 2.0) {
    return {Kind::kExponential, base, factor};
  }
};

struct Jitter {
  enum class Kind { kNone, kFull, kPlusMinus };
  Kind kind = Kind::kNone;
  double fraction = 0;

  static Jitter none() { return {}; }
  /// Uniform in [0, delay]: spreads clients that failed together the most.
  static Jitter full() { return {Kind::kFull, 1.0}; }
  /// Uniform in [delay * (1 - fraction), delay * (1 + fraction)].
  static Jitter plus_minus(double fraction) { return {Kind::kPlusMinus, fraction}; }
};

/// One failed or successful try of a phase, as the run report keeps it.
struct Attempt {
  FactoryPhase phase = FactoryPhase::kRead;
  int number = 1;                       ///< 1 for the first try
  std::chrono::nanoseconds started{0};  ///< since the first attempt of the phase began
  std::chrono::nanoseconds duration{0};
  bool succeeded = false;
  ErrorCategory category = ErrorCategory::kPermanent;  ///< when it failed
  std::string message;                                 ///< when it failed
  std::vector<std::string> causes;                     ///< nested exceptions, outermost first
  /// How long the run waited before the next attempt (zero when there was none).
  std::chrono::nanoseconds delay{0};
  /// Refused by an open circuit breaker (setl/core/circuit_breaker.h): it did not count
  /// against max_attempts, and the wait was until the breaker lets a probe through.
  bool circuit_open = false;
};

struct RetryPolicy {
  /// Tries in all, the first included: 1 never retries.
  int max_attempts = 1;
  Backoff backoff{};
  std::chrono::nanoseconds max_delay = std::chrono::seconds(30);
  Jitter jitter{};
  /// No retry starts later than this after the first attempt began (zero: no limit).
  std::chrono::nanoseconds max_elapsed{0};
  /// The categories that are retried.
  std::set<ErrorCategory> retry_on = {ErrorCategory::kTransient, ErrorCategory::kTimeout};
  /// When set, decides instead of retry_on (it sees the failed attempt).
  std::function<bool(const Attempt& failed)> retry_if;

  /// Never retries.
  static RetryPolicy none() { return {}; }
  /// The default for read and write: 3 tries on transient errors and timeouts, exponential
  /// from 100 ms, capped at 5 s, with full jitter.
  static RetryPolicy transient();

  /// The delay before the next attempt after `failed` failed attempts, before jitter.
  std::chrono::nanoseconds delay_after(int failed) const;
  /// The same with the jitter applied, drawing from `random`.
  std::chrono::nanoseconds jittered_delay_after(int failed, std::mt19937_64& random) const;
  /// Whether `failed` (its number, category and elapsed time) gets another try.
  bool retries(const Attempt& failed, std::chrono::nanoseconds elapsed) const;
  /// Throws: ConfigError for max_attempts < 1, negative durations, a factor < 1 or a
  /// plus-minus fraction outside [0, 1].
  void validate() const;
};

/// Policies of one level (pipeline, stage or factory): for every phase, and per phase.
struct FailurePolicies {
  std::optional<RetryPolicy> retry;
  std::optional<RetryPolicy> retry_read, retry_process, retry_write;
  std::optional<std::chrono::nanoseconds> timeout;
  std::optional<std::chrono::nanoseconds> timeout_read, timeout_process, timeout_write;

  void set_retry(std::optional<FactoryPhase> phase, RetryPolicy policy);
  void set_timeout(std::optional<FactoryPhase> phase, std::chrono::nanoseconds limit);
  /// This level's policy for `phase` (its own, else its all-phase one), or null.
  const RetryPolicy* retry_for(FactoryPhase phase) const;
  std::optional<std::chrono::nanoseconds> timeout_for(FactoryPhase phase) const;
};

/// How the run waits between attempts: the real one sleeps (waking early when cancelled);
/// tests use one that advances a ManualClock.
class Sleeper {
 public:
  virtual ~Sleeper() = default;
  /// Waits `delay`, or until `token` is cancelled. Throws: CancelledError when cancelled.
  virtual void sleep_for(std::chrono::nanoseconds delay, const CancellationToken& token) = 0;
};
std::shared_ptr<Sleeper> real_sleeper();

/// The clock, sleeper and random source retries use (the run's; replaceable in tests).
/// A run-level limit on failed attempts, all factories together (Pipeline::
/// set_failure_budget): once `max_failures` attempts failed within `per` (the whole run when
/// zero), nothing more is retried, so a run whose dependency flaps fails instead of looping.
struct FailureBudget {
  int64_t max_failures = 0;  ///< 0: no budget
  std::chrono::nanoseconds per{0};
};

struct RetryEnvironment {
  std::shared_ptr<const Clock> clock = real_clock();
  std::shared_ptr<Sleeper> sleeper = real_sleeper();
  uint64_t seed = std::random_device{}();
};

using ::setl::category_of;  // of a thrown exception (setl/core/error.h)
/// The messages of an exception and those nested in it, outermost first.
std::vector<std::string> cause_chain(const std::exception_ptr& error);

}  // namespace setl::workflow
