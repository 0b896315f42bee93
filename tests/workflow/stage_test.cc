#include "setl/workflow/stage.h"

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <thread>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "setl/workflow/pipeline.h"
#include "test_factories.h"

namespace setl::workflow {
namespace {

using ::testing::ElementsAre;
using namespace test;

class Named : public Factory<std::string> {
 public:
  Named(std::string label, CallLog& log) : label_(std::move(label)), log_(log) { set_name(label_); }
  std::string process() override {
    log_.add(label_);
    return label_;
  }

 private:
  std::string label_;
  CallLog& log_;
};

TEST(Stage, AddsFactoriesByTypeWithConstructorArgumentsAndByInstance) {
  CallLog log;
  Stage stage;
  Named& first = stage.add_factory<Named>("first", log);
  Named& second = stage.add(std::make_unique<Named>("second", log));
  EXPECT_EQ(stage.size(), 2u);
  EXPECT_EQ(&stage.factory(0), &first);
  EXPECT_EQ(&stage.factory(1), &second);
  EXPECT_THROW(stage.factory(2), StateError);
}

TEST(Stage, RunsFactoriesInTheOrderTheyWereAdded) {
  CallLog log;
  Stage stage;
  for (const char* label : {"a", "b", "c", "d"}) {
    stage.add_factory<Named>(label, log);
  }
  stage.run();
  EXPECT_THAT(log.entries(), ElementsAre("a", "b", "c", "d"));
  EXPECT_EQ(stage.timings().size(), 4u);
}

// Waits (bounded) until `expected` factories are inside process() at the same time.
struct Rendezvous {
  std::mutex mutex;
  std::condition_variable changed;
  int inside = 0;
  int max_inside = 0;
};

class Overlapping : public Factory<int> {
 public:
  Overlapping(int value, Rendezvous& rendezvous, int expected)
      : value_(value), rendezvous_(rendezvous), expected_(expected) {
    set_name("overlapping_" + std::to_string(value));
  }
  int process() override {
    std::unique_lock lock(rendezvous_.mutex);
    rendezvous_.inside++;
    rendezvous_.max_inside = std::max(rendezvous_.max_inside, rendezvous_.inside);
    rendezvous_.changed.notify_all();
    rendezvous_.changed.wait_for(lock, std::chrono::seconds(10),
                                 [&] { return rendezvous_.max_inside >= expected_; });
    rendezvous_.inside--;
    return value_ * value_;
  }

 private:
  int value_;
  Rendezvous& rendezvous_;
  int expected_;
};

TEST(Stage, ParallelStageRunsFactoriesConcurrently) {
  Rendezvous rendezvous;
  Pipeline pipeline;
  Stage& stage = pipeline.add_stage().set_parallel(true, 4);
  for (int i = 1; i <= 4; ++i) {
    stage.add_factory<Overlapping>(i, rendezvous, 4);
  }
  pipeline.run();
  EXPECT_EQ(rendezvous.max_inside, 4);  // all four were inside process() together
  for (int i = 1; i <= 4; ++i) {
    EXPECT_EQ(pipeline.get_output<int>("overlapping_" + std::to_string(i)), i * i);
  }
}

TEST(Stage, SequentialStageNeverOverlaps) {
  Rendezvous rendezvous;
  Pipeline pipeline;
  Stage& stage = pipeline.add_stage();
  for (int i = 1; i <= 2; ++i) {
    stage.add_factory<Overlapping>(i, rendezvous, 1);
  }
  pipeline.run();
  EXPECT_EQ(rendezvous.max_inside, 1);
}

// A parallel stage of consumers sharing one deliverable; run under SETL_TSAN to check
// that delivering and reading the shared payload is race-free.
class SharedReader : public Factory<double> {
 public:
  explicit SharedReader(int index) { set_name("reader_" + std::to_string(index)); }
  Delivery<std::vector<Order>> orders{this};
  double process() override {
    double total = 0;
    for (const Order& order : *orders) {
      total += order.amount;
    }
    return total;
  }
};

TEST(Stage, ParallelStageGivesTheSameOutputsAsSequential) {
  auto run = [](bool parallel) {
    Pipeline pipeline;
    pipeline.add_factory<OrdersFactory>();
    Stage& readers = pipeline.add_stage().set_parallel(parallel, 4);
    for (int i = 0; i < 16; ++i) {
      readers.add_factory<SharedReader>(i);
    }
    pipeline.run();
    std::vector<double> outputs;
    for (int i = 0; i < 16; ++i) {
      outputs.push_back(pipeline.get_output<double>("reader_" + std::to_string(i)));
    }
    return outputs;
  };
  std::vector<double> sequential = run(false);
  for (int repeat = 0; repeat < 20; ++repeat) {
    EXPECT_EQ(run(true), sequential);
  }
  EXPECT_EQ(sequential.front(), 60.5);
}

class FailsAfter : public Factory<int> {
 public:
  explicit FailsAfter(int index) { set_name("fails_" + std::to_string(index)); }
  int process() override { throw IoError("disk full"); }
};

TEST(Stage, ParallelStageReportsTheFailingFactory) {
  Pipeline pipeline;
  Stage& stage = pipeline.add_stage().set_parallel(true, 2);
  stage.add_factory<ConstantFactory<int>>(1);
  stage.add_factory<FailsAfter>(1);
  try {
    pipeline.run();
    FAIL() << "expected an IoError";
  } catch (const IoError& error) {
    EXPECT_THAT(error.what(), ::testing::HasSubstr("in factory 'fails_1' (stage-0)"));
  }
}

}  // namespace
}  // namespace setl::workflow
