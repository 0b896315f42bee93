// The pipeline library: semantic versions and ranges, the interface check that forces a
// major version bump, typed factory parameters, and the component id carried into the run
// report and the cache keys.
#include "setl/workflow/registry.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "composition_fragments.h"
#include "setl/core/error.h"

namespace setl::workflow {
namespace {

using ::testing::HasSubstr;

std::string config_error(const std::function<void()>& action) {
  try {
    action();
  } catch (const ConfigError& error) {
    return error.what();
  }
  ADD_FAILURE() << "no ConfigError";
  return {};
}

TEST(RegistryTest, ThePluginAbiNamesTheProjectVersion) {
  // SETL_PLUGIN_ABI is written in registry.h by hand: it must follow project(VERSION).
  EXPECT_THAT(std::string(SETL_PLUGIN_ABI), HasSubstr(std::string("setlpp ") +
                                                      SETL_PROJECT_VERSION + ";"));
}

TEST(RegistryTest, VersionsAndRanges) {
  EXPECT_EQ(SemanticVersion::parse("1.20.3").to_string(), "1.20.3");
  EXPECT_LT(SemanticVersion::parse("1.9.0"), SemanticVersion::parse("1.10.0"));
  for (const char* bad : {"1.2", "1.2.3.4", "1..2", "v1.2.3", "-1.0.0", "", "1.2.x"}) {
    EXPECT_THROW(SemanticVersion::parse(bad), ConfigError) << bad;
  }
  struct Case {
    const char* range;
    const char* version;
    bool inside;
  };
  for (const Case& c : std::vector<Case>{{"^1.2", "1.2.0", true},
                                         {"^1.2", "1.9.9", true},
                                         {"^1.2", "2.0.0", false},
                                         {"^1.2", "1.1.9", false},
                                         {"^0.3", "0.3.5", true},
                                         {"^0.3", "0.4.0", false},
                                         {"~1.2.3", "1.2.9", true},
                                         {"~1.2.3", "1.3.0", false},
                                         {"1.2", "1.2.7", true},
                                         {"1.2", "1.3.0", false},
                                         {"=1.2.3", "1.2.3", true},
                                         {"1.2.3", "1.2.4", false},
                                         {">=1.2 <2", "1.5.0", true},
                                         {">=1.2 <2", "2.0.0", false},
                                         {">1.2.0", "1.2.0", false},
                                         {"<=1.2.0", "1.2.0", true},
                                         {"*", "7.0.0", true}}) {
    EXPECT_EQ(VersionRange::parse(c.range).contains(SemanticVersion::parse(c.version)), c.inside)
        << c.range << " " << c.version;
  }
  EXPECT_THAT(config_error([] { VersionRange::parse("^1.x"); }), HasSubstr("cannot read '^1.x'"));
}

Pipeline ingest_with_scale(int64_t factor) {
  return test::ingest_fragment({.count = 3, .factor = factor});
}

TEST(RegistryTest, AnInterfaceChangeNeedsAMajorVersionBump) {
  Registry registry;
  registry.add_component("ingest/numbers", "1.0.0",
                         [](const FactoryParams&) { return ingest_with_scale(1); });
  registry.add_component("ingest/numbers", "1.1.0", [](const FactoryParams&) {
    return ingest_with_scale(2);  // same interface, other behaviour: a minor version
  });
  std::string message = config_error([&] {
    registry.add_component("ingest/numbers", "1.2.0",
                           [](const FactoryParams&) { return test::scale_fragment(1); });
  });
  EXPECT_THAT(message, HasSubstr("1.2.0 changes the interface of 1.0.0"));
  EXPECT_THAT(message, HasSubstr("release it as 2.0.0"));
  registry.add_component("ingest/numbers", "2.0.0",
                         [](const FactoryParams&) { return test::scale_fragment(1); });
  EXPECT_THAT(config_error([&] {
                registry.add_component("ingest/numbers", "1.1.0",
                                       [](const FactoryParams&) { return ingest_with_scale(3); });
              }),
              HasSubstr("1.1.0 is registered already"));
  EXPECT_EQ(registry.require("ingest/numbers", "^1").version.to_string(), "1.1.0");
  EXPECT_EQ(registry.require("ingest/numbers", "*").version.to_string(), "2.0.0");
  EXPECT_THAT(config_error([&] { registry.require("ingest/numbers", "^3"); }),
              HasSubstr("no version matches '^3' (registered: 1.0.0, 1.1.0, 2.0.0)"));
  EXPECT_THAT(config_error([&] { registry.require("ingest/number", "^1"); }),
              HasSubstr("did you mean 'ingest/numbers'?"));
}

TEST(RegistryTest, TheComponentIdIsInTheRunReportAndTheCacheKeys) {
  Registry registry;
  registry.add_component("ingest/numbers", "1.0.0",
                         [](const FactoryParams&) { return ingest_with_scale(1); });
  registry.add_component("ingest/numbers", "1.1.0",
                         [](const FactoryParams&) { return ingest_with_scale(1); });
  auto keys = [&](const char* range) {
    Pipeline pipeline("p");
    registry.instantiate(pipeline, "ingest/numbers", range, Config(), {});
    pipeline.set_cache(std::make_shared<ResultCache>());
    pipeline.set_default_cache_policy({.mode = CacheMode::kMemory});
    std::map<std::string, std::string> found;
    for (const CacheDecision& decision : pipeline.explain_cache()) {
      found[decision.factory] = decision.key;
    }
    EXPECT_THAT(pipeline.run().factory("Total").component,
                HasSubstr(std::string("ingest/numbers@") + (range[3] == '0' ? "1.0.0" : "1.1.0")));
    return found;
  };
  std::map<std::string, std::string> old_keys = keys("=1.0.0");
  std::map<std::string, std::string> new_keys = keys("=1.1.0");
  for (const auto& [factory, key] : new_keys) {
    EXPECT_NE(key, old_keys.at(factory)) << factory << ": another version is another key";
  }
}

class Greeting : public Factory<std::string> {
 public:
  explicit Greeting(const FactoryParams& params)
      : text_(params.get_string("text")), times_(params.get_int("times")) {}
  std::string process() override {
    std::string all;
    for (int64_t i = 0; i < times_; ++i) {
      all += text_;
    }
    return all;
  }

 private:
  std::string text_;
  int64_t times_;
};
SETL_REGISTER_FACTORY(Greeting,
                      {{.name = "text", .required = true, .help = "what to say"},
                       {.name = "times", .kind = ParamSpec::Kind::kInteger, .fallback = "1"}});

TEST(RegistryTest, FactoriesAreMadeFromCheckedTypedParameters) {
  const Registry& registry = Registry::global();
  std::unique_ptr<FactoryBase> greeting =
      registry.make_factory("Greeting", Config::from_yaml("text: hi\ntimes: 2"));
  EXPECT_EQ(greeting->params().at("times"), "2");
  Pipeline pipeline("p");
  pipeline.add(std::move(greeting));
  EXPECT_EQ(pipeline.run().output<std::string>("Greeting"), "hihi");
  EXPECT_EQ(registry.make_factory("Greeting", Config::from_yaml("text: x"))->param("times"), "1");
  std::string message =
      config_error([&] { registry.make_factory("Greeting", Config::from_yaml("times: 2.5")); });
  EXPECT_THAT(message, HasSubstr("parameter 'text' (string) is required: what to say"));
  EXPECT_THAT(message, HasSubstr("parameter 'times' must be of type integer, found '2.5'"));
  EXPECT_THAT(config_error([&] { registry.make_factory("Greting", Config()); }),
              HasSubstr("unknown factory 'Greting'; did you mean 'Greeting'?"));
  Registry local;
  local.add_factory<Greeting>("Greeting");
  EXPECT_THAT(config_error([&] { local.add_factory<Greeting>("Greeting"); }),
              HasSubstr("'Greeting' is registered already"));
}

}  // namespace
}  // namespace setl::workflow
