#include "setl/workflow/setl.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "setl/engine/execution.h"
#include "test_factories.h"
#include "testing/temp_dir.h"

namespace setl::workflow {
namespace {

using ::testing::HasSubstr;
using testing::message_of;
using namespace test;

struct Warehouse {
  std::string url;
};

class UsesContext : public Factory<std::string> {
 public:
  std::string process() override {
    const Setl& setl = context();
    return setl.resource<Warehouse>("warehouse").url + "/" +
           setl.config().get_string("output.table");
  }
};

TEST(Setl, BuilderLoadsConfigWithAProfile) {
  testing::TempDir dir;
  auto path = dir.write("app.yaml",
                        "default:\n  output:\n    table: dev_sales\nprod:\n  output:\n    table: "
                        "sales\n");
  Setl setl = Setl::builder().with_config_file(path).with_profile("prod").build();
  EXPECT_EQ(setl.config().get_string("output.table"), "sales");
  EXPECT_EQ(setl.config().profile(), "prod");
}

TEST(Setl, FactoriesReachConfigAndResourcesThroughTheContext) {
  Setl setl(Config::from_yaml("output:\n  table: sales\n"));
  setl.register_resource("warehouse", std::make_shared<Warehouse>(Warehouse{"sqlite://dw"}));
  Pipeline pipeline = setl.new_pipeline("daily");
  pipeline.add_factory<UsesContext>();
  pipeline.run();
  EXPECT_EQ(pipeline.last_output<std::string>(), "sqlite://dw/sales");
  EXPECT_EQ(pipeline.name(), "daily");
  EXPECT_EQ(pipeline.context(), &setl);
}

class ReportsEngineThreads : public Factory<int> {
 public:
  int process() override { return engine::num_threads(); }
};

TEST(Setl, EachContextsRunsUseItsEngineThreads) {
  Setl one(Config::from_yaml("engine:\n  threads: 1\n"));
  Setl two(Config::from_yaml("engine:\n  threads: 2\n"));
  Pipeline first = one.new_pipeline();
  first.add_factory<ReportsEngineThreads>();
  Pipeline second = two.new_pipeline();
  second.add_factory<ReportsEngineThreads>();
  first.run();
  second.run();
  EXPECT_EQ(first.last_output<int>(), 1);
  EXPECT_EQ(second.last_output<int>(), 2);
  EXPECT_EQ(one.memory_options().threads, 1);

  EXPECT_THAT(message_of<ConfigError>([] { Setl(Config::from_yaml("engine:\n  threads: -1\n")); }),
              HasSubstr("engine.threads must be between 1 and 1024"));
  EXPECT_THAT(message_of<ConfigError>([] { Setl(Config::from_yaml("engine:\n  thread: 2\n")); }),
              HasSubstr("section 'engine': unknown key 'thread' (expected threads)"));
}

TEST(Setl, FactoryWithoutContextGetsAStateError) {
  Pipeline pipeline;
  pipeline.add_factory<UsesContext>();
  EXPECT_THAT(message_of<StateError>([&] { pipeline.run(); }),
              HasSubstr("is not run by a pipeline created with Setl::new_pipeline()"));
}

TEST(Setl, ResourceErrorsNameTheIdAndTypes) {
  Setl setl;
  setl.register_resource("warehouse", std::make_shared<Warehouse>());
  EXPECT_TRUE(setl.has_resource("warehouse"));
  EXPECT_EQ(setl.resource_ids(), std::vector<std::string>{"warehouse"});
  EXPECT_THAT(message_of<DeliveryError>([&] { setl.resource<Warehouse>("lake"); }),
              HasSubstr("no resource 'lake' is registered in the Setl context; registered: "
                        "warehouse (setl::workflow::(anonymous namespace)::Warehouse)"));
  EXPECT_THAT(message_of<DeliveryError>([&] { setl.resource<int>("warehouse"); }),
              HasSubstr("is a setl::workflow::(anonymous namespace)::Warehouse, not a int"));
  EXPECT_THAT(message_of<StateError>(
                  [&] { setl.register_resource("warehouse", std::make_shared<int>(1)); }),
              HasSubstr("already registered"));
  EXPECT_THROW(setl.register_resource("null", std::shared_ptr<int>()), StateError);
}

TEST(Setl, BuilderRejectsTwoConfigSources) {
  EXPECT_THROW(Setl::builder().with_config_file("a.yaml").with_config(Config()).build(),
               ConfigError);
}

}  // namespace
}  // namespace setl::workflow
