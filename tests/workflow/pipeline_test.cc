#include "setl/workflow/pipeline.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "test_factories.h"
#include "testing/temp_dir.h"

namespace setl::workflow {
namespace {

using ::testing::AllOf;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using testing::message_of;
using namespace test;

class Recorder : public Factory<int> {
 public:
  Recorder(std::string label, CallLog& log) : label_(std::move(label)), log_(log) {
    set_name(label_);
  }
  int process() override {
    log_.add(label_);
    return 0;
  }

 private:
  std::string label_;
  CallLog& log_;
};

TEST(Pipeline, StagesRunInOrder) {
  CallLog log;
  Pipeline pipeline;
  pipeline.add_factory<Recorder>("first", log);
  Stage& second = pipeline.add_stage();
  second.add_factory<Recorder>("second_a", log);
  second.add_factory<Recorder>("second_b", log);
  pipeline.add_factory<Recorder>("third", log);
  pipeline.run();
  EXPECT_THAT(log.entries(), ElementsAre("first", "second_a", "second_b", "third"));
  EXPECT_EQ(pipeline.stages().size(), 3u);
  EXPECT_EQ(pipeline.stages()[1]->name(), "stage-1");
}

TEST(Pipeline, OutputsAreRetrievableByFactoryByNameAndByType) {
  Pipeline pipeline;
  OrdersFactory& orders = pipeline.add_factory<OrdersFactory>();
  pipeline.add_factory<RevenueFactory>();
  pipeline.run();
  EXPECT_EQ(pipeline.get_output<std::vector<Order>>(orders).size(), 3u);
  EXPECT_DOUBLE_EQ(pipeline.get_output<double>("RevenueFactory"), 60.5);
  EXPECT_DOUBLE_EQ(pipeline.get_output<double>(), 60.5);
}

TEST(Pipeline, GetOutputErrorsNameWhatWentWrong) {
  Pipeline pipeline("sales");
  pipeline.add_factory<OrdersFactory>();
  pipeline.add_factory<ConstantFactory<int>>(1);
  pipeline.add_factory<ConstantFactory<int>>(2).set_name("two");
  pipeline.run();
  EXPECT_EQ(message_of<DeliveryError>([&] { pipeline.get_output<double>("OrdersFactory"); }),
            "factory 'OrdersFactory' produces std::vector<setl::workflow::test::Order>, not "
            "double");
  EXPECT_THAT(message_of<DeliveryError>([&] { pipeline.get_output<int>("Orders"); }),
              HasSubstr("pipeline 'sales' has no factory named 'Orders'; factories: "
                        "OrdersFactory, ConstantFactory<int>, two"));
  EXPECT_THAT(message_of<DeliveryError>([&] { pipeline.get_output<int>(); }),
              HasSubstr("has 2 factories producing int ('ConstantFactory<int>', 'two')"));
  EXPECT_THAT(message_of<DeliveryError>([&] { pipeline.get_output<float>(); }),
              HasSubstr("has no factory producing float"));
  OrdersFactory stranger;
  EXPECT_THAT(message_of<DeliveryError>([&] { pipeline.get_output<std::vector<Order>>(stranger); }),
              HasSubstr("is not part of pipeline 'sales'"));
}

TEST(Pipeline, GetOutputBeforeRunIsAStateError) {
  Pipeline pipeline;
  pipeline.add_factory<OrdersFactory>();
  EXPECT_THROW(pipeline.get_output<std::vector<Order>>(), StateError);
}

TEST(Pipeline, LastOutputIsTheLastFactoryOfTheLastStage) {
  Pipeline pipeline;
  pipeline.add_factory<OrdersFactory>();
  Stage& last = pipeline.add_stage();
  last.add_factory<ConstantFactory<int>>(1);
  last.add_factory<RevenueFactory>();
  pipeline.run();
  EXPECT_DOUBLE_EQ(pipeline.last_output<double>(), 60.5);
  EXPECT_THROW(pipeline.last_output<int>(), DeliveryError);
  EXPECT_THROW(Pipeline().last_output<int>(), DeliveryError);
}

TEST(Pipeline, SetInputWithIdAndConsumers) {
  Pipeline pipeline;
  pipeline.set_input<double>(2.0, {.id = "factor", .consumers = {"RevenueFactory"}});
  pipeline.add_factory<OrdersFactory>();
  pipeline.add_factory<RevenueFactory>();
  pipeline.run();
  EXPECT_DOUBLE_EQ(pipeline.get_output<double>(), 121.0);
}

TEST(Pipeline, ADuplicateExternalInputIsAnErrorAndReplaceInputReplacesIt) {
  Pipeline pipeline;
  pipeline.set_input<double>(2.0, {.id = "factor"});
  EXPECT_THAT(message_of<DeliveryError>([&] { pipeline.set_input<double>(3.0, {.id = "factor"}); }),
              HasSubstr("an external input double with id 'factor' and the same consumers is "
                        "already set"));
  pipeline.replace_input<double>(3.0, {.id = "factor"});
  EXPECT_EQ(pipeline.inputs().size(), 1u);
  pipeline.add_factory<OrdersFactory>();
  pipeline.add_factory<RevenueFactory>();
  pipeline.run();
  EXPECT_DOUBLE_EQ(pipeline.get_output<double>(), 181.5);
}

TEST(Pipeline, InputForAnotherConsumerIsNotDelivered) {
  Pipeline pipeline;
  pipeline.set_input<double>(2.0, {.id = "factor", .consumers = {"OrdersFactory"}});
  pipeline.add_factory<OrdersFactory>();
  pipeline.add_factory<RevenueFactory>();
  pipeline.run();
  EXPECT_DOUBLE_EQ(pipeline.get_output<double>(), 60.5);
}

TEST(Pipeline, BenchmarkOnRecordsEveryFactoryAndStage) {
  Pipeline pipeline;
  pipeline.set_benchmark(true);
  pipeline.add_factory<OrdersFactory>();
  pipeline.add_factory<RevenueFactory>();
  pipeline.run();
  const BenchmarkReport& report = pipeline.benchmark();
  ASSERT_EQ(report.factories.size(), 2u);
  EXPECT_EQ(report.factories[0].factory, "OrdersFactory");
  EXPECT_EQ(report.factories[1].stage, 1u);
  EXPECT_EQ(report.stages.size(), 2u);
  EXPECT_GE(report.total, report.stages[0].wall);
  EXPECT_GE(report.factories[0].total, report.factories[0].process);
}

TEST(Pipeline, BenchmarkOffHasNoReport) {
  Pipeline pipeline;
  pipeline.add_factory<OrdersFactory>();
  pipeline.run();
  EXPECT_FALSE(pipeline.benchmark_enabled());
  EXPECT_THAT(message_of<StateError>([&] { pipeline.benchmark(); }),
              HasSubstr("call set_benchmark(true) before run()"));
}

TEST(Pipeline, SameFactoryTypeTwiceNeedsDistinctNamesAndSaysSo) {
  Pipeline pipeline;
  pipeline.add_factory<ConstantFactory<int>>(1);
  pipeline.add_factory<ConstantFactory<int>>(2);
  std::string message = message_of<DeliveryError>([&] { pipeline.run(); });
  EXPECT_THAT(message, AllOf(HasSubstr("2 factories are named 'ConstantFactory<int>'"),
                             HasSubstr("(stage-0 #0, stage-1 #0)"), HasSubstr("set_name(")));
}

TEST(Pipeline, SameFactoryTypeTwiceWorksWithNames) {
  Pipeline pipeline;
  pipeline.add_factory<ConstantFactory<int>>(1).set_name("one");
  pipeline.add_factory<ConstantFactory<int>>(2).set_name("two");
  pipeline.add_factory<IncrementFactory>("two");
  pipeline.run();
  EXPECT_EQ(pipeline.last_output<int>(), 3);
}

TEST(Pipeline, DescribeListsStagesFactoriesAndFlows) {
  Pipeline pipeline;
  pipeline.set_input<double>(2.0, {.id = "factor"});
  pipeline.add_factory<OrdersFactory>();
  pipeline.add_factory<RevenueFactory>();
  EXPECT_EQ(pipeline.describe(),
            "pipeline: 2 stage(s), 2 factory(ies), 1 external input(s)\n"
            "external inputs:\n"
            "  factor: double\n"
            "stage-0:\n"
            "  OrdersFactory -> std::vector<setl::workflow::test::Order>\n"
            "stage-1:\n"
            "  RevenueFactory -> double\n"
            "    <- #0 std::vector<setl::workflow::test::Order> from OrdersFactory\n"
            "    <- #1 double id 'factor' from factor\n"
            "flows:\n"
            "  OrdersFactory -> RevenueFactory [std::vector<setl::workflow::test::Order>]\n"
            "  factor -> RevenueFactory [double, id 'factor', optional]\n");
}

TEST(Pipeline, DescribeListsProblemsWithoutThrowing) {
  Pipeline pipeline;
  pipeline.add_factory<RevenueFactory>();
  EXPECT_THAT(pipeline.describe(), HasSubstr("problems:\n  - factory 'RevenueFactory'"));
}

TEST(Pipeline, ChainOfFactoriesPassesValuesAlong) {
  Pipeline pipeline;
  pipeline.add_factory<ConstantFactory<int>>(0).set_name("f0");
  for (int i = 1; i <= 50; ++i) {
    pipeline.add_factory<IncrementFactory>("f" + std::to_string(i - 1))
        .set_name("f" + std::to_string(i));
  }
  pipeline.run();
  EXPECT_EQ(pipeline.last_output<int>(), 50);
  pipeline.run();  // a second run recomputes from scratch
  EXPECT_EQ(pipeline.last_output<int>(), 50);
}

}  // namespace
}  // namespace setl::workflow

namespace setl::workflow {
namespace {

// Feature ids LZ-n from the workflow-features design.
class Source : public Factory<int> {
 public:
  Source(std::string label, CallLog& log) : label_(std::move(label)), log_(log) {
    set_name(label_);
  }
  int process() override {
    log_.add(label_);
    return 1;
  }

 private:
  std::string label_;
  CallLog& log_;
};

class Plus : public Factory<int> {
 public:
  Plus(std::string label, std::string from, CallLog& log)
      : input_(this, {.producer = from}), label_(std::move(label)), log_(log) {
    set_name(label_);
  }
  int process() override {
    log_.add(label_);
    return *input_ + 1;
  }

 private:
  Delivery<int> input_;
  std::string label_;
  CallLog& log_;
};

TEST(Pipeline, LZ1_TargetsRunOnlyTheirAncestors) {
  CallLog log;
  Pipeline pipeline("branches");
  Stage& sources = pipeline.add_stage();
  sources.add_factory<Source>("A", log);
  sources.add_factory<Source>("C", log);
  Stage& middle = pipeline.add_stage();
  middle.add_factory<Plus>("B", "A", log);
  middle.add_factory<Plus>("D", "C", log);
  pipeline.add_factory<Plus>("E", "B", log);

  pipeline.run({.targets = {"B"}});
  EXPECT_THAT(log.entries(), ElementsAre("A", "B"));
  EXPECT_THAT(pipeline.executed_factories(), ElementsAre("A", "B"));
  EXPECT_EQ(pipeline.get_output<int>("B"), 2);
  EXPECT_THROW(pipeline.get_output<int>("D"), StateError);  // not needed, not run

  log.clear();
  pipeline.run({.targets = {"E", "D"}});
  EXPECT_THAT(log.entries(), ElementsAre("A", "C", "B", "D", "E"));
  EXPECT_EQ(pipeline.get_output<int>("E"), 3);

  log.clear();
  pipeline.run();  // no targets: everything
  EXPECT_EQ(log.entries().size(), 5u);
  EXPECT_THAT(message_of<DeliveryError>([&] { pipeline.run({.targets = {"Bb"}}); }),
              HasSubstr("unknown target 'Bb'; did you mean 'B'?"));
}

}  // namespace
}  // namespace setl::workflow
