// Runs one phase of a factory (read, process or write) under its retry policy and
// timeout: each attempt under a child of the factory's cancellation token that a timeout
// cancels, every failure recorded and reported before the wait, the last one rethrown.
#pragma once

#include <chrono>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include "setl/core/cancellation.h"
#include "setl/workflow/retry.h"

namespace setl::workflow::detail {

/// A run's FailureBudget as it is spent, shared by its factories. Thread-safe.
class FailureBudgetCounter {
 public:
  FailureBudgetCounter(FailureBudget budget, std::shared_ptr<const Clock> clock)
      : budget_(budget), clock_(std::move(clock)) {}
  /// Counts a failed attempt; false once the budget is spent (nothing more is retried).
  bool charge();
  std::string describe() const;

 private:
  FailureBudget budget_;
  std::shared_ptr<const Clock> clock_;
  std::mutex mutex_;
  std::deque<std::chrono::steady_clock::time_point> failures_;
  bool spent_ = false;
};

struct PhaseSettings {
  FactoryPhase phase = FactoryPhase::kRead;
  const RetryPolicy* policy = nullptr;  ///< null: one try
  std::optional<std::chrono::nanoseconds> timeout;
  FailureBudgetCounter* budget = nullptr;  ///< null: none
};

/// Runs `body` until it succeeds or the policy gives up. Appends every attempt to
/// `attempts` and calls `on_failure` for each failed one before any wait. A timed-out
/// attempt fails with TimeoutError; cancellation of `parent` is never retried. Rethrows
/// the last failure.
void run_phase(const PhaseSettings& settings, const RetryEnvironment& environment,
               std::mt19937_64& random, const CancellationToken& parent,
               const std::function<void()>& body,
               const std::function<void(const Attempt&)>& on_failure,
               std::vector<Attempt>& attempts);

/// The default policy of a phase: transient retries for read and write, none for process.
const RetryPolicy& default_retry_policy(FactoryPhase phase);

}  // namespace setl::workflow::detail
