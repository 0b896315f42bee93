#include "phase_runner.h"

#include <condition_variable>
#include <map>
#include <mutex>
#include <set>
#include <thread>

#include <fmt/format.h>

#include "setl/core/circuit_breaker.h"

namespace setl::workflow::detail {
namespace {

/// One thread that cancels tokens when their deadlines pass (real time: a timeout is about
/// the wall clock, whatever clock the retries use).
class Watchdog {
 public:
  static Watchdog& instance() {
    static Watchdog watchdog;
    return watchdog;
  }
  ~Watchdog() {
    {
      std::lock_guard lock(mutex_);
      stopping_ = true;
    }
    wake_.notify_all();
    if (thread_.joinable()) {
      thread_.join();
    }
  }
  Watchdog(const Watchdog&) = delete;
  Watchdog& operator=(const Watchdog&) = delete;

  uint64_t arm(std::chrono::steady_clock::time_point when, CancellationToken token,
               std::string reason) {
    std::lock_guard lock(mutex_);
    if (!thread_.joinable()) {
      thread_ = std::thread([this] { loop(); });
    }
    uint64_t id = ++next_id_;
    entries_.emplace(id, Entry{when, std::move(token), std::move(reason)});
    wake_.notify_all();
    return id;
  }
  /// Stops watching; true when the deadline had already fired.
  bool disarm(uint64_t id) {
    std::lock_guard lock(mutex_);
    if (fired_.erase(id) > 0) {
      return true;
    }
    entries_.erase(id);
    return false;
  }

 private:
  struct Entry {
    std::chrono::steady_clock::time_point when;
    CancellationToken token;
    std::string reason;
  };
  Watchdog() = default;

  void loop() {
    std::unique_lock lock(mutex_);
    while (!stopping_) {
      auto now = std::chrono::steady_clock::now();
      auto next = std::chrono::steady_clock::time_point::max();
      for (auto it = entries_.begin(); it != entries_.end();) {
        if (it->second.when <= now) {
          it->second.token.cancel(it->second.reason);
          fired_.insert(it->first);
          it = entries_.erase(it);
        } else {
          next = std::min(next, it->second.when);
          ++it;
        }
      }
      if (next == std::chrono::steady_clock::time_point::max()) {
        wake_.wait(lock);
      } else {
        wake_.wait_until(lock, next);
      }
    }
  }

  std::mutex mutex_;
  std::condition_variable wake_;
  std::map<uint64_t, Entry> entries_;
  std::set<uint64_t> fired_;
  uint64_t next_id_ = 0;
  bool stopping_ = false;
  std::thread thread_;
};

std::string format_duration(std::chrono::nanoseconds duration) {
  double seconds = std::chrono::duration<double>(duration).count();
  return seconds < 1 ? fmt::format("{:.0f} ms", seconds * 1000) : fmt::format("{:.3g} s", seconds);
}

// How long until the open breaker that refused the call lets a probe through, if that
// is what `failure` is (also nested in a FactoryError).
std::optional<std::chrono::nanoseconds> open_breaker_wait(const std::exception_ptr& failure) {
  try {
    std::rethrow_exception(failure);
  } catch (const CircuitOpenError& open) {
    return open.retry_after();
  } catch (const FactoryError& wrapper) {
    try {
      std::rethrow_if_nested(wrapper);
    } catch (...) {
      return open_breaker_wait(std::current_exception());
    }
  } catch (...) {
  }
  return std::nullopt;
}

// The same failure with one more line of context (a setl::Error), or as it is.
std::exception_ptr with_context(const std::exception_ptr& failure, const std::string& context) {
  try {
    std::rethrow_exception(failure);
  } catch (Error& error) {
    error.add_context(context);
    return std::current_exception();
  } catch (...) {
    return failure;
  }
}

}  // namespace

bool FailureBudgetCounter::charge() {
  if (budget_.max_failures <= 0) {
    return true;
  }
  std::lock_guard lock(mutex_);
  auto now = clock_->steady_now();
  failures_.push_back(now);
  while (budget_.per.count() > 0 && now - failures_.front() > budget_.per) {
    failures_.pop_front();
  }
  spent_ = spent_ || static_cast<int64_t>(failures_.size()) > budget_.max_failures;
  return !spent_;
}

std::string FailureBudgetCounter::describe() const {
  return fmt::format(
      "the run's failure budget ({} failed attempts{}) is spent: nothing more is "
      "retried",
      budget_.max_failures, budget_.per.count() > 0 ? " per " + format_duration(budget_.per) : "");
}

const RetryPolicy& default_retry_policy(FactoryPhase phase) {
  static const RetryPolicy transient = RetryPolicy::transient();
  static const RetryPolicy none = RetryPolicy::none();
  return phase == FactoryPhase::kProcess ? none : transient;
}

void run_phase(const PhaseSettings& settings, const RetryEnvironment& environment,
               std::mt19937_64& random, const CancellationToken& parent,
               const std::function<void()>& body,
               const std::function<void(const Attempt&)>& on_failure,
               std::vector<Attempt>& attempts) {
  const Clock& clock = *environment.clock;
  auto first = clock.steady_now();
  for (int number = 1;; ++number) {
    Attempt attempt{.phase = settings.phase, .number = number};
    auto start = clock.steady_now();
    attempt.started = start - first;
    CancellationToken token = CancellationToken::child_of(parent);
    std::optional<uint64_t> armed;
    if (settings.timeout) {
      armed = Watchdog::instance().arm(
          std::chrono::steady_clock::now() + *settings.timeout, token,
          fmt::format("{}() took longer than its timeout of {}", to_string(settings.phase),
                      format_duration(*settings.timeout)));
    }
    std::exception_ptr failure;
    try {
      CancellationScope scope(token);
      body();
    } catch (...) {
      failure = std::current_exception();
    }
    bool timed_out = armed && Watchdog::instance().disarm(*armed);
    attempt.duration = clock.steady_now() - start;
    if (!failure) {
      attempt.succeeded = true;
      attempts.push_back(attempt);
      return;
    }
    if (timed_out && !parent.cancelled()) {
      failure = std::make_exception_ptr(TimeoutError(token.reason()));
    }
    attempt.category = category_of(failure);
    attempt.causes = cause_chain(failure);
    attempt.message = attempt.causes.empty() ? "unknown error" : attempt.causes.front();
    bool again = false;
    std::optional<std::chrono::nanoseconds> breaker_wait = open_breaker_wait(failure);
    if (breaker_wait && settings.policy != nullptr && !parent.cancelled()) {
      // The call never reached the resource: wait for the breaker, keep the attempt.
      Attempt refused = attempt;
      refused.number = 1;
      attempt.circuit_open = true;
      attempt.delay = *breaker_wait;
      again = settings.policy->retries(refused, clock.steady_now() - first + attempt.delay);
      if (again) {
        attempts.push_back(attempt);
        on_failure(attempt);
        environment.sleeper->sleep_for(attempt.delay, parent);
        --number;
        continue;
      }
      attempt.delay = std::chrono::nanoseconds(0);
    } else if (settings.policy != nullptr && !parent.cancelled()) {
      attempt.delay = settings.policy->jittered_delay_after(number, random);
      again = settings.policy->retries(attempt, clock.steady_now() - first + attempt.delay);
      if (!again) {
        attempt.delay = std::chrono::nanoseconds(0);
      }
    }
    if (settings.budget != nullptr && !settings.budget->charge() && again) {
      again = false;
      attempt.delay = std::chrono::nanoseconds(0);
      failure = with_context(failure, settings.budget->describe());
    }
    attempts.push_back(attempt);
    on_failure(attempt);
    if (!again) {
      std::rethrow_exception(failure);
    }
    environment.sleeper->sleep_for(attempt.delay, parent);
  }
}

}  // namespace setl::workflow::detail
