// Circuit breakers through the public API, on a ManualClock: a fake endpoint failing 100 %
// is not reached again after min_calls; after open_for a probe goes through and its success
// closes the breaker; a hung probe does not keep it half-open; permanent errors do not
// count; the "N failures in T" mode; options are validated; the registry shares one
// breaker per resource.
#include "setl/core/circuit_breaker.h"

#include <memory>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace setl {
namespace {

using namespace std::chrono_literals;
using ::testing::HasSubstr;

// An endpoint that fails with a transient error while `down`, counting the calls that
// reach it.
struct FakeEndpoint {
  bool down = true;
  int reached = 0;
  int call() {
    ++reached;
    if (down) {
      throw TransientError("connection refused");
    }
    return 42;
  }
};

// Calls `endpoint` through `breaker`; true when the breaker refused the call.
bool refused(CircuitBreaker& breaker, FakeEndpoint& endpoint) {
  try {
    breaker.run([&] { return endpoint.call(); });
  } catch (const CircuitOpenError&) {
    return true;
  } catch (const TransientError&) {
  }
  return false;
}

TEST(CircuitBreaker, AnEndpointFailingEveryCallIsNotReachedAfterMinCallsUntilAProbeClosesIt) {
  auto clock = std::make_shared<ManualClock>();
  CircuitBreaker breaker("fake", {.min_calls = 5, .window_calls = 10, .open_for = 30s}, clock);
  FakeEndpoint endpoint;
  for (int i = 0; i < 5; ++i) {
    EXPECT_FALSE(refused(breaker, endpoint));
  }
  EXPECT_EQ(breaker.state(), BreakerState::kOpen);
  for (int i = 0; i < 50; ++i) {
    EXPECT_TRUE(refused(breaker, endpoint));
  }
  EXPECT_EQ(endpoint.reached, 5);
  try {
    breaker.acquire();
    FAIL() << "expected CircuitOpenError";
  } catch (const CircuitOpenError& error) {
    EXPECT_EQ(error.category(), ErrorCategory::kTransient);
    EXPECT_EQ(error.retry_after(), 30s);
    EXPECT_THAT(error.what(), HasSubstr("'fake'"));
  }

  clock->advance(30s);  // a probe goes through, fails: open again
  EXPECT_FALSE(refused(breaker, endpoint));
  EXPECT_EQ(endpoint.reached, 6);
  EXPECT_EQ(breaker.state(), BreakerState::kOpen);
  EXPECT_TRUE(refused(breaker, endpoint));

  endpoint.down = false;  // recovered: the next probe closes it
  clock->advance(30s);
  EXPECT_EQ(breaker.run([&] { return endpoint.call(); }), 42);
  EXPECT_EQ(breaker.state(), BreakerState::kClosed);
  EXPECT_EQ(breaker.run([&] { return endpoint.call(); }), 42);

  BreakerStats stats = breaker.stats();
  EXPECT_EQ(stats.calls, 8);
  EXPECT_EQ(stats.failures, 6);
  EXPECT_EQ(stats.rejected, 52);
  std::vector<std::pair<BreakerState, BreakerState>> moves;
  for (const BreakerTransition& change : stats.transitions) {
    moves.emplace_back(change.from, change.to);
  }
  using S = BreakerState;
  EXPECT_EQ(moves, (std::vector<std::pair<S, S>>{{S::kClosed, S::kOpen},
                                                 {S::kOpen, S::kHalfOpen},
                                                 {S::kHalfOpen, S::kOpen},
                                                 {S::kOpen, S::kHalfOpen},
                                                 {S::kHalfOpen, S::kClosed}}));
  EXPECT_THAT(stats.transitions.front().reason, HasSubstr("5 of 5 calls failed"));
}

TEST(CircuitBreaker, WhileHalfOpenOnlyTheProbesGoThroughAndAHungProbeTimesOut) {
  auto clock = std::make_shared<ManualClock>();
  CircuitBreaker breaker(
      "slow", {.min_calls = 1, .open_for = 10s, .half_open_probes = 1, .probe_timeout = 5s}, clock);
  FakeEndpoint endpoint;
  refused(breaker, endpoint);
  clock->advance(10s);
  CircuitBreaker::Permit probe = breaker.acquire();  // the probe hangs
  EXPECT_EQ(breaker.state(), BreakerState::kHalfOpen);
  EXPECT_THROW(breaker.acquire(), CircuitOpenError);  // only one probe at a time
  clock->advance(5s);
  EXPECT_THROW(breaker.acquire(), CircuitOpenError);  // the hung probe counts as failed
  EXPECT_EQ(breaker.state(), BreakerState::kOpen);
  probe.succeeded();  // too late: it does not close the breaker
  EXPECT_EQ(breaker.state(), BreakerState::kOpen);
  EXPECT_THAT(breaker.stats().transitions.back().reason, HasSubstr("took longer than"));
}

TEST(CircuitBreaker, PermanentErrorsSayNothingAboutTheEndpointsHealth) {
  CircuitBreaker breaker("db", {.min_calls = 2});
  for (int i = 0; i < 10; ++i) {
    EXPECT_THROW(breaker.run([]() -> int { throw PermanentError("syntax error"); }),
                 PermanentError);
  }
  EXPECT_EQ(breaker.state(), BreakerState::kClosed);
  EXPECT_EQ(breaker.stats().failures, 0);
}

TEST(CircuitBreaker, NFailuresInTOpensWhateverTheRate) {
  auto clock = std::make_shared<ManualClock>();
  CircuitBreaker breaker(
      "flappy", {.failure_rate = 1.0, .min_calls = 1000, .window_time = 60s, .max_failures = 3},
      clock);
  FakeEndpoint endpoint;
  endpoint.down = false;
  for (int i = 0; i < 20; ++i) {
    breaker.run([&] { return endpoint.call(); });
  }
  endpoint.down = true;
  refused(breaker, endpoint);
  clock->advance(61s);  // the first failure leaves the window
  refused(breaker, endpoint);
  refused(breaker, endpoint);
  EXPECT_EQ(breaker.state(), BreakerState::kClosed);
  refused(breaker, endpoint);
  EXPECT_EQ(breaker.state(), BreakerState::kOpen);
  EXPECT_THAT(breaker.stats().transitions.back().reason, HasSubstr("3 failures in the last"));
}

TEST(CircuitBreaker, InvalidOptionsAreRefused) {
  EXPECT_THROW(CircuitBreaker("x", {.failure_rate = 0}), ConfigError);
  EXPECT_THROW(CircuitBreaker("x", {.min_calls = 0}), ConfigError);
  EXPECT_THROW(CircuitBreaker("x", {.max_failures = 3}), ConfigError);  // needs window_time
  EXPECT_THROW(CircuitBreaker("x", {.open_for = 0s}), ConfigError);
  EXPECT_THROW(BreakerRegistry::global().configure("x", {.half_open_probes = 0}), ConfigError);
}

TEST(BreakerRegistry, OneBreakerPerResourceWithTheLongestPrefixsOptions) {
  BreakerRegistry registry;
  registry.configure("", {.min_calls = 50});
  registry.configure("postgres:", {.min_calls = 2});
  auto first = registry.get("postgres:db:5432/x");
  EXPECT_EQ(first, registry.get("postgres:db:5432/x"));
  std::vector<std::string> seen;
  registry.on_transition([&](const std::string& resource, const BreakerTransition& change) {
    seen.push_back(resource + " " + std::string(to_string(change.to)));
  });
  FakeEndpoint endpoint;
  refused(*first, endpoint);
  refused(*first, endpoint);
  EXPECT_EQ(first->state(), BreakerState::kOpen);
  EXPECT_THAT(seen, ::testing::ElementsAre("postgres:db:5432/x open"));
  auto other = registry.get("sqlite:/tmp/a.db");
  refused(*other, endpoint);
  refused(*other, endpoint);
  EXPECT_EQ(other->state(), BreakerState::kClosed);  // 50 calls before it judges
  EXPECT_EQ(registry.stats().size(), 2u);
}

TEST(CircuitBreaker, ConcurrentCallersShareOneBreaker) {
  CircuitBreaker breaker("shared", {.min_calls = 10, .window_calls = 10});
  std::vector<std::thread> threads;
  std::atomic<int> reached{0};
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 100; ++i) {
        try {
          breaker.run([&]() -> int {
            ++reached;
            throw TransientError("down");
          });
        } catch (const Error&) {
        }
      }
    });
  }
  for (std::thread& thread : threads) {
    thread.join();
  }
  // Permits taken before the breaker opened may still report: at most one per thread more.
  EXPECT_LE(reached.load(), 10 + 4);
  EXPECT_EQ(breaker.stats().rejected + breaker.stats().calls, 400);
}

}  // namespace
}  // namespace setl
