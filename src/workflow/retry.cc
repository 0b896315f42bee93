#include "setl/workflow/retry.h"

#include <algorithm>
#include <cmath>
#include <new>
#include <stdexcept>
#include <system_error>
#include <thread>

namespace setl::workflow {

std::string_view to_string(FactoryPhase phase) {
  switch (phase) {
    case FactoryPhase::kRead:
      return "read";
    case FactoryPhase::kProcess:
      return "process";
    case FactoryPhase::kWrite:
      return "write";
  }
  return "unknown";
}

RetryPolicy RetryPolicy::transient() {
  return RetryPolicy{.max_attempts = 3,
                     .backoff = Backoff::exponential(std::chrono::milliseconds(100)),
                     .max_delay = std::chrono::seconds(5),
                     .jitter = Jitter::full()};
}

std::chrono::nanoseconds RetryPolicy::delay_after(int failed) const {
  double base = static_cast<double>(backoff.base.count());
  double delay = base;
  int n = std::max(1, failed);
  switch (backoff.kind) {
    case Backoff::Kind::kFixed:
      break;
    case Backoff::Kind::kLinear:
      delay = base * n;
      break;
    case Backoff::Kind::kExponential:
      delay = base * std::pow(backoff.factor, n - 1);
      break;
  }
  double cap = static_cast<double>(max_delay.count());
  if (!(delay < cap)) {  // also catches an overflow to infinity
    delay = cap;
  }
  return std::chrono::nanoseconds(static_cast<int64_t>(delay));
}

std::chrono::nanoseconds RetryPolicy::jittered_delay_after(int failed,
                                                           std::mt19937_64& random) const {
  double delay = static_cast<double>(delay_after(failed).count());
  std::uniform_real_distribution<double> unit(0.0, 1.0);
  switch (jitter.kind) {
    case Jitter::Kind::kNone:
      break;
    case Jitter::Kind::kFull:
      delay *= unit(random);
      break;
    case Jitter::Kind::kPlusMinus:
      delay *= 1.0 - jitter.fraction + 2.0 * jitter.fraction * unit(random);
      break;
  }
  return std::chrono::nanoseconds(static_cast<int64_t>(delay));
}

bool RetryPolicy::retries(const Attempt& failed, std::chrono::nanoseconds elapsed) const {
  if (failed.number >= max_attempts || failed.category == ErrorCategory::kCancelled) {
    return false;
  }
  if (max_elapsed.count() > 0 && elapsed >= max_elapsed) {
    return false;
  }
  return retry_if ? retry_if(failed) : retry_on.contains(failed.category);
}

void RetryPolicy::validate() const {
  if (max_attempts < 1) {
    throw ConfigError("retry policy: max_attempts must be at least 1, got " +
                      std::to_string(max_attempts));
  }
  if (backoff.base.count() < 0 || max_delay.count() < 0 || max_elapsed.count() < 0) {
    throw ConfigError("retry policy: delays must not be negative");
  }
  if (!(backoff.factor >= 1.0) || !std::isfinite(backoff.factor)) {
    throw ConfigError("retry policy: the backoff factor must be a number >= 1");
  }
  if (jitter.kind == Jitter::Kind::kPlusMinus && !(jitter.fraction >= 0 && jitter.fraction <= 1)) {
    throw ConfigError("retry policy: a plus-minus jitter fraction must be in [0, 1]");
  }
}

void FailurePolicies::set_retry(std::optional<FactoryPhase> phase, RetryPolicy policy) {
  policy.validate();
  std::optional<RetryPolicy>& slot = !phase                             ? retry
                                     : *phase == FactoryPhase::kRead    ? retry_read
                                     : *phase == FactoryPhase::kProcess ? retry_process
                                                                        : retry_write;
  slot = std::move(policy);
}

void FailurePolicies::set_timeout(std::optional<FactoryPhase> phase,
                                  std::chrono::nanoseconds limit) {
  if (limit.count() <= 0) {
    throw ConfigError("a timeout must be positive");
  }
  std::optional<std::chrono::nanoseconds>& slot = !phase                          ? timeout
                                                  : *phase == FactoryPhase::kRead ? timeout_read
                                                  : *phase == FactoryPhase::kProcess
                                                      ? timeout_process
                                                      : timeout_write;
  slot = limit;
}

const RetryPolicy* FailurePolicies::retry_for(FactoryPhase phase) const {
  const std::optional<RetryPolicy>& own = phase == FactoryPhase::kRead      ? retry_read
                                          : phase == FactoryPhase::kProcess ? retry_process
                                                                            : retry_write;
  if (own) {
    return &*own;
  }
  return retry ? &*retry : nullptr;
}

std::optional<std::chrono::nanoseconds> FailurePolicies::timeout_for(FactoryPhase phase) const {
  const std::optional<std::chrono::nanoseconds>& own = phase == FactoryPhase::kRead ? timeout_read
                                                       : phase == FactoryPhase::kProcess
                                                           ? timeout_process
                                                           : timeout_write;
  return own ? own : timeout;
}

namespace {

class RealSleeper : public Sleeper {
 public:
  void sleep_for(std::chrono::nanoseconds delay, const CancellationToken& token) override {
    // Short slices: a cancelled run stops waiting within one of them.
    auto until = std::chrono::steady_clock::now() + delay;
    while (true) {
      token.check();
      auto now = std::chrono::steady_clock::now();
      if (now >= until) {
        return;
      }
      std::this_thread::sleep_for(
          std::min<std::chrono::nanoseconds>(until - now, std::chrono::milliseconds(10)));
    }
  }
};

}  // namespace

std::shared_ptr<Sleeper> real_sleeper() {
  static const std::shared_ptr<Sleeper> sleeper = std::make_shared<RealSleeper>();
  return sleeper;
}

std::vector<std::string> cause_chain(const std::exception_ptr& error) {
  std::vector<std::string> chain;
  std::exception_ptr current = error;
  while (current && chain.size() < 32) {
    try {
      std::rethrow_exception(current);
    } catch (const std::exception& failure) {
      chain.emplace_back(failure.what());
      current = nullptr;
      try {
        std::rethrow_if_nested(failure);
      } catch (...) {
        current = std::current_exception();
      }
    } catch (...) {
      chain.emplace_back("an exception not derived from std::exception");
      current = nullptr;
    }
  }
  return chain;
}

}  // namespace setl::workflow
