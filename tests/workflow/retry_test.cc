// Retries and timeouts through the public API: the delay formulas with a seeded random
// source, which policy applies where, error categories, every attempt in the run report
// and as an event before the wait, permanent errors and cancellation never retried, and
// a timed-out phase stopped through its cancellation token. Waits use a ManualClock.
#include "setl/workflow/retry.h"

#include <atomic>
#include <chrono>
#include <memory>
#include <new>
#include <system_error>
#include <thread>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "retry_fixture.h"
#include "setl/core/job_group.h"
#include "setl/workflow/pipeline.h"

namespace setl::workflow {
namespace {

using std::chrono::milliseconds;
using std::chrono::nanoseconds;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

/// Fails its read `failures` times with `make_error`, then reads; counts every phase call.
class Flaky : public Factory<int> {
 public:
  Flaky(int failures, std::function<void()> fail) : failures_(failures), fail_(std::move(fail)) {
    set_name("Flaky");
  }
  void read() override {
    ++reads;
    if (reads <= failures_) {
      fail_();
    }
  }
  int process() override {
    ++processes;
    return 42;
  }
  std::atomic<int> reads{0};
  std::atomic<int> processes{0};

 private:
  int failures_;
  std::function<void()> fail_;
};

TEST(RetryPolicy, DelaysFollowTheDocumentedFormulasAndTheCap) {
  RetryPolicy fixed{.backoff = Backoff::fixed(milliseconds(200))};
  EXPECT_EQ(fixed.delay_after(1), milliseconds(200));
  EXPECT_EQ(fixed.delay_after(5), milliseconds(200));
  RetryPolicy linear{.backoff = Backoff::linear(milliseconds(100))};
  EXPECT_EQ(linear.delay_after(1), milliseconds(100));
  EXPECT_EQ(linear.delay_after(3), milliseconds(300));
  RetryPolicy exponential{.backoff = Backoff::exponential(milliseconds(100), 3.0),
                          .max_delay = milliseconds(2000)};
  EXPECT_EQ(exponential.delay_after(1), milliseconds(100));
  EXPECT_EQ(exponential.delay_after(2), milliseconds(300));
  EXPECT_EQ(exponential.delay_after(3), milliseconds(900));
  EXPECT_EQ(exponential.delay_after(4), milliseconds(2000));     // capped
  EXPECT_EQ(exponential.delay_after(5000), milliseconds(2000));  // no overflow past the cap
}

TEST(RetryPolicy, JitterStaysInItsRangeAndRepeatsForASeed) {
  RetryPolicy full{.backoff = Backoff::fixed(milliseconds(1000)), .jitter = Jitter::full()};
  RetryPolicy spread{.backoff = Backoff::fixed(milliseconds(1000)),
                     .jitter = Jitter::plus_minus(0.25)};
  std::mt19937_64 random(11);
  std::mt19937_64 again(11);
  bool varied = false;
  for (int i = 0; i < 200; ++i) {
    nanoseconds a = full.jittered_delay_after(1, random);
    EXPECT_GE(a, nanoseconds(0));
    EXPECT_LE(a, milliseconds(1000));
    EXPECT_EQ(a, full.jittered_delay_after(1, again));
    nanoseconds b = spread.jittered_delay_after(1, random);
    EXPECT_GE(b, milliseconds(750));
    EXPECT_LE(b, milliseconds(1250));
    EXPECT_EQ(b, spread.jittered_delay_after(1, again));
    varied = varied || b != milliseconds(1000);
  }
  EXPECT_TRUE(varied);
}

TEST(RetryPolicy, InvalidPoliciesAreConfigErrors) {
  Flaky factory(0, [] {});
  EXPECT_THROW(factory.retry(RetryPolicy{.max_attempts = 0}), ConfigError);
  EXPECT_THROW(factory.retry(RetryPolicy{.backoff = Backoff::exponential(milliseconds(1), 0.5)}),
               ConfigError);
  EXPECT_THROW(factory.retry(RetryPolicy{.jitter = Jitter::plus_minus(2)}), ConfigError);
  EXPECT_THROW(factory.timeout(nanoseconds(0)), ConfigError);
}

TEST(ErrorCategories, ComeFromTheErrorTheConnectorOrTheStandardLibrary) {
  auto category = [](auto error) { return category_of(std::make_exception_ptr(error)); };
  EXPECT_EQ(category(TransientError("flaky")), ErrorCategory::kTransient);
  EXPECT_EQ(category(PermanentError("no")), ErrorCategory::kPermanent);
  EXPECT_EQ(category(TimeoutError("slow")), ErrorCategory::kTimeout);
  EXPECT_EQ(category(ConfigError("bad key")), ErrorCategory::kPermanent);
  EXPECT_EQ(category(InternalError("broken")), ErrorCategory::kBug);
  EXPECT_EQ(category(CancelledError("stop")), ErrorCategory::kCancelled);
  EXPECT_EQ(category(std::bad_alloc()), ErrorCategory::kResource);
  EXPECT_EQ(category(std::logic_error("bug")), ErrorCategory::kBug);
  EXPECT_EQ(category(std::system_error(ECONNREFUSED, std::generic_category())),
            ErrorCategory::kTransient);
  EXPECT_EQ(category(std::runtime_error("?")), ErrorCategory::kPermanent);
  EXPECT_EQ(category_of_errno(EAGAIN), ErrorCategory::kTransient);
  EXPECT_EQ(category_of_errno(ETIMEDOUT), ErrorCategory::kTimeout);
  EXPECT_EQ(category_of_errno(ENOSPC), ErrorCategory::kResource);
  EXPECT_EQ(category_of_errno(ENOENT), ErrorCategory::kPermanent);
  // User code's exception is wrapped in a FactoryError; its category is the wrapped one.
  try {
    try {
      throw std::system_error(ECONNRESET, std::generic_category(), "socket");
    } catch (...) {
      std::throw_with_nested(FactoryError("factory 'X' failed"));
    }
  } catch (...) {
    EXPECT_EQ(category_of(std::current_exception()), ErrorCategory::kTransient);
    EXPECT_THAT(cause_chain(std::current_exception()),
                ElementsAre("factory 'X' failed", HasSubstr("socket")));
  }
}

TEST(Retries, ATransientReadIsRetriedAndEveryAttemptIsReportedBeforeItsWait) {
  Harness h;
  h.sleeper->sink = std::make_shared<MemoryEventSink>();
  add_job_event_sink(h.sleeper->sink);
  Flaky& flaky = h.pipeline.add_factory<Flaky>(2, [] { throw TransientError("connection reset"); });
  flaky.retry(FactoryPhase::kRead,
              RetryPolicy{.max_attempts = 4, .backoff = Backoff::exponential(milliseconds(100))});
  RunResult result = h.pipeline.run();
  remove_job_event_sink(h.sleeper->sink);
  EXPECT_TRUE(result.ok());
  EXPECT_EQ(result.output<int>("Flaky"), 42);
  EXPECT_EQ(flaky.reads, 3);
  EXPECT_THAT(h.sleeper->delays, ElementsAre(milliseconds(100), milliseconds(200)));
  // The event of failure k was sent before wait k began.
  EXPECT_THAT(h.sleeper->events_before_wait, ElementsAre(1U, 2U));
  const std::vector<Attempt>& attempts = result.factory("Flaky").attempts;
  ASSERT_EQ(attempts.size(), 5U);  // read x3, process, write
  EXPECT_EQ(attempts[0].phase, FactoryPhase::kRead);
  EXPECT_FALSE(attempts[0].succeeded);
  EXPECT_EQ(attempts[0].category, ErrorCategory::kTransient);
  EXPECT_THAT(attempts[0].message, HasSubstr("connection reset"));
  EXPECT_EQ(attempts[0].delay, milliseconds(100));
  EXPECT_EQ(attempts[1].number, 2);
  EXPECT_EQ(attempts[1].started, milliseconds(100));  // on the manual clock
  EXPECT_TRUE(attempts[2].succeeded);
  EXPECT_EQ(attempts[3].phase, FactoryPhase::kProcess);
}

TEST(Retries, PermanentErrorsAndExhaustedAttemptsFailWithEveryAttemptKept) {
  Harness permanent;
  Flaky& once = permanent.pipeline.add_factory<Flaky>(5, [] { throw PermanentError("no table"); });
  once.retry(RetryPolicy{.max_attempts = 5});
  EXPECT_THROW(permanent.pipeline.run(), PermanentError);
  EXPECT_EQ(once.reads, 1);
  EXPECT_TRUE(permanent.sleeper->delays.empty());
  ASSERT_EQ(permanent.pipeline.last_run().factory("Flaky").attempts.size(), 1U);

  Harness exhausted;
  Flaky& always = exhausted.pipeline.add_factory<Flaky>(9, [] { throw TransientError("down"); });
  always.retry(FactoryPhase::kRead,
               RetryPolicy{.max_attempts = 3, .backoff = Backoff::fixed(milliseconds(10))});
  try {
    exhausted.pipeline.run();
    FAIL() << "expected the run to fail";
  } catch (const TransientError& error) {
    EXPECT_THAT(error.what(), HasSubstr("down"));
    EXPECT_THAT(error.what(), HasSubstr("during read()"));
  }
  EXPECT_EQ(always.reads, 3);
  const FactoryOutcome& outcome = exhausted.pipeline.last_run().factory("Flaky");
  EXPECT_EQ(outcome.status, FactoryOutcome::Status::kFailed);
  ASSERT_EQ(outcome.attempts.size(), 3U);
  EXPECT_EQ(outcome.attempts[2].delay, nanoseconds(0));  // no wait after the last
}

TEST(Retries, TheMostSpecificPolicyApplies) {
  Harness h;
  h.pipeline.retry(RetryPolicy{.max_attempts = 2, .backoff = Backoff::fixed(milliseconds(1))});
  Stage& stage = h.pipeline.add_stage();
  Flaky& by_pipeline = stage.add_factory<Flaky>(1, [] { throw TransientError("a"); });
  by_pipeline.set_name("ByPipeline");
  Stage& strict = h.pipeline.add_stage();
  strict.retry(FactoryPhase::kRead, RetryPolicy::none());
  Flaky& by_factory = strict.add_factory<Flaky>(2, [] { throw TransientError("b"); });
  by_factory.set_name("ByFactory");
  by_factory.retry(FactoryPhase::kRead,
                   RetryPolicy{.max_attempts = 3, .backoff = Backoff::fixed(milliseconds(1))});
  Flaky& by_stage = strict.add_factory<Flaky>(1, [] { throw TransientError("c"); });
  by_stage.set_name("ByStage");
  EXPECT_THROW(h.pipeline.run(), TransientError);
  EXPECT_EQ(by_pipeline.reads, 2);  // the pipeline's 2 attempts
  EXPECT_EQ(by_factory.reads, 3);   // its own read policy beats the stage's
  EXPECT_EQ(by_stage.reads, 1);     // the stage's "none" beats the pipeline's
}

TEST(Retries, ProcessIsNotRetriedByDefaultAndMaxElapsedEndsRetries) {
  Harness h;
  class FailingProcess : public Factory<int> {
   public:
    int process() override {
      ++calls;
      throw TransientError("flaky computation");
    }
    int calls = 0;
  };
  FailingProcess& failing = h.pipeline.add_factory<FailingProcess>();
  EXPECT_THROW(h.pipeline.run(), TransientError);
  EXPECT_EQ(failing.calls, 1);

  Harness limited;
  Flaky& flaky = limited.pipeline.add_factory<Flaky>(100, [] { throw TransientError("down"); });
  flaky.retry(FactoryPhase::kRead, RetryPolicy{.max_attempts = 100,
                                               .backoff = Backoff::fixed(milliseconds(300)),
                                               .max_elapsed = milliseconds(1000)});
  EXPECT_THROW(limited.pipeline.run(), TransientError);
  EXPECT_EQ(flaky.reads, 4);  // waits end at 300, 600, 900 ms; a fourth would end at 1200
}

TEST(Timeouts, ATimedOutPhaseStopsThroughItsTokenAndIsRetried) {
  class Slow : public Factory<int> {
   public:
    int process() override {
      ++calls;
      if (calls == 1) {  // runs until cancelled, as engine operators do between morsels
        while (true) {
          current_cancellation().check();
          std::this_thread::sleep_for(milliseconds(1));
        }
      }
      return 1;
    }
    std::atomic<int> calls{0};
  };
  Pipeline pipeline("timeouts");
  Slow& slow = pipeline.add_factory<Slow>();
  slow.timeout(FactoryPhase::kProcess, milliseconds(50));
  slow.retry(FactoryPhase::kProcess,
             RetryPolicy{.max_attempts = 2, .backoff = Backoff::fixed(nanoseconds(0))});
  RunResult result = pipeline.run();
  EXPECT_EQ(slow.calls, 2);
  const std::vector<Attempt>& attempts = result.factory("Slow").attempts;
  ASSERT_GE(attempts.size(), 3U);
  EXPECT_EQ(attempts[1].phase, FactoryPhase::kProcess);
  EXPECT_EQ(attempts[1].category, ErrorCategory::kTimeout);
  EXPECT_THAT(attempts[1].message, HasSubstr("process() took longer than its timeout of 50 ms"));
  // The bound: it stopped soon after its deadline (generous for loaded CI machines).
  EXPECT_GE(attempts[1].duration, milliseconds(50));
  EXPECT_LT(attempts[1].duration, milliseconds(1000));
  RecordProperty("stop_after_deadline_us",
                 std::to_string(std::chrono::duration_cast<std::chrono::microseconds>(
                                    attempts[1].duration - milliseconds(50))
                                    .count()));
  EXPECT_TRUE(attempts[2].succeeded);
}

TEST(Timeouts, WithoutARetryATimeoutFailsTheRunAsTimeoutError) {
  class Hangs : public Factory<int> {
   public:
    int process() override {
      while (true) {
        current_cancellation().check();
        std::this_thread::sleep_for(milliseconds(1));
      }
    }
  };
  Pipeline pipeline("hang");
  pipeline.timeout(milliseconds(30));
  pipeline.add_factory<Hangs>();
  EXPECT_THROW(pipeline.run(), TimeoutError);
  EXPECT_EQ(pipeline.last_run().factory("Hangs").attempts.back().category, ErrorCategory::kTimeout);
}

}  // namespace
}  // namespace setl::workflow
