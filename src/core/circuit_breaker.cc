#include "setl/core/circuit_breaker.h"

#include <algorithm>
#include <optional>

#include <fmt/format.h>

#include "endpoint_registry.h"
#include "setl/core/log.h"

namespace setl {
namespace {

using Fired = std::vector<std::pair<std::string, BreakerTransition>>;
constexpr size_t kKeptTransitions = 100;

std::string seconds(std::chrono::nanoseconds duration) {
  return fmt::format("{:.3f} s", std::chrono::duration<double>(duration).count());
}

bool counts_as_failure(const std::exception_ptr& error) {
  switch (category_of(error)) {
    case ErrorCategory::kTransient:
    case ErrorCategory::kTimeout:
    case ErrorCategory::kResource:
      return true;
    default:
      return false;
  }
}

}  // namespace

CircuitOpenError::CircuitOpenError(std::string resource, std::chrono::nanoseconds retry_after)
    : Error(ErrorKind::kExternal,
            "circuit breaker open for '" + resource + "': calls fail at once for " +
                seconds(retry_after) + " more, then a probe is let through",
            ErrorCategory::kTransient),
      resource_(std::move(resource)),
      retry_after_(retry_after) {}

void BreakerOptions::validate() const {
  auto fail = [](const std::string& what) { throw ConfigError("circuit breaker: " + what); };
  if (!(failure_rate > 0 && failure_rate <= 1)) {
    fail("failure_rate must be in (0, 1]");
  }
  if (min_calls < 1 || window_calls < 1 || half_open_probes < 1 || max_failures < 0) {
    fail("min_calls, window_calls and half_open_probes must be at least 1, max_failures >= 0");
  }
  if (max_failures > 0 && window_time <= std::chrono::nanoseconds(0)) {
    fail("max_failures needs window_time (N failures in T)");
  }
  if (open_for <= std::chrono::nanoseconds(0) || probe_timeout <= std::chrono::nanoseconds(0) ||
      window_time < std::chrono::nanoseconds(0)) {
    fail("open_for and probe_timeout must be positive, window_time not negative");
  }
}

std::string_view to_string(BreakerState state) {
  switch (state) {
    case BreakerState::kClosed:
      return "closed";
    case BreakerState::kOpen:
      return "open";
    case BreakerState::kHalfOpen:
      return "half-open";
  }
  return "?";
}

CircuitBreaker::CircuitBreaker(std::string resource, BreakerOptions options,
                               std::shared_ptr<const Clock> clock)
    : resource_(std::move(resource)), options_(options), clock_(std::move(clock)) {
  options_.validate();
  stats_.resource = resource_;
}

CircuitBreaker::Permit::Permit(Permit&& other) noexcept
    : breaker_(other.breaker_),
      generation_(other.generation_),
      probe_(other.probe_),
      start_(other.start_) {
  other.breaker_ = nullptr;
}

CircuitBreaker::Permit::~Permit() {
  if (breaker_ != nullptr) {
    failed();
  }
}

void CircuitBreaker::Permit::succeeded() {
  if (breaker_ != nullptr) {
    std::exchange(breaker_, nullptr)->record(generation_, probe_, false);
  }
}

void CircuitBreaker::Permit::failed() {
  if (breaker_ != nullptr) {
    std::exchange(breaker_, nullptr)->record(generation_, probe_, true);
  }
}

void CircuitBreaker::Permit::finished_with(const std::exception_ptr& error) {
  if (counts_as_failure(error)) {
    failed();
  } else {
    succeeded();
  }
}

CircuitBreaker::Permit CircuitBreaker::acquire() {
  Fired fired;
  std::unique_lock lock(mutex_);
  auto now = clock_->steady_now();
  expire_hung_probes(fired);
  if (state_ == BreakerState::kOpen && now - opened_at_ >= options_.open_for) {
    transition(BreakerState::kHalfOpen, "open for " + seconds(options_.open_for), fired);
  }
  std::optional<std::chrono::nanoseconds> refuse;
  bool probe = false;
  if (state_ == BreakerState::kOpen) {
    refuse = options_.open_for - (now - opened_at_);
  } else if (state_ == BreakerState::kHalfOpen) {
    if (static_cast<int64_t>(probes_out_.size()) + probes_succeeded_ >= options_.half_open_probes) {
      // Every probe is out: the earliest answer comes by the oldest probe's deadline.
      auto oldest = *std::min_element(probes_out_.begin(), probes_out_.end());
      refuse = std::max(std::chrono::nanoseconds(1), oldest + options_.probe_timeout - now);
    } else {
      probe = true;
      probes_out_.push_back(now);
    }
  }
  if (refuse) {
    ++stats_.rejected;
    lock.unlock();
    notify(fired);
    throw CircuitOpenError(resource_, *refuse);
  }
  ++stats_.calls;
  Permit permit(this, generation_, probe, now);
  lock.unlock();
  notify(fired);
  return permit;
}

void CircuitBreaker::record(uint64_t generation, bool probe, bool failed) {
  Fired fired;
  {
    std::lock_guard lock(mutex_);
    stats_.failures += failed ? 1 : 0;
    if (generation != generation_) {
      return;  // from before the latest transition (a probe that had timed out, say)
    }
    auto now = clock_->steady_now();
    if (probe && state_ == BreakerState::kHalfOpen) {
      if (!probes_out_.empty()) {
        probes_out_.erase(probes_out_.begin());
      }
      if (failed) {
        transition(BreakerState::kOpen, "a probe failed", fired);
      } else if (++probes_succeeded_ >= options_.half_open_probes) {
        transition(BreakerState::kClosed, std::to_string(probes_succeeded_) + " probe(s) succeeded",
                   fired);
      }
    } else if (state_ == BreakerState::kClosed) {
      window_.emplace_back(now, failed);
      std::string reason;
      if (should_open(reason)) {
        transition(BreakerState::kOpen, reason, fired);
      }
    }
  }
  notify(fired);
}

bool CircuitBreaker::should_open(std::string& reason) {
  auto now = clock_->steady_now();
  if (options_.window_time > std::chrono::nanoseconds(0)) {
    while (!window_.empty() && now - window_.front().first > options_.window_time) {
      window_.pop_front();
    }
  } else {
    while (static_cast<int64_t>(window_.size()) > options_.window_calls) {
      window_.pop_front();
    }
  }
  auto calls = static_cast<int64_t>(window_.size());
  auto failures = static_cast<int64_t>(
      std::count_if(window_.begin(), window_.end(), [](const auto& call) { return call.second; }));
  std::string window = options_.window_time > std::chrono::nanoseconds(0)
                           ? "in the last " + seconds(options_.window_time)
                           : "of the last " + std::to_string(calls) + " calls";
  if (options_.max_failures > 0 && failures >= options_.max_failures) {
    reason = std::to_string(failures) + " failures " + window;
    return true;
  }
  if (calls >= options_.min_calls &&
      static_cast<double>(failures) >= options_.failure_rate * static_cast<double>(calls)) {
    reason = std::to_string(failures) + " of " + std::to_string(calls) + " calls failed " + window;
    return true;
  }
  return false;
}

void CircuitBreaker::expire_hung_probes(Fired& fired) {
  if (state_ != BreakerState::kHalfOpen) {
    return;
  }
  auto now = clock_->steady_now();
  bool hung = std::any_of(probes_out_.begin(), probes_out_.end(),
                          [&](auto started) { return now - started >= options_.probe_timeout; });
  if (hung) {
    transition(BreakerState::kOpen,
               "a probe took longer than its timeout of " + seconds(options_.probe_timeout), fired);
  }
}

void CircuitBreaker::transition(BreakerState to, std::string reason, Fired& fired) {
  BreakerTransition change{clock_->system_now(), state_, to, std::move(reason)};
  state_ = to;
  ++generation_;
  probes_out_.clear();
  probes_succeeded_ = 0;
  window_.clear();
  if (to == BreakerState::kOpen) {
    opened_at_ = clock_->steady_now();
  }
  stats_.state = to;
  stats_.transitions.push_back(change);
  if (stats_.transitions.size() > kKeptTransitions) {
    stats_.transitions.erase(stats_.transitions.begin());
  }
  fired.emplace_back(resource_, std::move(change));
}

void CircuitBreaker::notify(const Fired& fired) {
  std::function<void(const std::string&, const BreakerTransition&)> listener;
  {
    std::lock_guard lock(mutex_);
    listener = listener_;
  }
  for (const auto& [resource, change] : fired) {
    log::warn("circuit breaker '{}': {} -> {} ({})", resource, to_string(change.from),
              to_string(change.to), change.reason);
    if (listener) {
      listener(resource, change);
    }
  }
}

BreakerState CircuitBreaker::state() const {
  std::lock_guard lock(mutex_);
  return state_;
}

BreakerStats CircuitBreaker::stats() const {
  std::lock_guard lock(mutex_);
  return stats_;
}

void CircuitBreaker::on_transition(
    std::function<void(const std::string&, const BreakerTransition&)> listener) {
  std::lock_guard lock(mutex_);
  listener_ = std::move(listener);
}

BreakerRegistry& BreakerRegistry::global() {
  static BreakerRegistry registry;
  return registry;
}

void BreakerRegistry::configure(std::string prefix, BreakerOptions options) {
  options.validate();
  std::lock_guard lock(mutex_);
  options_[std::move(prefix)] = options;
}

std::shared_ptr<CircuitBreaker> BreakerRegistry::get(const std::string& resource) {
  std::lock_guard lock(mutex_);
  auto found = breakers_.find(resource);
  if (found != breakers_.end()) {
    return found->second;
  }
  auto breaker = std::make_shared<CircuitBreaker>(
      resource, detail::options_for_prefix(options_, resource), clock_);
  breaker->on_transition([this](const std::string& name, const BreakerTransition& change) {
    std::vector<std::function<void(const std::string&, const BreakerTransition&)>> listeners;
    {
      std::lock_guard inner(mutex_);
      listeners = listeners_;
    }
    for (const auto& listener : listeners) {
      listener(name, change);
    }
  });
  breakers_.emplace(resource, breaker);
  return breaker;
}

std::vector<BreakerStats> BreakerRegistry::stats() const {
  return detail::gather_stats<BreakerStats>(mutex_, breakers_);
}

void BreakerRegistry::on_transition(
    std::function<void(const std::string&, const BreakerTransition&)> listener) {
  std::lock_guard lock(mutex_);
  listeners_.push_back(std::move(listener));
}

void BreakerRegistry::reset() {
  std::lock_guard lock(mutex_);
  breakers_.clear();
  options_.clear();
  listeners_.clear();
  clock_ = real_clock();
}

void BreakerRegistry::set_clock(std::shared_ptr<const Clock> clock) {
  std::lock_guard lock(mutex_);
  clock_ = std::move(clock);
}

}  // namespace setl
