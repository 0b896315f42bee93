// Pipelines built from factories alone: each runs as soon as what it needs is ready,
// independent ones at the same time (proven with a latch, not sleeps); depends_on orders
// without data; callables as factories; the run as a value.
#include <latch>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "setl/workflow/pipeline.h"
#include "setl/workflow/transformer.h"
#include "testing/temp_dir.h"

namespace setl::workflow {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using testing::message_of;

// Finishes only once `count` of its kind are running at the same time.
class Rendezvous : public Factory<int> {
 public:
  explicit Rendezvous(std::latch& all_running) : all_running_(all_running) {}
  int process() override {
    all_running_.arrive_and_wait();
    return 1;
  }

 private:
  std::latch& all_running_;
};

class SumOfFour : public Factory<int> {
 public:
  Delivery<int> a{this, {.producer = "A"}};
  Delivery<int> b{this, {.producer = "B"}};
  Delivery<int> c{this, {.producer = "C"}};
  Delivery<int> d{this, {.producer = "D"}};
  int process() override { return *a + *b + *c + *d; }
};

TEST(Scheduler, IndependentUnstagedFactoriesRunConcurrently) {
  std::latch all_running(4);
  Pipeline pipeline("wide");
  pipeline.set_max_concurrency(4);
  for (const char* name : {"A", "B", "C", "D"}) {
    pipeline.add<Rendezvous>(all_running).set_name(name);
  }
  pipeline.add<SumOfFour>();
  RunResult result = pipeline.run();  // would never return if they ran one at a time
  EXPECT_EQ(result.output<int>("SumOfFour"), 4);
  EXPECT_EQ(result.executed().back(), "SumOfFour");
  EXPECT_EQ(result.critical_path().back(), "SumOfFour");
  EXPECT_EQ(result.critical_path().size(), 2u);
}

class Writer : public Factory<int> {
 public:
  explicit Writer(std::vector<std::string>& log) : log_(log) {}
  int process() override {
    log_.push_back("write");
    return 0;
  }

 private:
  std::vector<std::string>& log_;
};

class Reader : public Factory<int> {
 public:
  explicit Reader(std::vector<std::string>& log) : log_(log) { depends_on<Writer>(); }
  int process() override {
    log_.push_back("read");
    return 0;
  }

 private:
  std::vector<std::string>& log_;
};

TEST(Scheduler, DependsOnOrdersWithoutData) {
  std::vector<std::string> log;
  Pipeline pipeline("ordered");
  pipeline.add<Reader>(log);  // added first, runs second
  pipeline.add<Writer>(log);
  pipeline.run();
  EXPECT_THAT(log, ElementsAre("write", "read"));
  EXPECT_THAT(pipeline.dag().to_mermaid(), HasSubstr("==>|\"after\"|"));
}

class Ping : public Factory<int> {
 public:
  Delivery<double> pong{this};
  int process() override { return 1; }
};
class Pong : public Factory<double> {
 public:
  Delivery<int> ping{this};
  double process() override { return 1; }
};

TEST(Scheduler, ACycleIsReportedBeforeAnythingRuns) {
  Pipeline pipeline("cycle");
  pipeline.add<Ping>();
  pipeline.add<Pong>();
  EXPECT_THAT(message_of<DeliveryError>([&] { pipeline.run(); }),
              HasSubstr("the factories Ping, Pong depend on each other in a cycle"));
}

TEST(Scheduler, UnknownDependsOnIsReported) {
  std::vector<std::string> log;
  Pipeline pipeline("unknown");
  pipeline.add<Reader>(log);
  EXPECT_THAT(message_of<DeliveryError>([&] { pipeline.run(); }),
              HasSubstr("depends_on 'Writer', which is not a factory of this pipeline"));
}

struct Order {
  double amount;
};

TEST(Scheduler, FunctionsAreFactoriesWhoseParametersAreDeliveries) {
  Pipeline pipeline("functions");
  pipeline.set_input<double>(2.0, {.id = "fx"});
  pipeline.add_function("orders", [] { return std::vector<Order>{{10}, {20}}; });
  pipeline.add_function(
      "revenue",
      [](const std::vector<Order>& orders, const double* fx, const std::string* missing) {
        double total = 0;
        for (const Order& order : orders) {
          total += order.amount;
        }
        return total * (fx ? *fx : 1.0) + (missing ? 1000.0 : 0.0);
      },
      {{.producer = "orders"}, {.id = "fx"}});
  RunResult result = pipeline.run();
  EXPECT_DOUBLE_EQ(result.output<double>("revenue"), 60.0);
  EXPECT_THAT(message_of<DeliveryError>([&] {
                pipeline.add_function("bad", [](int) { return 1; }, {{}, {}});
              }),
              HasSubstr("2 DeliveryOptions given for a function of 1 parameter(s)"));
}

class Boom : public Factory<int> {
 public:
  int process() override { throw IoError("disk on fire"); }
};

TEST(Scheduler, AFailureIsInTheResultAndTheRunSaysWhich) {
  Pipeline pipeline("failing");
  pipeline.add<Boom>();
  EXPECT_THROW(pipeline.run(), IoError);
  const RunResult& result = pipeline.last_run();
  EXPECT_FALSE(result.ok());
  EXPECT_EQ(result.factory("Boom").status, FactoryOutcome::Status::kFailed);
  EXPECT_THAT(result.factory("Boom").error, HasSubstr("disk on fire"));
  EXPECT_THAT(result.summary(), HasSubstr("Boom"));
}

class Doubling : public Transformer<int> {
 public:
  explicit Doubling(int value) : value_(value) {}

 protected:
  int compute() override { return 2 * value_; }

 private:
  int value_;
};

TEST(Transformer, TransformsOnceAndHandsOver) {
  Doubling doubling(21);
  EXPECT_THROW(doubling.transformed(), StateError);
  EXPECT_EQ(doubling.transform().transformed(), 42);
  EXPECT_EQ(Doubling(2).transform().transformed(), 4);
  int calls = 0;
  auto counted = make_transformer([&] { return ++calls; });
  counted.transform().transform();
  EXPECT_EQ(counted.transformed(), 1);
}

}  // namespace
}  // namespace setl::workflow
