#include "setl/workflow/factory.h"

#include <stdexcept>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "setl/workflow/pipeline.h"
#include "test_factories.h"
#include "testing/temp_dir.h"

namespace setl::workflow {
namespace {

using ::testing::AllOf;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using testing::message_of;
using namespace test;

class LifecycleFactory : public Factory<std::string> {
 public:
  explicit LifecycleFactory(CallLog& log) : log_(log) {}
  void read() override { log_.add("read"); }
  std::string process() override {
    log_.add("process");
    return "result";
  }
  void write() override { log_.add("write:" + get()); }

 private:
  CallLog& log_;
};

TEST(Factory, LifecycleRunsReadProcessWriteThenGet) {
  CallLog log;
  Pipeline pipeline;
  LifecycleFactory& factory = pipeline.add_factory<LifecycleFactory>(log);
  pipeline.run();
  log.add("get:" + factory.get());
  EXPECT_THAT(log.entries(), ElementsAre("read", "process", "write:result", "get:result"));
}

TEST(Factory, WriteIsSkippedWhenTheFactoryIsNotWritable) {
  CallLog log;
  Pipeline pipeline;
  pipeline.add_factory<LifecycleFactory>(log).set_writable(false);
  pipeline.run();
  EXPECT_THAT(log.entries(), ElementsAre("read", "process"));
}

TEST(Factory, WriteIsSkippedWhenTheStageIsNotWritable) {
  CallLog log;
  Pipeline pipeline;
  pipeline.add_stage().set_writable(false).add_factory<LifecycleFactory>(log);
  pipeline.run();
  EXPECT_THAT(log.entries(), ElementsAre("read", "process"));
}

TEST(Factory, GetBeforeRunIsAStateError) {
  CallLog log;
  LifecycleFactory factory(log);
  EXPECT_FALSE(factory.has_output());
  EXPECT_EQ(message_of<StateError>([&] { factory.get(); }),
            "factory 'LifecycleFactory' has no output yet: get() is only valid after the "
            "factory has run (run its pipeline first)");
  EXPECT_THROW(factory.deliverable(), StateError);
}

TEST(Factory, DefaultNameIsTheClassNameAndCanBeChanged) {
  OrdersFactory orders;
  EXPECT_EQ(orders.name(), "OrdersFactory");
  EXPECT_EQ(producer_name<OrdersFactory>(), "OrdersFactory");
  orders.set_name("orders_eu");
  EXPECT_EQ(orders.name(), "orders_eu");
  EXPECT_THROW(orders.set_name(""), StateError);
  ConstantFactory<int> constant(1);
  EXPECT_EQ(constant.name(), "ConstantFactory<int>");
}

TEST(Factory, OutputDeliverableCarriesNameIdAndConsumers) {
  Pipeline pipeline;
  OrdersFactory& orders = pipeline.add_factory<OrdersFactory>();
  orders.set_consumers({"RevenueFactory"});
  pipeline.add_factory<RevenueFactory>();
  pipeline.run();
  Deliverable deliverable = orders.deliverable();
  EXPECT_EQ(deliverable.producer(), "OrdersFactory");
  EXPECT_EQ(deliverable.delivery_id(), "");
  EXPECT_EQ(deliverable.consumers(), std::vector<std::string>{"RevenueFactory"});
  EXPECT_EQ(&deliverable.payload<std::vector<Order>>(), &orders.get());
}

class ThrowsSetlError : public Factory<int> {
 public:
  int process() override { throw SchemaError("no column \"pricee\"; did you mean \"price\"?"); }
};

class ThrowsStdError : public Factory<int> {
 public:
  void read() override { throw std::out_of_range("vector index 9"); }
  int process() override { return 0; }
};

TEST(Factory, SetlErrorKeepsItsTypeAndGainsFactoryContext) {
  Pipeline pipeline;
  pipeline.add_factory<ThrowsSetlError>();
  std::string message = message_of<SchemaError>([&] { pipeline.run(); });
  EXPECT_THAT(message, AllOf(HasSubstr("no column \"pricee\""),
                             HasSubstr("in factory 'ThrowsSetlError' (stage-0) during process()")));
}

TEST(Factory, OtherExceptionsBecomeFactoryErrorsWithTheOriginalNested) {
  Pipeline pipeline;
  pipeline.add_factory<ThrowsStdError>();
  try {
    pipeline.run();
    FAIL() << "expected a FactoryError";
  } catch (const FactoryError& error) {
    EXPECT_THAT(error.what(), HasSubstr("factory 'ThrowsStdError' (stage-0) failed during "
                                        "read(): vector index 9"));
    EXPECT_THROW(std::rethrow_if_nested(error), std::out_of_range);
  }
}

TEST(Factory, FailedRunLeavesNoStaleOutput) {
  Pipeline pipeline;
  OrdersFactory& orders = pipeline.add_factory<OrdersFactory>();
  pipeline.run();
  ASSERT_TRUE(orders.has_output());
  pipeline.add_factory<ThrowsSetlError>();
  EXPECT_THROW(pipeline.run(), SchemaError);
  EXPECT_TRUE(orders.has_output());  // rerun before the failure
  EXPECT_FALSE(pipeline.stages().back()->factory(0).has_output());
}

}  // namespace
}  // namespace setl::workflow
