// Circuit breakers and the failure budget inside runs, through the public API: a refusal
// by an open breaker does not use up a retry attempt (the retry waits until the breaker
// lets a probe through, and the probe's success finishes the factory); factories share the
// breaker of their endpoint; a run whose dependency keeps failing stops retrying once its
// failure budget is spent.
#include <atomic>
#include <memory>
#include <string>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "retry_fixture.h"
#include "setl/core/circuit_breaker.h"

namespace setl::workflow {
namespace {

using namespace std::chrono_literals;
using ::testing::HasSubstr;

// An endpoint behind a breaker: down for its first `failures` calls.
struct Endpoint {
  std::shared_ptr<CircuitBreaker> breaker;
  int failures = 0;
  std::atomic<int> reached{0};
  int call() {
    return breaker->run([&] {
      if (++reached <= failures) {
        throw TransientError("connection refused");
      }
      return 7;
    });
  }
};

class Reader : public Factory<int> {
 public:
  Reader(std::string name, Endpoint& endpoint) : endpoint_(endpoint) { set_name(std::move(name)); }
  void read() override { value_ = endpoint_.call(); }
  int process() override { return value_; }

 private:
  Endpoint& endpoint_;
  int value_ = 0;
};

TEST(BreakerInRuns, AnOpenBreakerMakesTheRetryWaitWithoutUsingAnAttempt) {
  Harness harness;
  Endpoint endpoint{std::make_shared<CircuitBreaker>(
                        "db", BreakerOptions{.min_calls = 2, .open_for = 30s}, harness.clock),
                    2};
  auto& reader = harness.pipeline.add_factory<Reader>("Reader", endpoint);
  reader.retry(FactoryPhase::kRead, {.max_attempts = 3, .backoff = Backoff::fixed(1s)});
  RunResult result = harness.pipeline.run();
  EXPECT_EQ(result.output<int>("Reader"), 7);
  EXPECT_EQ(endpoint.reached, 3);  // two failures, then the probe
  std::vector<Attempt> attempts;
  for (const Attempt& attempt : result.factory("Reader").attempts) {
    if (attempt.phase == FactoryPhase::kRead) {
      attempts.push_back(attempt);
    }
  }
  ASSERT_EQ(attempts.size(), 4u);
  EXPECT_EQ(attempts[0].number, 1);
  EXPECT_EQ(attempts[1].number, 2);
  EXPECT_TRUE(attempts[2].circuit_open);  // refused at once: no call, no attempt used
  EXPECT_EQ(attempts[2].number, 3);
  EXPECT_EQ(attempts[2].delay, 30s - 1s);  // until the breaker lets a probe through
  EXPECT_EQ(attempts[3].number, 3);
  EXPECT_TRUE(attempts[3].succeeded);
  EXPECT_EQ(endpoint.breaker->state(), BreakerState::kClosed);
}

TEST(BreakerInRuns, FactoriesShareTheBreakerOfTheirEndpoint) {
  Harness harness;
  Endpoint endpoint{std::make_shared<CircuitBreaker>(
                        "db", BreakerOptions{.min_calls = 2, .open_for = 30s}, harness.clock),
                    1000};
  for (const char* name : {"A", "B", "C", "D"}) {
    harness.pipeline.add_factory<Reader>(name, endpoint)
        .retry(FactoryPhase::kRead, RetryPolicy::none());
  }
  harness.pipeline.set_failure_mode(Pipeline::FailureMode::kKeepGoing);
  EXPECT_THROW(harness.pipeline.run(), Error);
  EXPECT_EQ(endpoint.reached, 2);  // C and D were refused without reaching it
  EXPECT_THAT(harness.pipeline.last_run().factory("D").error, HasSubstr("circuit breaker open"));
}

TEST(FailureBudget, ARunWhoseDependencyKeepsFailingStopsRetrying) {
  Harness harness;
  Endpoint first{std::make_shared<CircuitBreaker>("a", BreakerOptions{.min_calls = 1000}), 1000};
  Endpoint second{std::make_shared<CircuitBreaker>("b", BreakerOptions{.min_calls = 1000}), 1000};
  harness.pipeline.add_factory<Reader>("First", first);
  harness.pipeline.add_factory<Reader>("Second", second);
  harness.pipeline.retry(FactoryPhase::kRead, {.max_attempts = 100, .backoff = Backoff::fixed(1s)});
  harness.pipeline.set_failure_budget({.max_failures = 5, .per = 1min});
  harness.pipeline.set_failure_mode(Pipeline::FailureMode::kKeepGoing);
  try {
    harness.pipeline.run();
    FAIL() << "expected the run to fail";
  } catch (const TransientError& error) {
    EXPECT_THAT(error.what(), HasSubstr("failure budget (5 failed attempts per 60 s"));
  }
  EXPECT_LE(first.reached + second.reached, 7);  // 6 charged, then each factory stops
  EXPECT_THROW(harness.pipeline.set_failure_budget({.max_failures = -1}), ConfigError);
}

}  // namespace
}  // namespace setl::workflow
