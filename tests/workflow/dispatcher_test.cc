// Delivery matching, SETL/PySetl rules: by type, narrowed by producer and delivery id.
#include "setl/workflow/dispatcher.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "setl/workflow/pipeline.h"
#include "test_factories.h"
#include "testing/temp_dir.h"

namespace setl::workflow {
namespace {

using ::testing::AllOf;
using ::testing::HasSubstr;
using testing::message_of;
using namespace test;

TEST(Dispatcher, MatchesByType) {
  Pipeline pipeline;
  pipeline.add_factory<OrdersFactory>();
  pipeline.add_factory<RevenueFactory>();
  pipeline.run();
  EXPECT_DOUBLE_EQ(pipeline.get_output<double>(), 60.5);
}

class RevenueOfMoreOrders : public Factory<double> {
 public:
  Delivery<std::vector<Order>> orders{this, {.producer = producer_name<MoreOrdersFactory>()}};
  double process() override { return orders->front().amount; }
};

TEST(Dispatcher, NarrowsByProducer) {
  Pipeline pipeline;
  Stage& sources = pipeline.add_stage();
  sources.add_factory<OrdersFactory>();
  sources.add_factory<MoreOrdersFactory>();
  pipeline.add_factory<RevenueOfMoreOrders>();
  pipeline.run();
  EXPECT_DOUBLE_EQ(pipeline.get_output<double>(), 1.0);
}

class TakesEuOrders : public Factory<size_t> {
 public:
  Delivery<std::vector<Order>> orders{this, {.id = "eu"}};
  size_t process() override { return orders->size(); }
};

TEST(Dispatcher, NarrowsByDeliveryId) {
  Pipeline pipeline;
  Stage& sources = pipeline.add_stage();
  sources.add_factory<OrdersFactory>();
  sources.add_factory<MoreOrdersFactory>().set_delivery_id("eu");
  pipeline.add_factory<TakesEuOrders>();
  pipeline.run();
  EXPECT_EQ(pipeline.get_output<size_t>(), 1u);
}

TEST(Dispatcher, MissingRequiredInputFailsNamingConsumerInputAndType) {
  Pipeline pipeline;
  pipeline.add_factory<RevenueFactory>();
  std::string message = message_of<DeliveryError>([&] { pipeline.run(); });
  EXPECT_THAT(message, AllOf(HasSubstr("factory 'RevenueFactory' (stage 0)"),
                             HasSubstr("input #0 std::vector<setl::workflow::test::Order>"),
                             HasSubstr("nothing in the pipeline produces")));
}

TEST(Dispatcher, MissingOptionalInputStaysEmpty) {
  Pipeline pipeline;
  pipeline.add_factory<OrdersFactory>();
  RevenueFactory& revenue = pipeline.add_factory<RevenueFactory>();
  pipeline.run();
  EXPECT_FALSE(revenue.factor.has_value());
  EXPECT_THROW(revenue.factor.get(), DeliveryError);
  EXPECT_DOUBLE_EQ(revenue.get(), 60.5);
}

TEST(Dispatcher, TwoCandidatesFailWithBothNamed) {
  Pipeline pipeline;
  Stage& sources = pipeline.add_stage();
  sources.add_factory<OrdersFactory>();
  sources.add_factory<MoreOrdersFactory>();
  pipeline.add_factory<RevenueFactory>();
  std::string message = message_of<DeliveryError>([&] { pipeline.run(); });
  EXPECT_THAT(message, AllOf(HasSubstr("2 deliverables match"), HasSubstr("'OrdersFactory'"),
                             HasSubstr("'MoreOrdersFactory'"), HasSubstr(".producer =")));
}

class CitizensFactory : public Factory<Dataset<Citizen>> {
 public:
  Dataset<Citizen> process() override { return {{{"ada"}}}; }
};
class CountriesConsumer : public Factory<size_t> {
 public:
  Delivery<Dataset<Country>> countries{this};
  size_t process() override { return countries->rows.size(); }
};

TEST(Dispatcher, TypeDifferingOnlyByTemplateArgumentDoesNotMatch) {
  Pipeline pipeline;
  pipeline.add_factory<CitizensFactory>();
  pipeline.add_factory<CountriesConsumer>();
  std::string message = message_of<DeliveryError>([&] { pipeline.run(); });
  EXPECT_THAT(message, HasSubstr("nothing in the pipeline produces "
                                 "setl::workflow::test::Dataset<setl::workflow::test::Country>"));
}

class UsesExternalOrders : public Factory<size_t> {
 public:
  Delivery<std::vector<Order>> orders{this, {.producer = std::string(kExternalProducer)}};
  size_t process() override { return orders->size(); }
};

TEST(Dispatcher, ExternalInputAndFactoryOutputOfSameTypeAreDisambiguatedByProducer) {
  Pipeline pipeline;
  pipeline.set_input(std::vector<Order>(5, Order{0, 0}));
  pipeline.add_factory<OrdersFactory>();
  pipeline.add_factory<UsesExternalOrders>();
  pipeline.run();
  EXPECT_EQ(pipeline.get_output<size_t>(), 5u);
}

class UsesBackfillOrders : public Factory<size_t> {
 public:
  Delivery<std::vector<Order>> orders{this, {.id = "backfill"}};
  size_t process() override { return orders->size(); }
};

TEST(Dispatcher, ExternalInputAndFactoryOutputOfSameTypeAreDisambiguatedById) {
  Pipeline pipeline;
  pipeline.set_input(std::vector<Order>(7, Order{0, 0}), {.id = "backfill"});
  pipeline.add_factory<OrdersFactory>();
  Stage& consumers = pipeline.add_stage();
  consumers.add_factory<UsesBackfillOrders>();
  consumers.add_factory<RevenueFactory>();
  pipeline.run();
  EXPECT_EQ(pipeline.get_output<size_t>(), 7u);
  EXPECT_DOUBLE_EQ(pipeline.get_output<double>(), 60.5);  // the id-less factory output
}

TEST(Dispatcher, ExplainsNearMissesWhenIdsDiffer) {
  Pipeline pipeline;
  pipeline.set_input(std::vector<Order>{}, {.id = "backfil"});
  pipeline.add_factory<UsesBackfillOrders>();
  std::string message = message_of<DeliveryError>([&] { pipeline.run(); });
  EXPECT_THAT(message, HasSubstr("its delivery id 'backfil' differs (set .id = \"backfil\""));
}

TEST(Dispatcher, ResolvesAgainstOffersDirectly) {
  Dispatcher dispatcher;
  const TypeInfo& int_type = type_info_of<int>();
  dispatcher.add_offer({.producer = "A", .type = &int_type, .stage = 0, .label = "A"});
  dispatcher.add_offer(
      {.producer = "B", .type = &int_type, .delivery_id = "x", .stage = 0, .label = "B"});
  Request request{.consumer = "C", .stage = 1, .type = &int_type, .label = "input #0 int"};
  Resolution by_type = dispatcher.resolve(request);
  ASSERT_TRUE(by_type.ok());
  EXPECT_EQ(by_type.offer, 0u);
  request.id = "x";
  EXPECT_EQ(dispatcher.resolve(request).offer, 1u);
  request.id = "";
  request.stage = 0;
  EXPECT_THAT(dispatcher.resolve(request).problem, HasSubstr("does not run before it"));
}

}  // namespace
}  // namespace setl::workflow
