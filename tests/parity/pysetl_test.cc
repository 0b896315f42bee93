// PySetl's test suite (JhossePaul/pysetl, tests/workflow/*.py and tests/test_pysetl.py),
// case by case. PySetl's PySetl object is our Setl; set_spark_repository_from_config is
// set_repository<T>; DataSet[Schema] is Dataset<T>.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "parity_types.h"
#include "setl/setl.h"
#include "testing/temp_dir.h"

namespace setl::workflow {
namespace {

using engine::Dataset;
using engine::Table;
using parity::DS3Row;
using parity::DSRow;
using storage::Repository;
using ::testing::HasSubstr;
using testing::message_of;

struct Product1 {
  std::string x;
};
struct Product2 {
  std::string x;
  std::string y;
};
using parity::Container;
using parity::Container2;

class ProductFactory : public Factory<Product1> {
 public:
  Delivery<std::string> id{this};
  Product1 process() override { return {*id}; }
};
class Product2Factory : public Factory<Product2> {
 public:
  Product2 process() override { return {"a", "b"}; }
};
class ContainerFactory : public Factory<Container<Product1>> {
 public:
  Delivery<Product1> product1{this};
  Container<Product1> process() override { return {*product1}; }
};
class Container2Factory : public Factory<Container2<Product2>> {
 public:
  Delivery<Product1> p1{this};
  Delivery<Product2> p2{this};
  Container2<Product2> process() override { return {*p2}; }
};

size_t count_factories(const Dag& dag) {
  size_t count = 0;
  for (const DagNode& node : dag.nodes) {
    count += node.kind == DagNode::Kind::kFactory ? 1 : 0;
  }
  return count;
}

// tests/workflow/test_pipeline.py::test_pipeline_simple
TEST(PysetlPipeline, Simple) {
  Pipeline pipeline;
  pipeline.set_input(std::string("id_of_product"));
  Stage& stage1 = pipeline.add_stage();
  stage1.add_factory<ProductFactory>();
  stage1.add_factory<Product2Factory>();
  auto& factory3 = pipeline.add_stage().add_factory<ContainerFactory>();
  pipeline.add_stage().add_factory<Container2Factory>();
  pipeline.run();

  Dag dag = pipeline.dag();
  EXPECT_EQ(count_factories(dag), 4u);
  size_t factory_flows = 0;
  for (const DagFlow& flow : dag.flows) {
    factory_flows += dag.nodes[flow.from].kind == DagNode::Kind::kFactory ? 1 : 0;
  }
  EXPECT_EQ(factory_flows + 1, 4u);  // three between factories, one from the input
  const auto& last = pipeline.get_output<Container2<Product2>>("Container2Factory");
  EXPECT_EQ(last.content.x, "a");
  EXPECT_EQ(last.content.y, "b");
  EXPECT_EQ(factory3.get().content.x, "id_of_product");
  EXPECT_EQ(pipeline.describe(), pipeline.dag().to_string());
}

struct Args {
  bool param_bool;
  int param_int;
  double param_float;
  std::string param_string;
  Product2 param_product2;
  std::string param_input_string;
};

class FactoryWithInit : public Factory<Args> {
 public:
  FactoryWithInit(bool flag, int number, double real, std::string text, Product2 product)
      : args_{flag, number, real, std::move(text), std::move(product), {}} {}
  Delivery<std::string> input_string{this, {.id = "id"}};
  Args process() override {
    Args args = args_;
    args.param_input_string = *input_string;
    return args;
  }

 private:
  Args args_;
};

// tests/workflow/test_pipeline.py::test_pipline_builtins
TEST(PysetlPipeline, ConstructorArgumentsAndAnInputWithIdAndConsumers) {
  Pipeline pipeline;
  pipeline.set_benchmark(true);
  pipeline.set_input(std::string("payload"), {.id = "id", .consumers = {"FactoryWithInit"}});
  pipeline.add_factory<FactoryWithInit>(true, 1, 1.0, "", Product2{"a", "b"});
  pipeline.run();
  const Args& last = pipeline.last_output<Args>();
  EXPECT_TRUE(last.param_bool);
  EXPECT_EQ(last.param_int, 1);
  EXPECT_EQ(last.param_float, 1.0);
  EXPECT_EQ(last.param_string, "");
  EXPECT_EQ(last.param_product2.y, "b");
  EXPECT_EQ(last.param_input_string, "payload");
  EXPECT_EQ(&pipeline.get_output<Args>("FactoryWithInit"), &last);
  EXPECT_EQ(pipeline.benchmark().factories.size(), 1u);
  std::string message =
      message_of<DeliveryError>([&] { pipeline.get_output<Product1>("ProductFactory"); });
  EXPECT_THAT(message, HasSubstr("no factory named 'ProductFactory'"));
}

// tests/workflow/test_pipeline.py::test_pipeline_no_solution
TEST(PysetlPipeline, NoSolutionNamesTheTypeTheIdAndTheConsumer) {
  Pipeline pipeline;
  pipeline.set_input(std::string("payload"), {.id = "wront_id", .consumers = {"FactoryWithInit"}});
  pipeline.add_factory<ProductFactory>();
  std::string message = message_of<DeliveryError>([&] { pipeline.run(); });
  EXPECT_THAT(message, HasSubstr("'ProductFactory'"));
  EXPECT_THAT(message, HasSubstr("std::string"));
  EXPECT_THAT(message, HasSubstr("wront_id"));
}

class MultipleInputFactory : public Factory<std::vector<std::string>> {
 public:
  Delivery<std::vector<std::string>> array1{this, {.id = "first"}};
  Delivery<std::vector<std::string>> array2{this, {.id = "second"}};
  Delivery<std::vector<std::string>> array3{this};
  std::vector<std::string> process() override { return *array3; }
};

void offer_first_and_second(Pipeline& pipeline) {
  pipeline.set_input(std::vector<std::string>{"a", "b"}, {.id = "first"});
  pipeline.set_input(std::vector<std::string>{"1", "2"}, {.id = "second"});
}

// tests/workflow/test_dispatcher.py::test_dispatcher_consumer_not_in_deliverable_list
TEST(PysetlDispatcher, AnInputForAnotherConsumerIsNotDelivered) {
  Pipeline pipeline;
  offer_first_and_second(pipeline);
  pipeline.set_input(std::vector<std::string>{"x", "y"}, {.consumers = {"MyFactory"}});
  pipeline.add_factory<MultipleInputFactory>();
  std::string message = message_of<DeliveryError>([&] { pipeline.run(); });
  EXPECT_THAT(message, HasSubstr("consumer list does not name 'MultipleInputFactory'"));
}

// tests/workflow/test_dispatcher.py::test_dispatcher_matches_by_producer: of two
// candidates, the one the factory produced itself is never its input.
TEST(PysetlDispatcher, AFactorysOwnOutputIsNotItsInput) {
  Pipeline pipeline;
  offer_first_and_second(pipeline);
  pipeline.set_input(std::vector<std::string>{"x", "y"});
  auto& factory = pipeline.add_factory<MultipleInputFactory>();  // also offers a vector
  pipeline.run();
  EXPECT_EQ(factory.get(), (std::vector<std::string>{"x", "y"}));
}

// tests/workflow/test_dispatcher.py::test_dispatcher_matches_by_consumer
TEST(PysetlDispatcher, TheInputNamingTheConsumerWins) {
  Pipeline pipeline;
  offer_first_and_second(pipeline);
  pipeline.set_input(std::vector<std::string>{"x", "y"}, {.consumers = {"MultipleInputFactory"}});
  pipeline.set_input(std::vector<std::string>{"m", "n"});
  auto& factory = pipeline.add_factory<MultipleInputFactory>();
  pipeline.run();
  EXPECT_EQ(factory.get(), (std::vector<std::string>{"x", "y"}));
  EXPECT_EQ(pipeline.dag().nodes.back().inputs[2].rule, "consumer list names the factory");
}

class TwoStrings : public Factory<std::string> {
 public:
  Delivery<std::string> str1{this, {.id = "1"}};
  Delivery<std::string> str2{this, {.id = "2"}};
  TwoStrings() { set_delivery_id("MultipleInputFactory"); }
  std::string process() override { return "0" + *str1 + *str2; }
};
class LastFactory : public Factory<std::string> {
 public:
  Delivery<std::string> string{this, {.id = "MultipleInputFactory"}};
  std::string process() override { return *string; }
};

// tests/workflow/test_inspector.py::test_inpsector: inputs told apart by id, a factory's
// output delivered under its own delivery id.
TEST(PysetlInspector, InputsByIdAndAFactoryOutputWithADeliveryId) {
  Pipeline pipeline;
  pipeline.set_input(std::string("string_1"), {.id = "1"});
  pipeline.set_input(std::string("string_2"), {.id = "2"});
  pipeline.add_factory<TwoStrings>();
  auto& last = pipeline.add_factory<LastFactory>();
  Dag dag = pipeline.dag();
  EXPECT_EQ(count_factories(dag), 2u);
  EXPECT_EQ(dag.flows.size(), 3u);
  EXPECT_THAT(pipeline.summary(), HasSubstr("========== Pipeline Summary =========="));
  EXPECT_THAT(dag.to_class_diagram(), HasSubstr("F_LastFactory <-- "));
  pipeline.run();
  EXPECT_EQ(last.get(), "0string_1string_2");
}

// tests/workflow/test_inspector.py::test_inspector_exceptions ("Multiple factories found")
TEST(PysetlInspector, TwoFactoriesWithOneNameAreRefused) {
  Pipeline pipeline;
  pipeline.set_input(std::string("string_1"), {.id = "1"});
  pipeline.set_input(std::string("string_2"), {.id = "2"});
  pipeline.add_factory<TwoStrings>();
  pipeline.add_factory<TwoStrings>();
  std::string message = message_of<DeliveryError>([&] { pipeline.run(); });
  EXPECT_THAT(message, HasSubstr("2 factories are named 'TwoStrings'"));
}

class IntFactory : public Factory<int> {
 public:
  int process() override { return 1; }
};

// tests/workflow/test_stage.py::test_no_spark_stage
TEST(PysetlStage, AStageRunsWithoutAPipeline) {
  Stage stage;
  auto& factory = stage.add_factory<IntFactory>();
  stage.run();
  EXPECT_EQ(factory.get(), 1);
  EXPECT_EQ(factory.deliverable().payload_type(), type_info_of<int>());
}

class PersistanceFactory : public Factory<Table> {
 public:
  explicit PersistanceFactory(std::shared_ptr<storage::Connector> connector)
      : connector_(std::move(connector)) {}
  Table process() override { return Dataset<parity::Product23Row>::from({{"a"}, {"b"}}).table(); }
  void write() override { connector_->write(get(), storage::SaveMode::kAppend); }

 private:
  std::shared_ptr<storage::Connector> connector_;
};

// tests/workflow/test_stage.py::test_stage: a stage that is not writable skips write().
TEST(PysetlStage, ANonWritableStageDoesNotWrite) {
  testing::TempDir dir;
  auto path = dir.path() / "persisted.csv";
  auto connector = storage::make_connector<storage::CsvConnector>(path);
  Stage stage;
  stage.set_writable(false).add_factory<PersistanceFactory>(connector);
  stage.run();
  EXPECT_FALSE(std::filesystem::exists(path));
  EXPECT_EQ(stage.timings().size(), 1u);
  stage.set_writable(true).run();
  EXPECT_TRUE(std::filesystem::exists(path));
  EXPECT_EQ(connector->read().num_rows(), 2);
}

struct CitizenModel {
  std::string name;
  int age;
};
class FirstFactory : public Factory<CitizenModel> {
 public:
  CitizenModel process() override { return {"Gerardo", 28}; }
};
class SecondFactory : public Factory<std::vector<CitizenModel>> {
 public:
  Delivery<CitizenModel> first_citizen{this, {.producer = producer<FirstFactory>()}};
  Delivery<CitizenModel> external_citizen{
      this, {.producer = std::string(kExternalProducer), .id = "the good citizen"}};
  std::vector<CitizenModel> process() override { return {*first_citizen, *external_citizen}; }
};

// tests/workflow/test_factory.py::test_factory: a factory's type and expected deliveries.
TEST(PysetlFactory, OutputTypeAndExpectedDeliveries) {
  SecondFactory second;
  EXPECT_EQ(second.name(), "SecondFactory");
  EXPECT_EQ(FirstFactory().output_type(), type_info_of<CitizenModel>());
  ASSERT_EQ(second.deliveries().size(), 2u);
  EXPECT_EQ(second.deliveries()[0]->producer(), "FirstFactory");
  EXPECT_EQ(second.deliveries()[1]->producer(), "External");
  EXPECT_EQ(second.deliveries()[1]->type(), type_info_of<CitizenModel>());

  Pipeline pipeline;
  pipeline.set_input(CitizenModel{"Paul", 40}, {.id = "the good citizen"});
  pipeline.add_factory<FirstFactory>();
  auto& added = pipeline.add_factory<SecondFactory>();
  pipeline.run();
  EXPECT_EQ(added.get()[1].name, "Paul");
}

// ---- tests/test_pysetl.py: repositories from configuration --------------------------------

class PysetlRepositories : public ::testing::Test {
 protected:
  PysetlRepositories()
      : setl_(Config::from_yaml("csv_config: {storage: CSV, path: '" +
                                (dir_.path() / "ds.csv").string() +
                                "', delimiter: ';'}\nparquet_config: {storage: PARQUET, path: '" +
                                (dir_.path() / "ds3.parquet").string() + "'}\n")) {}
  static Dataset<DSRow> two_rows() {
    return Dataset<DSRow>::from({{1, "a", "A", 1}, {2, "b", "B", 2}});
  }
  testing::TempDir dir_;
  Setl setl_;
};

class ProducerFactory : public Factory<Dataset<DSRow>> {
 public:
  Delivery<Repository<DSRow>> repo{this};
  Dataset<DSRow> process() override {
    return Dataset<DSRow>::from({{1, "a", "A", 1}, {2, "b", "B", 2}});
  }
  void write() override { repo->save(get()); }
};
class ConsumerFactory : public Factory<Dataset<DS3Row>> {
 public:
  Delivery<Dataset<DSRow>> input{this};
  Delivery<Repository<DS3Row>> repo{this};
  Dataset<DS3Row> process() override {
    std::vector<DS3Row> rows;
    for (const DSRow& row : *input) {
      rows.push_back({row.partition1, row.partition2, row.clustering1, row.value, "haha"});
    }
    return Dataset<DS3Row>::from(rows);
  }
  void write() override { repo->save(get()); }
};

// test_pysetl_pipelines: a producer and a consumer, each saving through its repository.
TEST_F(PysetlRepositories, ProducerAndConsumerSaveThroughTheirRepositories) {
  set_repository<DSRow>(setl_, "csv_config");
  set_repository<DS3Row>(setl_, "parquet_config");
  Pipeline pipeline = setl_.new_pipeline();
  pipeline.add_factory<ProducerFactory>();
  pipeline.add_factory<ConsumerFactory>();
  pipeline.run();
  Table produced = setl_.resource<Repository<DSRow>>("csv_config").connector()->read();
  Table consumed = setl_.resource<Repository<DS3Row>>("parquet_config").connector()->read();
  EXPECT_EQ(produced.num_rows(), 2);
  EXPECT_EQ(consumed.num_rows(), 2);
  EXPECT_EQ(produced.num_columns(), 4);
  EXPECT_EQ(consumed.num_columns(), 5);
}

// test_pysetl_sparkrepository_with_consumers: two repositories of one type; the one whose
// consumers name the factory is delivered to it.
TEST_F(PysetlRepositories, TheRepositoryNamingTheConsumerIsDelivered) {
  set_repository<DSRow>(setl_, "csv_config", {}, {.consumers = {"ProducerFactory"}});
  Setl& setl = setl_;
  setl.register_resource<Repository<DSRow>>(
      "other",
      std::make_shared<Repository<DSRow>>(
          storage::make_connector<storage::CsvConnector>(dir_.path() / "other.csv")),
      {.delivery_id = std::string()});
  Pipeline pipeline = setl.new_pipeline();
  pipeline.add_factory<ProducerFactory>();
  pipeline.run();
  EXPECT_TRUE(std::filesystem::exists(dir_.path() / "ds.csv"));
  EXPECT_FALSE(std::filesystem::exists(dir_.path() / "other.csv"));
}

class RepositoryLoad : public Factory<Dataset<DSRow>> {
 public:
  Delivery<Repository<DSRow>> repo{this, {.id = "id"}};
  Dataset<DSRow> process() override { return repo->find_all(); }
};

// test_pysetl_set_sparkrepository: a repository with a delivery id, listed as an input.
TEST_F(PysetlRepositories, ARepositoryWithADeliveryIdIsListedAndDelivered) {
  set_repository<DSRow>(setl_, "csv_config", {}, {.delivery_id = "id"});
  EXPECT_EQ(setl_.resource_ids(), std::vector<std::string>{"csv_config"});
  EXPECT_TRUE(setl_.has_resource("csv_config"));
  EXPECT_FALSE(setl_.has_resource("bad_config"));
  setl_.resource<Repository<DSRow>>("csv_config").save(two_rows());
  Pipeline pipeline = setl_.new_pipeline();
  auto& load = pipeline.add_factory<RepositoryLoad>();
  pipeline.run();
  EXPECT_EQ(load.get().size(), 2);
  EXPECT_EQ(load.get().collect()[1].clustering1, "B");
}

// test_pysetl_exceptions ("No config found with key: non_existent") and
// test_pysetl_set_repository (the same id twice): clear errors, nothing replaced silently.
TEST_F(PysetlRepositories, AMissingKeyOrATakenIdIsAnError) {
  std::string missing =
      message_of<ConfigError>([&] { set_repository<DSRow>(setl_, "non_existent"); });
  EXPECT_THAT(missing, HasSubstr("non_existent"));
  set_repository<DSRow>(setl_, "csv_config", "factory1", {.consumers = {"ProducerFactory"}});
  EXPECT_THROW(set_repository<DSRow>(setl_, "csv_config", "factory1"), StateError);
  EXPECT_EQ(setl_.sources().size(), 1u);
  EXPECT_EQ(setl_.sources()[0].deliverable.consumers(),
            std::vector<std::string>{"ProducerFactory"});
}

}  // namespace
}  // namespace setl::workflow
