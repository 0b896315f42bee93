// A plugin built as a separate shared library is loaded, its versioned component resolved
// and run; its id is in the run report and the cache key.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "setl/core/error.h"
#include "setl/workflow/registry.h"

namespace setl::workflow {
namespace {

using ::testing::HasSubstr;

TEST(PluginTest, AComponentFromAPluginIsResolvedByVersionAndRuns) {
  Registry registry;
  registry.load_plugin(SETL_TEST_PLUGIN);
  registry.load_plugin(SETL_TEST_PLUGIN);  // once is enough; the second is a no-op
  const Component& latest = registry.require("numbers/counting", "^1.0");
  EXPECT_EQ(latest.version.to_string(), "1.1.0");
  EXPECT_EQ(registry.require("numbers/counting", "~1.0").version.to_string(), "1.0.0");

  Pipeline pipeline("with-plugin");
  registry.instantiate(pipeline, "numbers/counting", "^1", Config::from_yaml("upto: 4"),
                       {.ns = "eu"});
  registry.instantiate(pipeline, "numbers/counting", "1.0", Config(), {.ns = "us"});
  pipeline.set_cache(std::make_shared<ResultCache>());
  pipeline.set_default_cache_policy({.mode = CacheMode::kMemory});
  RunResult result = pipeline.run();
  EXPECT_EQ(result.output<int64_t>("eu.Sum"), 100);
  EXPECT_EQ(result.output<int64_t>("us.Sum"), 6);
  EXPECT_EQ(result.factory("eu.Sum").component, latest.id());
  EXPECT_THAT(result.factory("us.Sum").component, HasSubstr("numbers/counting@1.0.0#"));
  EXPECT_THAT(result.summary(), HasSubstr("numbers/counting@1.1.0#"));
  for (const CacheDecision& decision : result.cache_report()) {
    EXPECT_FALSE(decision.key.empty()) << decision.factory;
  }

  std::unique_ptr<FactoryBase> count = registry.make_factory("numbers.Count", Config());
  EXPECT_EQ(count->param("upto"), "3");
  EXPECT_THAT(
      [&] {
        try {
          registry.make_factory("numbers.Count", Config::from_yaml("upto: many\nuptoo: 2"));
        } catch (const ConfigError& error) {
          return std::string(error.what());
        }
        return std::string();
      }(),
      HasSubstr("unknown parameter 'uptoo'; did you mean 'upto'?; parameter 'upto' must be of "
                "type integer, found 'many'"));
}

TEST(PluginTest, AMissingOrForeignLibraryIsRefusedWithTheReason) {
  Registry registry;
  EXPECT_THROW(registry.load_plugin("no-such-plugin.so"), IoError);
  try {
    registry.load_plugin(SETL_TEST_NOT_A_PLUGIN);
    ADD_FAILURE() << "a library without an entry point was accepted";
  } catch (const ConfigError& error) {
    EXPECT_THAT(error.what(), HasSubstr("has no setlpp entry point"));
  }
}

}  // namespace
}  // namespace setl::workflow
