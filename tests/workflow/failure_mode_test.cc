// Fail-fast and keep-going through the public API: under keep-going two independent
// failures are both reported, what does not depend on them runs and writes, dependants
// are skipped with the failed upstream named (never left waiting), an optional input of a
// failed producer arrives empty, and depends_on counts as depending.
#include <atomic>
#include <string>
#include <thread>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "setl/core/cancellation.h"
#include "setl/workflow/pipeline.h"

namespace setl::workflow {
namespace {

using ::testing::HasSubstr;
using Status = FactoryOutcome::Status;

class Source : public Factory<int> {
 public:
  Source(std::string name, bool fails) : fails_(fails) { set_name(std::move(name)); }
  int process() override {
    if (fails_) {
      throw PermanentError(name() + " is broken");
    }
    return 1;
  }

 private:
  bool fails_;
};

class Consumer : public Factory<int> {
 public:
  Consumer(std::string name, const std::string& from, bool optional)
      : input_(this, {.producer = from, .optional = optional}) {
    set_name(std::move(name));
  }
  int process() override {
    ++runs;
    return input_ ? *input_ + 1 : -1;
  }
  std::atomic<int> runs{0};

 private:
  Delivery<int> input_;
};

struct Graph {
  Pipeline pipeline{"graph"};
  Consumer* after_a = nullptr;
  Consumer* after_after_a = nullptr;
  Consumer* after_b_optional = nullptr;
  Consumer* after_ok = nullptr;
  Consumer* ordered = nullptr;
  explicit Graph(Pipeline::FailureMode mode) {
    pipeline.set_failure_mode(mode).set_max_concurrency(1);
    pipeline.add_factory<Source>("A", true);
    pipeline.add_factory<Source>("B", true);
    pipeline.add_factory<Source>("Ok", false);
    after_a = &pipeline.add_factory<Consumer>("AfterA", "A", false);
    after_after_a = &pipeline.add_factory<Consumer>("AfterAfterA", "AfterA", false);
    after_b_optional = &pipeline.add_factory<Consumer>("AfterBOptional", "B", true);
    after_ok = &pipeline.add_factory<Consumer>("AfterOk", "Ok", false);
    ordered = &pipeline.add_factory<Consumer>("Ordered", "Ok", false);
    ordered->depends_on("B");
  }
};

TEST(KeepGoing, RunsEverythingNotDownstreamAndReportsEveryFailure) {
  Graph graph(Pipeline::FailureMode::kKeepGoing);
  try {
    graph.pipeline.run();
    FAIL() << "expected the run to fail";
  } catch (const PermanentError& error) {
    std::string text = error.what();
    EXPECT_THAT(text, HasSubstr("A is broken"));
    EXPECT_THAT(text, HasSubstr("also failed: factory 'B'"));
  }
  const RunResult& result = graph.pipeline.last_run();
  EXPECT_FALSE(result.ok());
  EXPECT_EQ(result.factory("A").status, Status::kFailed);
  EXPECT_EQ(result.factory("B").status, Status::kFailed);
  EXPECT_EQ(result.factory("Ok").status, Status::kRan);
  EXPECT_EQ(result.factory("AfterOk").status, Status::kRan);
  EXPECT_EQ(result.output<int>("AfterOk"), 2);
  EXPECT_EQ(result.factory("AfterA").status, Status::kSkipped);
  EXPECT_EQ(result.factory("AfterA").skip_reason, "upstream 'A' failed");
  EXPECT_EQ(result.factory("AfterAfterA").status, Status::kSkipped);
  EXPECT_EQ(result.factory("AfterAfterA").skip_reason, "upstream 'A' failed");
  EXPECT_EQ(graph.after_a->runs, 0);
  // An optional input of a failed producer arrives empty; the consumer runs.
  EXPECT_EQ(result.factory("AfterBOptional").status, Status::kRan);
  EXPECT_EQ(result.output<int>("AfterBOptional"), -1);
  // depends_on a failed factory is downstream of it.
  EXPECT_EQ(result.factory("Ordered").status, Status::kSkipped);
  EXPECT_EQ(result.factory("Ordered").skip_reason, "upstream 'B' failed");
}

TEST(FailFast, StopsAtTheFirstFailure) {
  Graph graph(Pipeline::FailureMode::kFailFast);
  EXPECT_THROW(graph.pipeline.run(), PermanentError);
  const RunResult& result = graph.pipeline.last_run();
  EXPECT_EQ(result.factory("A").status, Status::kFailed);
  EXPECT_NE(result.factory("AfterOk").status, Status::kRan);
  EXPECT_EQ(graph.after_b_optional->runs, 0);
}

// The cancellation reason that reaches the factories still running names the one that
// failed.
TEST(FailFast, CancelsWhatRunsWithTheFailedFactoryAsTheReason) {
  std::atomic<bool> endless_started{false};
  Pipeline pipeline("fail-fast");
  pipeline.set_max_concurrency(2);  // unstaged and independent: both run at once
  pipeline.add_function("Endless", [&]() -> int {
    endless_started = true;
    for (;;) {
      current_cancellation().check();
      std::this_thread::yield();
    }
  });
  pipeline.add_function("Broken", [&]() -> int {
    while (!endless_started) {
      std::this_thread::yield();
    }
    throw PermanentError("Broken is broken");
  });
  EXPECT_THROW(pipeline.run(), PermanentError);
  const FactoryOutcome& endless = pipeline.last_run().factory("Endless");
  EXPECT_EQ(endless.status, Status::kCancelled);
  EXPECT_THAT(endless.error, HasSubstr("pipeline 'fail-fast': factory 'Broken' failed"));
}

TEST(KeepGoing, ASucceedingRunIsUnaffected) {
  Pipeline pipeline("fine");
  pipeline.set_failure_mode(Pipeline::FailureMode::kKeepGoing);
  pipeline.add_factory<Source>("S", false);
  pipeline.add_factory<Consumer>("C", "S", false);
  RunResult result = pipeline.run();
  EXPECT_TRUE(result.ok());
  EXPECT_EQ(result.output<int>("C"), 2);
}

}  // namespace
}  // namespace setl::workflow
