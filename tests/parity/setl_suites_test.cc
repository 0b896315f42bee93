// SETL's test suites (SETL-Framework/setl, src/test/scala/io/github/setl/workflow/
// DeliverableDispatcherSuite.scala), case by case, through a Pipeline: SETL's
// `dispatcher.testDispatch(factory)` is a pipeline of that factory with the deliverables
// as inputs, and its NoSuchElementException / InvalidDeliveryException are our
// DeliveryError (raised before anything runs).
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "parity_types.h"
#include "setl/setl.h"
#include "testing/temp_dir.h"

namespace setl::workflow {
namespace {

using engine::Dataset;
using parity::Product2;
using parity::Product23Row;
using storage::Repository;
using ::testing::HasSubstr;
using testing::message_of;

using parity::Container;
using parity::Container2;
struct Product {
  std::string x;
};
struct Product23 {
  std::string x;
};

// "Test delivery manager with container and product": generic arguments tell types apart.
class MyFactory : public Factory<Container<Product23>> {
 public:
  Delivery<Container2<Product>> input{this};
  Delivery<Container<Product23>> output{this};
  Container<Product23> process() override { return *output; }
};

TEST(SetlDispatcherSuite, ContainersOfDifferentProductsAreDifferentTypes) {
  Pipeline pipeline;
  pipeline.set_input(Container<Product>{{"1"}});
  pipeline.set_input(Container2<Product>{{"2"}});
  pipeline.set_input(Container<Product23>{{"3"}});
  pipeline.set_input(Container2<Product23>{{"4"}});
  auto& factory = pipeline.add_factory<MyFactory>();
  pipeline.run();
  EXPECT_EQ(factory.input->content.x, "2");
  EXPECT_EQ(factory.get().content.x, "3");
}

// "Test DispatchManager optional input": empty without deliverables, filled by producer.
class P1 : public Factory<std::string> {
 public:
  std::string process() override { return "hehehe"; }
};
class P2 : public Factory<std::string> {
 public:
  std::string process() override { return "hahaha"; }
};
class OptionalInputs : public Factory<std::string> {
 public:
  Delivery<std::string> v1{this, {.producer = producer<P1>(), .optional = true}};
  Delivery<std::string> v2{this, {.producer = producer<P2>(), .optional = true}};
  std::string process() override { return v1.value_or("null") + v2.value_or("null"); }
};

TEST(SetlDispatcherSuite, OptionalInputsStayEmptyThenComeFromTheirProducers) {
  Pipeline alone;
  auto& empty = alone.add_factory<OptionalInputs>();
  alone.run();
  EXPECT_EQ(empty.get(), "nullnull");

  Pipeline pipeline;
  pipeline.add_factory<P1>();
  pipeline.add_factory<P2>();
  auto& filled = pipeline.add_factory<OptionalInputs>();
  pipeline.run();
  EXPECT_EQ(filled.get(), "hehehehahaha");
}

// "should throw AlreadyExistsException while trying setting two identical deliveries".
TEST(SetlDispatcherSuite, TheSameDeliverableTwiceIsAnError) {
  Pipeline pipeline;
  pipeline.set_input(std::string("hehehe"));
  std::string message =
      message_of<DeliveryError>([&] { pipeline.set_input(std::string("hehehe")); });
  EXPECT_THAT(message, HasSubstr("already set"));
}

// "should throw InvalidDeliveryException when there are multiple matched deliveries":
// two Strings from the same producer for the same consumer.
class Factory1 : public Factory<std::string> {
 public:
  std::string process() override { return "hehe"; }
};
class Factory2 : public Factory<std::string> {
 public:
  Delivery<std::string> input{this, {.producer = producer<Factory1>()}};
  std::string process() override { return *input; }
};

class Consumer2 : public Factory<std::string> {
 public:
  Delivery<std::string> input{this};
  std::string process() override { return *input; }
};

TEST(SetlDispatcherSuite, TwoEqualMatchesAreAnErrorNamingBoth) {
  Pipeline pipeline;
  pipeline.set_input(std::string("hehe1"), {.consumers = {"Consumer2"}});
  pipeline.set_input(std::string("hehe2"), {.consumers = {"Consumer2", "Other"}});
  pipeline.add_factory<Consumer2>();
  std::string message = message_of<DeliveryError>([&] { pipeline.run(); });
  EXPECT_THAT(message, HasSubstr("2 deliverables match equally"));
  EXPECT_THAT(message, HasSubstr("Consumer2"));
}

// "multiple matched deliveries but no matched producer": offers exist, none from Factory1.
TEST(SetlDispatcherSuite, MatchesOfTypeWithoutTheNamedProducerAreMissing) {
  Pipeline pipeline;
  pipeline.set_input(std::string("hehe1"), {.consumers = {"Factory2"}});
  pipeline.set_input(std::string("hehe2"), {.id = "other", .consumers = {"Factory2"}});
  pipeline.add_factory<Factory2>();
  std::string message = message_of<DeliveryError>([&] { pipeline.run(); });
  EXPECT_THAT(message, HasSubstr("Factory1"));
}

// The auto-load cases share a CSV-backed Repository<Product2> with rows a/1, b/2, c/3.
class AutoLoadFixture : public ::testing::Test {
 protected:
  AutoLoadFixture()
      : setl_(Config::from_yaml(
            "connectors:\n  repo1: {storage: CSV, path: '" + (dir_.path() / "one.csv").string() +
            "'}\n  repo2: {storage: CSV, path: '" + (dir_.path() / "two.csv").string() + "'}\n")) {}
  void register_repo1(ResourceOptions options = {}) {
    set_repository<Product2>(setl_, "connectors.repo1", {}, std::move(options));
    setl_.resource<Repository<Product2>>("repo1").save(
        Dataset<Product2>::from({{"a", "1"}, {"b", "2"}, {"c", "3"}}));
  }
  testing::TempDir dir_;
  Setl setl_;
};

class FactoryWithAutoLoad : public Factory<int64_t> {
 public:
  Delivery<Dataset<Product2>> input{this, {.auto_load = true}};
  FactoryWithAutoLoad() { set_reads_only_deliveries(); }
  int64_t process() override { return input->size(); }
};
class FactoryWithAutoLoadWithCondition : public Factory<int64_t> {
 public:
  Delivery<Dataset<Product2>> input{this, {.auto_load = true, .condition = "x = 'a'"}};
  FactoryWithAutoLoadWithCondition() { set_reads_only_deliveries(); }
  int64_t process() override { return input->size(); }
};

// "Deliverable dispatcher should handle auto loading": findAll() of the repository.
TEST_F(AutoLoadFixture, AutoLoadReadsEveryRowOfTheRepository) {
  register_repo1();
  Pipeline pipeline = setl_.new_pipeline();
  auto& factory = pipeline.add<FactoryWithAutoLoad>();
  pipeline.run();
  EXPECT_EQ(factory.get(), 3);
}

// "... Cannot autoload Connector": a bare connector offers a Table, not a Dataset<T>.
TEST_F(AutoLoadFixture, AConnectorCannotAutoLoadATypedDataset) {
  set_connector(setl_, "connectors.repo1");
  Pipeline pipeline = setl_.new_pipeline();
  pipeline.add<FactoryWithAutoLoad>();
  EXPECT_THROW(pipeline.run(), DeliveryError);
}

// "auto loading with condition when no DS is available": findBy(condition).
TEST_F(AutoLoadFixture, AutoLoadWithAConditionReadsTheMatchingRows) {
  register_repo1();
  Pipeline pipeline = setl_.new_pipeline();
  auto& factory = pipeline.add<FactoryWithAutoLoadWithCondition>();
  pipeline.run();
  EXPECT_EQ(factory.get(), 1);
}

// "auto loading with condition when a DS is available": the condition filters it too.
TEST(SetlDispatcherSuite, AConditionAlsoFiltersADatasetFoundInThePool) {
  Pipeline pipeline;
  pipeline.set_input(Dataset<Product2>::from({{"a", "1"}, {"b", "2"}, {"c", "3"}}));
  auto& factory = pipeline.add<FactoryWithAutoLoadWithCondition>();
  pipeline.run();
  EXPECT_EQ(factory.get(), 1);
}

// "should throw exception when repository for auto loading has a wrong consumer".
TEST_F(AutoLoadFixture, ARepositoryForAnotherConsumerCannotAutoLoad) {
  register_repo1({.consumers = {"MyFactory2"}});
  Pipeline pipeline = setl_.new_pipeline();
  pipeline.add<FactoryWithAutoLoad>();
  EXPECT_THROW(pipeline.run(), DeliveryError);
}

// "should throw exception when there is neither delivery nor repository": an optional
// input stays empty, a required one is an error.
class FactoryWithAutoLoadOptional : public Factory<int64_t> {
 public:
  Delivery<Dataset<Product2>> input{this, {.auto_load = true}};
  Delivery<Dataset<Product23Row>> product23{this, {.optional = true, .auto_load = true}};
  FactoryWithAutoLoadOptional() { set_reads_only_deliveries(); }
  int64_t process() override { return input->size() + (product23 ? 100 : 0); }
};
class FactoryWithAutoLoadException : public Factory<int64_t> {
 public:
  Delivery<Dataset<Product2>> input{this, {.auto_load = true}};
  Delivery<Dataset<Product23Row>> product23{this, {.auto_load = true}};
  FactoryWithAutoLoadException() { set_reads_only_deliveries(); }
  int64_t process() override { return input->size(); }
};

TEST_F(AutoLoadFixture, AMissingOptionalAutoLoadStaysEmptyARequiredOneIsAnError) {
  register_repo1();
  Pipeline optional = setl_.new_pipeline();
  auto& factory = optional.add<FactoryWithAutoLoadOptional>();
  optional.run();
  EXPECT_EQ(factory.get(), 3);

  Pipeline required = setl_.new_pipeline();
  required.add<FactoryWithAutoLoadException>();
  EXPECT_THROW(required.run(), DeliveryError);
}

// "[SETL-25] should handle multiple autoLoad with the same type and different id".
class FactoryWithMultipleAutoLoad : public Factory<int64_t> {
 public:
  Delivery<Dataset<Product2>> input{this, {.id = "delivery1", .auto_load = true}};
  Delivery<Dataset<Product2>> input2{this, {.id = "delivery2", .auto_load = true}};
  FactoryWithMultipleAutoLoad() { set_reads_only_deliveries(); }
  int64_t process() override { return input->size() * 10 + input2->size(); }
};

TEST_F(AutoLoadFixture, TwoAutoLoadsOfOneTypeAreToldApartByDeliveryId) {
  register_repo1({.delivery_id = "delivery1"});
  set_repository<Product2>(setl_, "connectors.repo2", {}, {.delivery_id = "delivery2"});
  setl_.resource<Repository<Product2>>("repo2").save(Dataset<Product2>::from({{"A", "11"}}));
  Pipeline pipeline = setl_.new_pipeline();
  auto& factory = pipeline.add<FactoryWithMultipleAutoLoad>();
  pipeline.run();
  EXPECT_EQ(factory.get(), 31);  // 3 rows and 1 row
}

// "should handle delivery ID when there are multiple deliveries of the same type".
class MultipleInputFactory : public Factory<std::vector<std::string>> {
 public:
  Delivery<std::vector<std::string>> array_one{this, {.id = "first"}};
  Delivery<std::vector<std::string>> array_two{this, {.id = "second"}};
  Delivery<std::vector<std::string>> array_three{this};
  std::vector<std::string> process() override {
    std::vector<std::string> all = *array_one;
    all.insert(all.end(), array_two->begin(), array_two->end());
    all.insert(all.end(), array_three->begin(), array_three->end());
    return all;
  }
};

TEST(SetlDispatcherSuite, DeliveryIdsTellApartInputsOfOneType) {
  Pipeline pipeline;
  pipeline.set_input(std::vector<std::string>{"a", "b"}, {.id = "first"});
  pipeline.set_input(std::vector<std::string>{"1", "2"}, {.id = "second"});
  pipeline.set_input(std::vector<std::string>{"x", "y"});
  pipeline.set_input(std::vector<std::string>{"m", "n"}, {.id = "fourth"});
  auto& factory = pipeline.add_factory<MultipleInputFactory>();
  pipeline.run();
  EXPECT_EQ(factory.get(), (std::vector<std::string>{"a", "b", "1", "2", "x", "y"}));
}

// "should throw exception when ID not matching": SETL fails at dispatch when two id-less
// arrays are offered; here the second id-less input with the same consumers is already
// refused by set_input, and two that both name the factory are ambiguous.
TEST(SetlDispatcherSuite, TwoIdLessInputsForOneDeliveryAreRefused) {
  Pipeline pipeline;
  pipeline.set_input(std::vector<std::string>{"a", "b"}, {.id = "first"});
  pipeline.set_input(std::vector<std::string>{"1", "2"}, {.id = "second"});
  pipeline.set_input(std::vector<std::string>{"x", "y"});
  EXPECT_THROW(pipeline.set_input(std::vector<std::string>{"m", "n"}), DeliveryError);
  pipeline.add_factory<MultipleInputFactory>();
  EXPECT_NO_THROW(pipeline.run());
  pipeline.set_input(std::vector<std::string>{"m", "n"}, {.consumers = {"MultipleInputFactory"}});
  pipeline.set_input(std::vector<std::string>{"o", "p"},
                     {.consumers = {"MultipleInputFactory", "Other"}});
  std::string message = message_of<DeliveryError>([&] { pipeline.run(); });
  EXPECT_THAT(message, HasSubstr("match equally"));
}

// "SETL-15: should handle primitive type delivery".
class PrimaryDeliveryFactory : public Factory<std::string> {
 public:
  Delivery<int8_t> by{this};
  Delivery<int16_t> s{this};
  Delivery<int32_t> i{this};
  Delivery<int64_t> l{this};
  Delivery<float> f{this};
  Delivery<double> d{this};
  Delivery<bool> bo{this};
  Delivery<char> c{this};
  Delivery<std::string> str{this};
  Delivery<std::vector<std::string>> str_array{this};
  Delivery<std::vector<float>> float_array{this};
  std::string process() override {
    return std::to_string(*by) + std::to_string(*s) + std::to_string(*i) + std::to_string(*l) +
           std::to_string(static_cast<int>(*f)) + std::to_string(static_cast<int>(*d)) +
           (*bo ? "T" : "F") + std::to_string(static_cast<int>(*c)) + *str + (*str_array)[1] +
           std::to_string(static_cast<int>((*float_array)[0]));
  }
};

TEST(SetlDispatcherSuite, PrimitiveTypesAreDeliveredByType) {
  Pipeline pipeline;
  pipeline.set_input(int8_t{0});
  pipeline.set_input(int16_t{1});
  pipeline.set_input(int32_t{2});
  pipeline.set_input(int64_t{3});
  pipeline.set_input(4.0f);
  pipeline.set_input(5.0);
  pipeline.set_input(true);
  pipeline.set_input(static_cast<char>(6));
  pipeline.set_input("7");
  pipeline.set_input(std::vector<std::string>{"a", "b"});
  pipeline.set_input(std::vector<float>{99.0f, 11.0f});
  auto& factory = pipeline.add_factory<PrimaryDeliveryFactory>();
  pipeline.run();
  EXPECT_EQ(factory.get(), "012345T67b99");
}

}  // namespace
}  // namespace setl::workflow
