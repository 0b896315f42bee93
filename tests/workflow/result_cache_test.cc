// Result caching and lazy evaluation (feature ids CA-n and LZ-n).
#include "setl/workflow/result_cache.h"

#include <atomic>
#include <map>
#include <thread>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "setl/core/error.h"
#include "setl/workflow/pipeline.h"
#include "setl/workflow/setl.h"
#include "testing/temp_dir.h"

namespace setl::workflow {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

// Counts how often each factory's process() ran.
struct Counts {
  std::map<std::string, int> runs;
  std::mutex mutex;
  void add(const std::string& name) {
    std::lock_guard lock(mutex);
    ++runs[name];
  }
  int of(const std::string& name) {
    std::lock_guard lock(mutex);
    return runs[name];
  }
};

class Base : public Factory<int> {
 public:
  Base(std::string name, Counts& counts, std::string version = "1")
      : counts_(counts), version_(std::move(version)) {
    set_name(std::move(name));
    set_cache_policy({.mode = CacheMode::kMemory});
    set_reads_only_deliveries();
  }
  int process() override {
    counts_.add(name());
    return 10;
  }
  std::string code_version() const override { return version_; }
  void set_version(std::string version) { version_ = std::move(version); }

 private:
  Counts& counts_;
  std::string version_;
};

class AddInput : public Factory<int> {
 public:
  AddInput(std::string name, std::string from, Counts& counts)
      : input_(this, {.producer = std::move(from)}), counts_(counts) {
    set_name(std::move(name));
    set_cache_policy({.mode = CacheMode::kMemory});
    set_reads_only_deliveries();
  }
  int process() override {
    counts_.add(name());
    return *input_ + 1;
  }

 private:
  Delivery<int> input_;
  Counts& counts_;
};

class ScaleExternal : public Factory<int> {
 public:
  ScaleExternal(Counts& counts) : counts_(counts) {
    set_cache_policy({.mode = CacheMode::kMemory});
    set_reads_only_deliveries();
  }
  int process() override {
    counts_.add(name());
    return *factor_ * 2;
  }

 private:
  Delivery<int> factor_{this, {.id = "factor"}};
  Counts& counts_;
};

// A → B → C, and D on its own.
struct Graph {
  Counts counts;
  Pipeline pipeline{"cached"};
  Base* a;
  Base* d;
  explicit Graph(std::shared_ptr<ResultCache> cache) {
    pipeline.set_cache(std::move(cache));
    Stage& first = pipeline.add_stage();
    a = &first.add_factory<Base>("A", counts);
    d = &first.add_factory<Base>("D", counts);
    pipeline.add_factory<AddInput>("B", "A", counts);
    pipeline.add_factory<AddInput>("C", "B", counts);
  }
};

std::string outcome_of(const Pipeline& pipeline, const std::string& factory) {
  for (const CacheDecision& decision : pipeline.cache_report()) {
    if (decision.factory == factory) {
      return std::string(to_string(decision.outcome)) +
             (decision.reason.empty() ? "" : ": " + decision.reason);
    }
  }
  return "missing";
}

TEST(ResultCache, CA1_ASecondRunWithNothingChangedProcessesNothing) {
  Graph graph(std::make_shared<ResultCache>());
  graph.pipeline.run();
  graph.pipeline.run();
  for (const char* name : {"A", "B", "C", "D"}) {
    EXPECT_EQ(graph.counts.of(name), 1) << name;
    EXPECT_EQ(outcome_of(graph.pipeline, name), "hit") << name;
  }
  EXPECT_EQ(graph.pipeline.get_output<int>("C"), 12);
  EXPECT_TRUE(graph.pipeline.executed_factories().empty());
  EXPECT_EQ(graph.pipeline.cache()->stats().hits, 4);
}

TEST(ResultCache, CA2_BumpingACodeVersionRerunsThatFactoryAndItsDescendantsOnly) {
  Graph graph(std::make_shared<ResultCache>());
  graph.pipeline.run();
  graph.a->set_version("2");
  graph.pipeline.run();
  EXPECT_EQ(graph.counts.of("A"), 2);
  EXPECT_EQ(graph.counts.of("B"), 2);
  EXPECT_EQ(graph.counts.of("C"), 2);
  EXPECT_EQ(graph.counts.of("D"), 1);
  EXPECT_EQ(outcome_of(graph.pipeline, "A"), "miss: code_version '1' -> '2'");
  EXPECT_EQ(outcome_of(graph.pipeline, "B"), "miss: input 'A' changed");
  EXPECT_EQ(outcome_of(graph.pipeline, "D"), "hit");
}

TEST(ResultCache, CA3_ChangingAnExternalInputRerunsItsConsumersOnly) {
  auto cache = std::make_shared<ResultCache>();
  Counts counts;
  Pipeline pipeline("external");
  pipeline.set_cache(cache);
  pipeline.add_factory<ScaleExternal>(counts);
  pipeline.add_factory<Base>("Other", counts);
  pipeline.set_input<int>(3, {.id = "factor", .fingerprint = "v1"});
  pipeline.run();
  pipeline.run();
  EXPECT_EQ(counts.of("ScaleExternal"), 1);
  pipeline.replace_input<int>(4, {.id = "factor", .fingerprint = "v2"});
  pipeline.run();
  EXPECT_EQ(counts.of("ScaleExternal"), 2);
  EXPECT_EQ(counts.of("Other"), 1);
  EXPECT_EQ(pipeline.get_output<int>("ScaleExternal"), 8);
  EXPECT_EQ(outcome_of(pipeline, "ScaleExternal"), "miss: external input 'factor' changed");
  // Without a fingerprint the consumer cannot be cached, and the report says why.
  pipeline.replace_input<int>(5, {.id = "factor"});
  pipeline.run();
  pipeline.run();
  EXPECT_EQ(counts.of("ScaleExternal"), 4);
  EXPECT_THAT(outcome_of(pipeline, "ScaleExternal"), HasSubstr("uncacheable: external input"));
}

TEST(ResultCache, CA14_ExplainSaysWhatTheNextRunWouldDoWithoutRunningIt) {
  Graph graph(std::make_shared<ResultCache>());
  graph.pipeline.run();
  graph.a->set_version("3");
  std::vector<CacheDecision> plan = graph.pipeline.explain_cache();
  ASSERT_EQ(plan.size(), 4u);
  EXPECT_EQ(plan[0].factory, "A");
  EXPECT_EQ(std::string(to_string(plan[0].outcome)), "miss");
  EXPECT_EQ(plan[0].reason, "code_version '1' -> '3'");
  EXPECT_EQ(std::string(to_string(plan[1].outcome)), "hit");  // D
  EXPECT_EQ(plan[2].reason, "input 'A' changed");             // B
  EXPECT_EQ(graph.counts.of("A"), 1);                         // nothing ran
  EXPECT_EQ(graph.pipeline.get_output<int>("C"), 12);         // outputs kept
  EXPECT_EQ(std::string(to_string(graph.pipeline.cache_report()[0].outcome)), "miss");
}

TEST(ResultCache, CA4_EntriesExpireAfterTheirTtl) {
  auto clock = std::make_shared<ManualClock>();
  Graph graph(std::make_shared<ResultCache>(int64_t{1} << 30, clock));
  graph.d->set_cache_policy({.mode = CacheMode::kMemory, .ttl = std::chrono::milliseconds(30)});
  graph.pipeline.run();
  clock->advance(std::chrono::milliseconds(30));  // exactly the TTL: still fresh
  graph.pipeline.run();
  EXPECT_EQ(graph.counts.of("D"), 1);
  clock->advance(std::chrono::milliseconds(1));
  graph.pipeline.run();
  EXPECT_EQ(graph.counts.of("D"), 2);
  EXPECT_EQ(graph.counts.of("A"), 1);
  EXPECT_EQ(outcome_of(graph.pipeline, "D"), "miss: expired or evicted");
}

TEST(ResultCache, LZ2_ACachedTargetDoesNotComputeItsInputs) {
  Graph graph(std::make_shared<ResultCache>());
  graph.pipeline.run({.targets = {"C"}});
  EXPECT_THAT(graph.pipeline.executed_factories(), ElementsAre("A", "B", "C"));
  EXPECT_EQ(graph.counts.of("D"), 0);  // another branch: never needed
  EXPECT_THAT(outcome_of(graph.pipeline, "D"), HasSubstr("skipped"));
  graph.a->set_version("2");  // A changed, but only C is wanted and C is... a miss now
  graph.pipeline.run({.targets = {"C"}});
  EXPECT_EQ(graph.counts.of("C"), 2);
  graph.pipeline.run({.targets = {"C"}});  // nothing changed: C served, A and B not touched
  EXPECT_TRUE(graph.pipeline.executed_factories().empty());
  EXPECT_EQ(outcome_of(graph.pipeline, "A"), "skipped: not needed by the targets");
  EXPECT_EQ(graph.pipeline.get_output<int>("C"), 12);
}

TEST(ResultCache, CA5_EvictsTheLeastRecentlyUsedBeyondTheByteBudget) {
  ResultCache cache(3 * sizeof(int));
  CacheKeyParts parts;
  for (int i = 0; i < 4; ++i) {
    parts.factory = "F" + std::to_string(i);
    cache.store("k" + std::to_string(i),
                {std::make_shared<const int>(i),
                 nullptr,
                 sizeof(int),
                 std::chrono::steady_clock::now(),
                 {}},
                parts);
    if (i == 2) {
      ASSERT_TRUE(cache.find("k0"));  // k0 is now more recent than k1
    }
  }
  EXPECT_TRUE(cache.find("k0"));
  EXPECT_FALSE(cache.find("k1"));
  EXPECT_EQ(cache.stats().evictions, 1);
  EXPECT_EQ(cache.stats().entries, 3);
  cache.invalidate("F0");
  EXPECT_FALSE(cache.find("k0"));
  EXPECT_EQ(stable_hash("a"), stable_hash("a"));
  EXPECT_NE(stable_hash("a"), stable_hash("b"));
  EXPECT_EQ(stable_hash("a").size(), 32u);
}

TEST(ResultCache, OneCacheServesSeveralPipelines) {
  auto cache = std::make_shared<ResultCache>();
  Graph first(cache);
  Graph second(cache);
  first.pipeline.run();
  second.pipeline.run();
  EXPECT_EQ(second.counts.of("A"), 0);
  EXPECT_EQ(second.pipeline.get_output<int>("C"), 12);
}

TEST(ResultCache, FactoriesWithThePolicyOffAlwaysRun) {
  Graph graph(std::make_shared<ResultCache>());
  graph.d->set_cache_policy({});
  graph.pipeline.run();
  graph.pipeline.run();
  EXPECT_EQ(graph.counts.of("D"), 2);
  EXPECT_EQ(outcome_of(graph.pipeline, "D"), "off");
}

class Plain : public Factory<int> {
 public:
  explicit Plain(Counts& counts) : counts_(counts) { set_reads_only_deliveries(); }
  int process() override {
    counts_.add(name());
    return 5;
  }

 private:
  Counts& counts_;
};

TEST(ResultCache, CA13_ConfigurationSetsTheDefaultPolicyAndTheSharedCaches) {
  testing::TempDir dir;
  Config config = Config::from_yaml(
      "cache: {mode: memory+disk, ttl: 24h, dir: " + (dir.path() / "cache").string() + "}",
      "app.yaml");
  Setl setl(config);
  ASSERT_TRUE(setl.disk_cache());
  EXPECT_EQ(setl.default_cache_policy().ttl, std::chrono::hours(24));
  Counts counts;
  for (int run = 0; run < 2; ++run) {
    Pipeline pipeline = setl.new_pipeline("configured");
    pipeline.add_factory<Plain>(counts);  // no policy of its own: the configured default
    pipeline.run();
  }
  EXPECT_EQ(counts.of("Plain"), 1);
  EXPECT_EQ(setl.disk_cache()->stats().entries, 1);  // int has a built-in codec

  EXPECT_THAT(testing::message_of<ConfigError>(
                  [] { Setl bad(Config::from_yaml("cache: {mode: disk}", "app.yaml")); }),
              HasSubstr("needs 'dir'"));
  EXPECT_THAT(testing::message_of<ConfigError>(
                  [] { Setl bad(Config::from_yaml("cache: {mode: sometimes}", "app.yaml")); }),
              HasSubstr("unknown cache mode 'sometimes'"));
  EXPECT_THAT(testing::message_of<ConfigError>([] {
                Setl bad(Config::from_yaml("cache: {mode: memory, tll: 1h}", "app.yaml"));
              }),
              HasSubstr("unknown key 'tll'"));
}

}  // namespace
}  // namespace setl::workflow
