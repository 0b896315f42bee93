// Extension through the public API: a pipeline derived from a template by replacing,
// removing and inserting factories and changing parameters moves only the cache keys
// downstream of the change; diff() names what changed; namespaces stay a hierarchy in the
// drawings, the run targets and the benchmark.
#include <map>
#include <memory>
#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "composition_fragments.h"
#include "setl/core/error.h"
#include "setl/workflow/composition.h"

namespace setl::workflow {
namespace {

using test::DropOdd;
using test::IngestParams;
using test::Numbers;
using test::Scale;
using test::ScaleTwice;
using test::Total;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::UnorderedElementsAre;

// The cache key each factory would get, without running anything.
std::map<std::string, std::string> keys_of(Pipeline& pipeline) {
  pipeline.set_cache(std::make_shared<ResultCache>());
  pipeline.set_default_cache_policy({.mode = CacheMode::kMemory});
  std::map<std::string, std::string> keys;
  for (const CacheDecision& decision : pipeline.explain_cache()) {
    EXPECT_FALSE(decision.key.empty()) << decision.factory << ": " << decision.reason;
    keys[decision.factory] = decision.key;
  }
  return keys;
}

std::vector<std::string> changed_keys(const std::map<std::string, std::string>& before,
                                      const std::map<std::string, std::string>& after) {
  std::vector<std::string> changed;
  for (const auto& [name, key] : after) {
    auto was = before.find(name);
    if (was == before.end() || was->second != key) {
      changed.push_back(name);
    }
  }
  return changed;
}

std::string error_of(const std::function<void()>& action) {
  try {
    action();
  } catch (const DeliveryError& error) {
    return error.what();
  }
  ADD_FAILURE() << "no DeliveryError";
  return {};
}

TEST(ExtensionTest, ReplacingAFactoryMovesOnlyTheKeysDownstreamOfIt) {
  Pipeline base = test::ingest_fragment({.count = 3, .factor = 1});
  Pipeline derived = test::ingest_fragment({.count = 3, .factor = 1});
  ScaleTwice& replacement = derived.replace<Scale>(std::make_unique<ScaleTwice>());
  EXPECT_EQ(replacement.name(), "Scale");
  EXPECT_EQ(replacement.delivery_id(), "clean");
  EXPECT_THAT(changed_keys(keys_of(base), keys_of(derived)), ElementsAre("Scale", "Total"));
  EXPECT_EQ(derived.run().output<int64_t>("Total"), 24);
  EXPECT_EQ(base.run().output<int64_t>("Total"), 6);

  PipelineDiff difference = diff(base, derived);
  EXPECT_THAT(difference.replaced, ElementsAre("Scale: Scale -> ScaleTwice"));
  EXPECT_THAT(difference.changed_params, ElementsAre("Scale: factor '1' removed"));
  EXPECT_TRUE(difference.added.empty());
  EXPECT_THAT(difference.to_string(), HasSubstr("~ replaced Scale: Scale -> ScaleTwice"));
}

TEST(ExtensionTest, ReplacingInsideANamespaceKeepsTheNamespaceAndItsLookups) {
  Pipeline daily("daily");
  test::ingest_template().instantiate(daily, {.count = 2, .factor = 1}, {.ns = "eu"});
  test::ingest_template().instantiate(daily, {.count = 2, .factor = 1}, {.ns = "us"});
  EXPECT_THAT(error_of([&] { daily.replace<Scale>(std::make_unique<ScaleTwice>()); }),
              HasSubstr("2 factories of class Scale (eu.Scale, us.Scale); name the one"));
  daily.replace<Scale>(std::make_unique<ScaleTwice>(), "eu.Scale");
  RunResult result = daily.run();
  EXPECT_EQ(result.output<int64_t>("eu.Total"), 12);
  EXPECT_EQ(result.output<int64_t>("us.Total"), 3);
  EXPECT_THAT(daily.describe(),
              HasSubstr("eu.Scale -> " + type_info_of<Numbers>().name() + " (id 'eu.clean')"));
  EXPECT_THAT(error_of([&] { daily.replace<Total>(std::make_unique<Total>(), "nope"); }),
              HasSubstr("no factory of class Total named 'nope'"));
}

TEST(ExtensionTest, RemovingAFactoryThatIsStillReadFailsAndNamesItsReaders) {
  Pipeline pipeline = test::ingest_fragment({});
  std::string message = error_of([&] { pipeline.remove("Scale"); });
  EXPECT_THAT(message, HasSubstr("cannot remove factory 'Scale'"));
  EXPECT_THAT(message, HasSubstr("'Total' reads it (input #0)"));
  EXPECT_THAT(error_of([&] { pipeline.remove("Scal"); }), HasSubstr("did you mean 'Scale'?"));
  std::map<std::string, std::string> before = keys_of(pipeline);
  pipeline.remove("Total");
  std::map<std::string, std::string> after = keys_of(pipeline);
  EXPECT_EQ(after.size(), 2u);
  EXPECT_TRUE(changed_keys(before, after).empty());
  pipeline.remove("Scale");
  pipeline.remove("Generate");
  EXPECT_TRUE(pipeline.members().empty());
}

TEST(ExtensionTest, InsertAfterPutsAFactoryBetweenAProducerAndItsReaders) {
  Pipeline base = test::ingest_fragment({.count = 4, .factor = 1});
  Pipeline derived = test::ingest_fragment({.count = 4, .factor = 1});
  DropOdd& inserted = derived.insert_after("Scale", std::make_unique<DropOdd>());
  EXPECT_EQ(inserted.name(), "DropOdd");
  EXPECT_EQ(derived.run().output<int64_t>("Total"), 6) << "2 + 4: Total reads DropOdd now";
  EXPECT_THAT(changed_keys(keys_of(base), keys_of(derived)), ElementsAre("DropOdd", "Total"));
  PipelineDiff difference = diff(base, derived);
  EXPECT_THAT(difference.added, ElementsAre("DropOdd"));
  EXPECT_THAT(difference.rewired, ElementsAre("Total: input #0 now from 'DropOdd' (was 'Scale')"));

  EXPECT_THAT(error_of([&] { derived.insert_after("Scale", std::make_unique<Total>()); }),
              HasSubstr("it produces long, but 'Scale' produces"));
}

TEST(ExtensionTest, InsertAfterInANamespaceJoinsIt) {
  Pipeline daily("daily");
  test::ingest_template().instantiate(daily, {.count = 4, .factor = 1}, {.ns = "eu"});
  daily.insert_after("eu.Scale", std::make_unique<DropOdd>());
  EXPECT_EQ(daily.run().output<int64_t>("eu.Total"), 6);
  EXPECT_EQ(daily.members().back().factory->name(), "eu.DropOdd");
  EXPECT_EQ(daily.members().back().factory->namespace_path(), "eu");
}

TEST(ExtensionTest, ChangingParametersMovesTheFactorysKeyAndThoseDownstream) {
  Pipeline base = test::ingest_fragment({.count = 3, .factor = 1});
  Pipeline derived = test::ingest_fragment({.count = 3, .factor = 1});
  derived.with_params("Scale", {{"factor", "5"}});
  EXPECT_THAT(changed_keys(keys_of(base), keys_of(derived)), ElementsAre("Scale", "Total"));
  EXPECT_EQ(derived.run().output<int64_t>("Total"), 30);
  EXPECT_THAT(diff(base, derived).changed_params, ElementsAre("Scale: factor '1' -> '5'"));
  EXPECT_TRUE(diff(base, base).empty());
  EXPECT_EQ(diff(base, base).to_string(), "no differences\n");
  EXPECT_THAT(error_of([&] { derived.with_params("Scal", {}); }),
              HasSubstr("did you mean 'Scale'?"));
}

TEST(ExtensionTest, NamespacesAreTargetsAndRollUpInTheBenchmark) {
  Pipeline daily("daily");
  test::ingest_template().instantiate(daily, {.count = 2, .factor = 1}, {.ns = "eu.orders"});
  test::ingest_template().instantiate(daily, {.count = 2, .factor = 1}, {.ns = "eu.returns"});
  test::ingest_template().instantiate(daily, {.count = 2, .factor = 1}, {.ns = "us"});
  daily.set_benchmark(true);
  RunResult result = daily.run({.targets = {"eu.*"}});
  EXPECT_THAT(result.executed(),
              UnorderedElementsAre("eu.orders.Generate", "eu.orders.Scale", "eu.orders.Total",
                                   "eu.returns.Generate", "eu.returns.Scale", "eu.returns.Total"));
  std::vector<std::string> rolled;
  for (const NamespaceBenchmark& sum : daily.benchmark().namespaces()) {
    rolled.push_back(sum.ns + ":" + std::to_string(sum.factories));
  }
  EXPECT_THAT(rolled, ElementsAre("eu:6", "eu.orders:3", "eu.returns:3"));
  EXPECT_THAT(daily.benchmark().to_string(), HasSubstr("namespace eu.orders: 3 factory(ies)"));
  EXPECT_THAT(error_of([&] { daily.run({.targets = {"eu.order.*"}}); }),
              HasSubstr("target 'eu.order.*' matches no factory; did you mean 'eu.orders.*'?"));
}

TEST(ExtensionTest, DrawingsNestNamespacesAsSubgraphs) {
  Pipeline daily("daily");
  test::ingest_template().instantiate(daily, {}, {.ns = "eu.orders"});
  daily.add_stage().add_factory<test::Generate>(1).set_name("Root");
  std::string mermaid = daily.dag().to_mermaid();
  EXPECT_THAT(mermaid,
              HasSubstr("  subgraph ns_eu[\"eu\"]\n    subgraph ns_eu_orders[\"eu.orders\"]\n"
                        "      n"));
  EXPECT_THAT(mermaid, HasSubstr("  subgraph s0[\"stage-0\"]\n"));
  std::string dot = daily.dag().to_dot();
  EXPECT_THAT(dot, HasSubstr("subgraph cluster_ns_eu {"));
  EXPECT_THAT(dot, HasSubstr("    subgraph cluster_ns_eu_orders {\n      label=\"eu.orders\";"));
}

}  // namespace
}  // namespace setl::workflow
