// SETL's documentation (SETL-Framework/setl, docs/*.md), example by example, in C++.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "parity_types.h"
#include "setl/setl.h"
#include "testing/temp_dir.h"

namespace setl::workflow {
namespace {

using engine::Dataset;
using engine::Table;
using parity::Product2;
using storage::Connector;
using storage::CsvConnector;
using storage::Repository;
using ::testing::HasSubstr;

// ---- docs/Pipeline.md: ProductFactory -> DatasetFactory -> DatasetFactory2 -------------

struct Product1 {
  std::string x;
};

class ProductFactory : public Factory<Product1> {
 public:
  Delivery<std::string> id{this};  // delivered by the pipeline
  Product1 process() override { return {*id}; }
};

class DatasetFactory : public Factory<std::vector<Product1>> {
 public:
  Delivery<Product1> p1{this};  // produced by ProductFactory
  std::vector<Product1> process() override { return {*p1, {"pd1"}}; }
};

class DatasetFactory2 : public Factory<std::vector<Product2>> {
 public:
  Delivery<std::vector<Product1>> ds{this};  // produced by DatasetFactory
  std::vector<Product2> process() override {
    std::vector<Product2> output;
    for (const Product1& product : *ds) {
      output.push_back({product.x, "c2"});  // withColumn("y", lit("c2"))
    }
    return output;
  }
};

// The doc's job: two String inputs, one of them for ProductFactory only; three stages.
TEST(SetlDocsPipeline, TheThreeFactoryExampleRunsAndPicksTheInputNamingItsConsumer) {
  Pipeline pipeline;
  pipeline.set_input("id_of_product1", {.consumers = {"ProductFactory"}});
  pipeline.set_input("wrong_id_of_product1");  // same type: the consumer list decides
  pipeline.add_factory<ProductFactory>();
  pipeline.add_factory<DatasetFactory>();
  pipeline.add_factory<DatasetFactory2>();
  RunResult result = pipeline.run();

  // f3.get().show(): |id_of_product1| c2| and |pd1| c2|
  const auto& rows = result.output<std::vector<Product2>>("DatasetFactory2");
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_EQ(rows[0].x, "id_of_product1");
  EXPECT_EQ(rows[0].y, "c2");
  EXPECT_EQ(rows[1].x, "pd1");
  EXPECT_EQ(rows[1].y, "c2");
  EXPECT_EQ(pipeline.last_run().factory("ProductFactory").status, FactoryOutcome::Status::kRan);
}

// pipeline.describe(): the "Pipeline Summary" with a node per factory and a flow per edge.
TEST(SetlDocsPipeline, DescribePrintsTheOriginalsPipelineSummary) {
  Pipeline pipeline;
  pipeline.set_input("id_of_product1", {.consumers = {"ProductFactory"}});
  pipeline.set_input("wrong_id_of_product1");
  pipeline.add_factory<ProductFactory>();
  pipeline.add_factory<DatasetFactory>();
  pipeline.add_factory<DatasetFactory2>();
  std::string summary = pipeline.summary();
  EXPECT_THAT(summary, HasSubstr("========== Pipeline Summary ==========\n\n"
                                 "----------   Nodes Summary  ----------\n"
                                 "Node   : ProductFactory\n"
                                 "Stage  : 0\n"
                                 "Input  : std::string\n"));
  EXPECT_THAT(summary, HasSubstr("Node   : DatasetFactory2\nStage  : 2\n"));
  EXPECT_THAT(summary, HasSubstr("----------   Flows Summary  ----------\n"));
  EXPECT_THAT(summary, HasSubstr("Flow\nStage     : 0\n"
                                 "Direction : ProductFactory ==> DatasetFactory\n"));
  EXPECT_THAT(summary, HasSubstr("Flow\nStage     : 1\n"
                                 "Direction : DatasetFactory ==> DatasetFactory2\n"));
}

// ---- docs/Factory.md: a factory runs by itself, and its @Delivery is injected ------------

struct MyProduct {
  std::string made_from;
};

class TheAnswer : public Factory<int> {
 public:
  int process() override { return 42; }
};

class MyFactory : public Factory<MyProduct> {
 public:
  Delivery<std::string> input{this};
  MyProduct process() override { return {*input}; }
};

TEST(SetlDocsFactory, AFactoryRunsAloneAndThePipelineInjectsItsDelivery) {
  Stage stage;  // new MyFactory().read().process().write().get()
  auto& alone = stage.add_factory<TheAnswer>();
  stage.run();
  EXPECT_EQ(alone.get(), 42);

  Pipeline pipeline;
  pipeline.set_input("from the pipeline");
  auto& factory = pipeline.add_factory<MyFactory>();
  pipeline.run();
  EXPECT_EQ(factory.get().made_from, "from the pipeline");
}

// ---- docs/Stage.md: a stage of independent factories, sequential or parallel ------------

class Counter : public Factory<int> {
 public:
  explicit Counter(int value) : value_(value) {}
  int process() override { return value_; }

 private:
  int value_;
};

TEST(SetlDocsStage, AddByInstanceOrByTypeWithConstructorArgumentsThenRun) {
  for (bool parallel : {false, true}) {
    Stage stage;
    stage.set_parallel(parallel);
    auto& first = stage.add(std::make_unique<Counter>(1));  // an existing instance
    first.set_name("first");
    auto& second = stage.add_factory<Counter>(2);  // the framework instantiates it
    second.set_name("second");
    stage.run();
    EXPECT_EQ(first.get() + second.get(), 3);
    EXPECT_EQ(stage.timings().size(), 2u);
  }
}

// ---- docs/Setl.md: connectors and repositories from configuration -----------------------

Config storage_config(const testing::TempDir& dir) {
  std::string root = dir.path().string();
  return Config::from_yaml(
      "connectors:\n"
      "  config_path_1: {storage: CSV, path: '" +
      root +
      "/one.csv'}\n"
      "  config_path_2: {storage: CSV, path: '" +
      root +
      "/two.csv'}\n"
      "  config_path_3: {storage: CSV, path: '" +
      root +
      "/three.csv'}\n"
      "  products: {storage: CSV, path: '" +
      root +
      "/products.csv'}\n"
      "  products_bis: {storage: CSV, path: '" +
      root + "/bis.csv'}\n");
}

class UsesConnectors : public Factory<std::string> {
 public:
  Delivery<Connector> connector1{this, {.id = "config_path_1"}};
  Delivery<Connector> connector2{this, {.id = "id1"}};
  Delivery<CsvConnector> connector3{this, {.id = "config_path_3"}};
  std::string process() override {
    return connector1->describe() + "|" + connector2->describe() + "|" + connector3->describe();
  }
};

// setConnector("config_path_1"), setConnector("config_path_2", "id1"),
// setConnector("config_path_3", classOf[CSVConnector]); @Delivery(id = ...) receives them.
TEST(SetlDocsSetl, ConnectorsAreDeliveredByTheirIdAndType) {
  testing::TempDir dir;
  Setl setl(storage_config(dir));
  set_connector(setl, "connectors.config_path_1");
  set_connector(setl, "connectors.config_path_2", "id1");
  set_connector<CsvConnector>(setl, "connectors.config_path_3");
  Pipeline pipeline = setl.new_pipeline();  // holds every registered connector
  EXPECT_EQ(pipeline.sources().size(), 3u);
  auto& factory = pipeline.add<UsesConnectors>();
  pipeline.run();
  EXPECT_THAT(factory.get(), HasSubstr("one.csv"));
  EXPECT_THAT(factory.get(), HasSubstr("two.csv"));
  EXPECT_THAT(factory.get(), HasSubstr("three.csv"));

  // A typed registration checks the configured storage.
  Setl other(Config::from_yaml("connectors:\n  db: {storage: SQLITE, path: '" +
                               (dir.path() / "x.db").string() + "', table: t}\n"));
  EXPECT_THROW(set_connector<CsvConnector>(other, "connectors.db"), ConfigError);
}

class UsesRepository : public Factory<int64_t> {
 public:
  Delivery<Repository<Product2>> repo{this};                  // the repository itself
  Delivery<Dataset<Product2>> ds{this, {.auto_load = true}};  // its findAll()
  int64_t process() override { return repo->find_all().size() + ds->size(); }
};

// setSparkRepository[MyClass]("configPath"): delivered by type, and auto-loaded.
TEST(SetlDocsSetl, ARepositoryIsDeliveredAndAutoLoaded) {
  testing::TempDir dir;
  Setl setl(storage_config(dir));
  set_repository<Product2>(setl, "connectors.products");
  setl.resource<Repository<Product2>>("products")
      .save(Dataset<Product2>::from({{"a", "1"}, {"b", "2"}}));
  Pipeline pipeline = setl.new_pipeline();
  auto& factory = pipeline.add<UsesRepository>();
  pipeline.run();
  EXPECT_EQ(factory.get(), 4);
}

// setSparkRepository[MyClass]("anotherConfigPath", consumer = Seq(classOf[MyFactory1])):
// two repositories of one type, told apart by their consumer list.
TEST(SetlDocsSetl, RepositoriesOfOneTypeAreToldApartByConsumers) {
  testing::TempDir dir;
  Setl setl(storage_config(dir));
  set_repository<Product2>(setl, "connectors.products");
  set_repository<Product2>(setl, "connectors.products_bis", {}, {.consumers = {"UsesRepository"}});
  setl.resource<Repository<Product2>>("products").save(Dataset<Product2>::from({{"a", "1"}}));
  setl.resource<Repository<Product2>>("products_bis")
      .save(Dataset<Product2>::from({{"a", "1"}, {"b", "2"}, {"c", "3"}}));
  Pipeline pipeline = setl.new_pipeline();
  auto& factory = pipeline.add<UsesRepository>();
  pipeline.run();
  EXPECT_EQ(factory.get(), 6);  // both deliveries came from products_bis
}

// ---- docs/Annotations.md: the seven @Delivery forms -------------------------------------

struct MyClass {
  int value;
};
class Factory2 : public Factory<std::string> {
 public:
  std::string process() override { return "from Factory2"; }
};

class Foo : public Factory<std::string> {
 public:
  Delivery<MyClass> input1{this};
  Delivery<std::string> input2{this, {.producer = producer<Factory2>()}};
  Delivery<std::string> input3{this, {.producer = "Factory3", .optional = true}};
  Delivery<std::vector<std::string>> input4{this, {.id = "id1"}};
  Delivery<Dataset<Product2>> input5{this, {.auto_load = true}};
  Delivery<Dataset<Product2>> input6{this,
                                     {.optional = true, .auto_load = true, .condition = "x = 'A'"}};
  Delivery<Dataset<Product2>> input7{
      this, {.id = "id1", .optional = true, .auto_load = true, .condition = "x = 'A'"}};
  std::string process() override {
    return std::to_string(input1->value) + "|" + *input2 + "|" + (input3 ? "input3" : "no input3") +
           "|" + (*input4)[0] + "|" + std::to_string(input5->size()) + "|" +
           std::to_string(input6->size()) + "|" +
           (input7 ? std::to_string(input7->size()) : "no input7");
  }
};

TEST(SetlDocsAnnotations, EachDeliveryFormIsFilledAsDocumented) {
  testing::TempDir dir;
  Setl setl(storage_config(dir));
  set_repository<Product2>(setl, "connectors.products");
  setl.resource<Repository<Product2>>("products")
      .save(Dataset<Product2>::from({{"A", "1"}, {"B", "2"}, {"A", "3"}}));
  Pipeline pipeline = setl.new_pipeline();
  pipeline.set_input(MyClass{7});
  pipeline.set_input(std::vector<std::string>{"with id1"}, {.id = "id1"});
  pipeline.add_factory<Factory2>();
  auto& foo = pipeline.add_factory<Foo>();
  pipeline.run();
  // input3: Factory3 is absent, optional; input6: findBy("x = 'A'"); input7: no
  // repository has id1, optional.
  EXPECT_EQ(foo.get(), "7|from Factory2|no input3|with id1|3|2|no input7");
}

// ---- docs/Transformer.md: small stateless transformations inside a factory ----------------

class Uppercase : public Transformer<std::string> {
 public:
  explicit Uppercase(std::string input) : input_(std::move(input)) {}
  std::string compute() override {
    std::string out = input_;
    for (char& c : out) {
      c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    }
    return out;
  }

 private:
  std::string input_;
};

// "A factory can have multiple transformers", and one may be chosen among several.
class Greeting : public Factory<std::string> {
 public:
  Delivery<std::string> name{this};
  Delivery<bool> shout{this, {.id = "shout"}};
  std::string process() override {
    std::string greeting = "hello " + *name;
    if (*shout) {
      return Uppercase(greeting).transform().transformed();
    }
    return make_transformer([&] { return greeting + "."; }).transform().transformed();
  }
};

TEST(SetlDocsTransformer, TransformersAreChosenAndComposedInsideAFactory) {
  for (bool shout : {true, false}) {
    Pipeline pipeline;
    pipeline.set_input(std::string("setl"));
    pipeline.set_input(shout, {.id = "shout"});
    auto& greeting = pipeline.add_factory<Greeting>();
    pipeline.run();
    EXPECT_EQ(greeting.get(), shout ? "HELLO SETL" : "hello setl.");
  }
  Uppercase unused("x");
  EXPECT_THROW(unused.transformed(), StateError);  // read before transform()
}

}  // namespace
}  // namespace setl::workflow
