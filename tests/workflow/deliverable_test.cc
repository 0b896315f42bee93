#include "setl/workflow/deliverable.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "setl/workflow/pipeline.h"
#include "test_factories.h"
#include "testing/temp_dir.h"

namespace setl::workflow {
namespace {

using ::testing::HasSubstr;
using testing::message_of;
using namespace test;

TEST(Deliverable, CarriesPayloadTypeProducerConsumersAndId) {
  Deliverable deliverable = Deliverable::of(
      std::vector<Order>{{1, 2.0}},
      {.producer = "OrdersFactory", .id = "orders", .consumers = {"RevenueFactory"}});
  EXPECT_EQ(deliverable.payload<std::vector<Order>>().size(), 1u);
  EXPECT_EQ(deliverable.payload_type().name(), "std::vector<setl::workflow::test::Order>");
  EXPECT_EQ(deliverable.producer(), "OrdersFactory");
  EXPECT_EQ(deliverable.delivery_id(), "orders");
  EXPECT_EQ(deliverable.consumers(), std::vector<std::string>{"RevenueFactory"});
  EXPECT_FALSE(deliverable.is_external());
}

TEST(Deliverable, DefaultsToAnExternalValueForEveryConsumer) {
  Deliverable deliverable = Deliverable::of(3);
  EXPECT_TRUE(deliverable.is_external());
  EXPECT_TRUE(deliverable.reaches("Anyone"));
  EXPECT_TRUE(deliverable.delivery_id().empty());
}

TEST(Deliverable, ConsumerListRestrictsWhoItReaches) {
  Deliverable deliverable = Deliverable::of(3, {.consumers = {"A", "B"}});
  EXPECT_TRUE(deliverable.reaches("A"));
  EXPECT_TRUE(deliverable.reaches("B"));
  EXPECT_FALSE(deliverable.reaches("C"));
}

TEST(Deliverable, ReadingTheWrongTypeIsADeliveryError) {
  Deliverable deliverable = Deliverable::of(3, {.producer = "Count"});
  EXPECT_EQ(message_of<DeliveryError>([&] { deliverable.payload<double>(); }),
            "deliverable 'Count' -> int was read as double; its payload type is int");
}

TEST(Deliverable, PayloadIsSharedNotCopied) {
  auto payload = std::make_shared<const std::vector<Order>>(std::vector<Order>{{1, 1.0}});
  Deliverable deliverable(payload);
  EXPECT_EQ(&deliverable.payload<std::vector<Order>>(), payload.get());
}

// A consumer that is not in an external input's consumer list does not receive it.
class FactorA : public Factory<double> {
 public:
  Delivery<double> factor{this, {.optional = true}};
  double process() override { return factor.value_or(-1); }
};
class FactorB : public Factory<float> {
 public:
  Delivery<double> factor{this, {.optional = true}};
  float process() override { return static_cast<float>(factor.value_or(-1)); }
};

TEST(Deliverable, WithAConsumerListReachesOnlyThoseConsumers) {
  Pipeline pipeline;
  pipeline.set_input<double>(2.5, {.consumers = {"FactorA"}});
  Stage& stage = pipeline.add_stage();
  stage.add_factory<FactorA>();
  stage.add_factory<FactorB>();
  pipeline.run();
  EXPECT_EQ(pipeline.get_output<double>("FactorA"), 2.5);
  EXPECT_EQ(pipeline.get_output<float>("FactorB"), -1.0f);
}

}  // namespace
}  // namespace setl::workflow
