// Composition through the public API: templates instantiated under namespaces, interfaces
// and their violations, the namespace lookup of free inputs, configuration scoping, and
// the >> and | operators.
#include "setl/workflow/composition.h"

#include <atomic>
#include <condition_variable>
#include <mutex>
#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "composition_fragments.h"
#include "setl/core/config.h"
#include "setl/core/error.h"
#include "setl/core/job_group.h"
#include "setl/workflow/setl.h"

namespace setl::workflow {
namespace {

using test::Generate;
using test::IngestParams;
using test::Numbers;
using test::Scale;
using test::Total;
using ::testing::AllOf;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Not;

std::vector<std::string> names_of(const Pipeline& pipeline) {
  std::vector<std::string> names;
  for (const Pipeline::Member& member : pipeline.members()) {
    names.push_back(member.factory->name());
  }
  return names;
}

std::string include_error(Pipeline& into, Pipeline fragment, const ComposeOptions& options) {
  try {
    into.include(std::move(fragment), options);
  } catch (const DeliveryError& error) {
    return error.what();
  }
  ADD_FAILURE() << "include() did not throw";
  return {};
}

TEST(CompositionTest, TemplateInstancesAreIndependentWithTheirOwnNamesKeysAndJobGroups) {
  const Template<IngestParams>& ingest = test::ingest_template();
  Pipeline daily("daily");
  ingest.instantiate(daily, {.count = 3, .factor = 1}, {.ns = "a"});
  ingest.instantiate(daily, {.count = 4, .factor = 2}, {.ns = "b"});
  ingest.instantiate(daily, {.count = 5, .factor = 3}, {.ns = "c"});
  EXPECT_THAT(names_of(daily),
              ElementsAre("a.Generate", "a.Scale", "a.Total", "b.Generate", "b.Scale", "b.Total",
                          "c.Generate", "c.Scale", "c.Total"));
  daily.set_cache(std::make_shared<ResultCache>());
  daily.set_default_cache_policy({.mode = CacheMode::kMemory});
  RunResult result = daily.run();
  EXPECT_EQ(result.output<int64_t>("a.Total"), 6);
  EXPECT_EQ(result.output<int64_t>("b.Total"), 20);
  EXPECT_EQ(result.output<int64_t>("c.Total"), 45);

  std::set<std::string> keys;
  for (const CacheDecision& decision : result.cache_report()) {
    EXPECT_FALSE(decision.key.empty()) << decision.factory << ": " << decision.reason;
    keys.insert(decision.key);
  }
  EXPECT_EQ(keys.size(), 9u) << "each instance has its own cache keys";

  std::set<std::string> b_groups;
  for (const JobGroupInfo& group : finished_job_groups()) {
    if (std::find(group.tags.begin(), group.tags.end(), "namespace:b") != group.tags.end()) {
      b_groups.insert(group.name);
    }
  }
  EXPECT_EQ(b_groups, (std::set<std::string>{"b.Generate", "b.Scale", "b.Total"}));
}

// Each instance holds its factory until all three are inside it at once: the instances
// of one template run concurrently. A missing one fails the test instead of hanging it.
class Rendezvous : public Factory<int64_t> {
 public:
  struct Room {
    std::mutex mutex;
    std::condition_variable all_in;
    int inside = 0;
    int expected = 0;
  };
  explicit Rendezvous(Room& room) : room_(room) {}
  int64_t process() override {
    std::unique_lock lock(room_.mutex);
    ++room_.inside;
    room_.all_in.notify_all();
    bool met = room_.all_in.wait_for(lock, std::chrono::seconds(30),
                                     [&] { return room_.inside >= room_.expected; });
    if (!met) {
      throw FactoryError("only " + std::to_string(room_.inside) + " instances met");
    }
    return static_cast<int64_t>(clean->size());
  }

 private:
  Room& room_;
  Delivery<Numbers> clean{this, {.id = "clean"}};
};

Pipeline meeting_fragment(const IngestParams& params, Rendezvous::Room& room) {
  Pipeline fragment = test::ingest_fragment(params);
  fragment.add<Rendezvous>(room);
  return fragment;
}

TEST(CompositionTest, InstancesOfOneTemplateRunConcurrently) {
  Rendezvous::Room room;
  room.expected = 3;
  Pipeline daily("daily");
  for (int i = 0; i < 3; ++i) {
    daily.include(meeting_fragment({.count = 2 + i, .factor = 1}, room),
                  {.ns = "part" + std::to_string(i)});
  }
  daily.set_max_concurrency(3);
  RunResult result = daily.run();
  EXPECT_EQ(result.output<int64_t>("part0.Rendezvous"), 2);
  EXPECT_EQ(result.output<int64_t>("part2.Rendezvous"), 4);
}

TEST(CompositionTest, SixteenInstancesOnEightThreadsGiveEachItsOwnResult) {
  Pipeline many("many");
  for (int i = 0; i < 16; ++i) {
    test::ingest_template().instantiate(many, {.count = 10 + i, .factor = i},
                                        {.ns = "t" + std::to_string(i)});
  }
  many.set_max_concurrency(8);
  for (int round = 0; round < 3; ++round) {
    RunResult result = many.run();
    for (int64_t i = 0; i < 16; ++i) {
      int64_t count = 10 + i;
      EXPECT_EQ(result.output<int64_t>("t" + std::to_string(i) + ".Total"),
                i * count * (count + 1) / 2);
    }
  }
}

TEST(CompositionTest, InterfaceListsFreeInputsAndOutputs) {
  PipelineInterface interface = test::scale_fragment(2).interface();
  ASSERT_EQ(interface.inputs.size(), 1u);
  EXPECT_EQ(interface.inputs[0].name, "raw");
  EXPECT_EQ(interface.inputs[0].type, type_info_of<Numbers>().name());
  EXPECT_THAT(interface.inputs[0].factories, ElementsAre("Scale"));
  ASSERT_EQ(interface.outputs.size(), 2u);
  EXPECT_EQ(interface.outputs[0].name, "clean");
  EXPECT_EQ(interface.outputs[1].name, "Total");
  EXPECT_THAT(interface.to_string(), HasSubstr("raw"));
  EXPECT_EQ(interface.hash(), test::scale_fragment(7).interface().hash())
      << "parameters do not change an interface";
  EXPECT_NE(interface.hash(), test::ingest_fragment({}).interface().hash());
  EXPECT_TRUE(test::ingest_fragment({}).interface().inputs.empty());
}

// A consumer that asks for "clean" from a producer the fragment lacks: "clean" is then
// both a free input and an output.
class AuditClean : public Factory<int64_t> {
 public:
  int64_t process() override { return static_cast<int64_t>(clean->size()); }
  Delivery<Numbers> clean{this, {.producer = "Upstream", .id = "clean"}};
};

TEST(CompositionTest, EveryMappingViolationIsReportedAtOnceAndNothingChanges) {
  Pipeline into("into");
  into.add<Total>().set_delivery_id("numbers_in");
  Pipeline fragment = test::scale_fragment(2);
  fragment.add<AuditClean>();
  std::string message =
      include_error(into, std::move(fragment),
                    {.ns = "s",
                     .inputs = {{"Total", "x"}, {"nope", "y"}, {"raw", "numbers_in"}},
                     .outputs = {{"clean", "cleaned"}, {"missing", "z"}},
                     .params = {{"threshold", "limits.t"}}});
  EXPECT_THAT(message, HasSubstr("6 problem(s)"));
  EXPECT_THAT(message, HasSubstr("input 'Total' is not a free input"));
  EXPECT_THAT(message, HasSubstr("unknown free input 'nope'; free inputs: clean, raw"));
  EXPECT_THAT(message, HasSubstr("type mismatch: free input 'raw' is " +
                                 type_info_of<Numbers>().name() + ", but 'numbers_in'"));
  EXPECT_THAT(message, HasSubstr("output 'clean' is also a free input"));
  EXPECT_THAT(message, HasSubstr("unknown output 'missing'; outputs: AuditClean, Scale, Total, "
                                 "clean"));
  EXPECT_THAT(message, HasSubstr("unknown parameter 'threshold'"));
  EXPECT_THAT(names_of(into), ElementsAre("Total")) << "a failed include changes nothing";
}

TEST(CompositionTest, ReusingAFragmentWithoutANamespaceIsANameClash) {
  Pipeline into("into");
  into.include(test::ingest_fragment({}));
  std::string message = include_error(into, test::ingest_fragment({}), {});
  EXPECT_THAT(message, HasSubstr("already has a factory named 'Generate'"));
  EXPECT_THAT(message, HasSubstr("another namespace"));
  EXPECT_THAT(include_error(into, test::ingest_fragment({}), {.ns = "bad name"}),
              HasSubstr("namespace 'bad name' has the character ' '"));
  EXPECT_THAT(include_error(into, test::ingest_fragment({}), {.ns = "a..b"}),
              HasSubstr("empty part"));
}

TEST(CompositionTest, MappedInputsAndOutputsRenameAcrossTheBoundary) {
  Pipeline into("into");
  into.set_input<Numbers>({1, 2, 3, 4}, {.id = "orders_raw"});
  into.include(
      test::scale_fragment(10),
      {.ns = "orders", .inputs = {{"raw", "orders_raw"}}, .outputs = {{"clean", "orders_clean"}}});
  EXPECT_THAT(into.describe(), HasSubstr("orders <- pipeline 'scale'; inputs raw -> orders_raw; "
                                         "outputs clean -> orders_clean"));
  Pipeline exported("exported");
  exported.set_input<Numbers>({1, 2, 3, 4}, {.id = "orders_raw"});
  exported.include(
      test::scale_fragment(10),
      {.ns = "orders", .inputs = {{"raw", "orders_raw"}}, .outputs = {{"clean", "orders_clean"}}});
  exported.add_function("Check", [](const Numbers& clean) { return clean.size(); },
                        {{.id = "orders_clean"}});
  RunResult result = exported.run();
  EXPECT_EQ(result.output<int64_t>("orders.Total"), 100);
  EXPECT_EQ(result.output<size_t>("Check"), 4u);
}

// Nested namespaces a.b.c around a fragment with the free input "raw", provided at
// different levels: the innermost provider wins; strict stops at the namespace.
struct LookupCase {
  std::vector<std::string> provided;
  bool strict = false;
  std::string expected_from;  // empty: unresolved
  std::string expected_lookup;
};

Pipeline nested(bool strict) {
  Pipeline c("c");
  c.include(test::scale_fragment(1), {.ns = "c", .strict = strict});
  Pipeline b("b");
  b.include(std::move(c), {.ns = "b"});
  Pipeline a("a");
  a.include(std::move(b), {.ns = "a"});
  return a;
}

TEST(CompositionTest, FreeInputsResolveFromTheirNamespaceOutwards) {
  const std::vector<LookupCase> cases = {
      {{"a.b.c.raw", "raw"}, false, "a.b.c.raw", "found in its namespace"},
      {{"a.b.raw", "raw"}, false, "a.b.raw", "found in 'a.b'"},
      {{"a.raw"}, false, "a.raw", "found in 'a'"},
      {{"raw"},
       false,
       "raw",
       "looked up as 'a.b.c.raw', 'a.b.raw', 'a.raw', 'raw': found at the root"},
      {{"a.b.c.raw"}, true, "a.b.c.raw", "found in its namespace (strict)"},
      {{"raw"}, true, "", "looked up as 'a.b.c.raw': not found (strict)"},
      {{}, false, "", "'raw': not found"},
  };
  for (const LookupCase& lookup : cases) {
    SCOPED_TRACE(::testing::PrintToString(lookup.provided) + (lookup.strict ? " strict" : ""));
    Pipeline root("root");
    root.include(nested(lookup.strict), {.ns = ""});
    int64_t value = 1;
    for (const std::string& id : lookup.provided) {
      root.set_input<Numbers>({value, value}, {.id = id});
      value *= 10;
    }
    std::string described = root.describe();
    EXPECT_THAT(described, HasSubstr(lookup.expected_lookup));
    if (lookup.expected_from.empty()) {
      EXPECT_THAT(described, HasSubstr("problems:"));
      EXPECT_THROW(root.run(), DeliveryError);
      continue;
    }
    EXPECT_THAT(described, HasSubstr("from " + lookup.expected_from));
    RunResult result = root.run();
    EXPECT_EQ(result.output<int64_t>("a.b.c.Total"), 2);
  }
}

TEST(CompositionTest, ConfigurationKeysAreScopedByNamespaceParamsAndGlobals) {
  Setl setl(Config::from_yaml(
      "threshold: 100\norders:\n  threshold: 2\nlimits:\n  orders: 50\nenv: prod\n"));
  auto build = [] {
    Pipeline fragment("filtered");
    fragment.add<Generate>(3);
    fragment.add<Scale>(1).run_if("threshold < 10 and env = 'prod'");
    return fragment;
  };
  {
    Pipeline pipeline = setl.new_pipeline("scoped");
    pipeline.include(build(), {.ns = "orders", .globals = {"env"}});
    RunResult result = pipeline.run();  // orders.threshold = 2
    EXPECT_EQ(result.factory("orders.Scale").status, FactoryOutcome::Status::kRan);
    const FactoryBase& scale = *pipeline.members()[1].factory;
    EXPECT_EQ(scale.config_key("threshold"), "orders.threshold");
    EXPECT_EQ(scale.config_key("env"), "env");
    EXPECT_EQ(scale.config_key("env.region"), "env.region") << "a global names a section too";
  }
  {
    Pipeline pipeline = setl.new_pipeline("renamed");
    pipeline.include(
        build(), {.ns = "orders", .params = {{"threshold", "limits.orders"}}, .globals = {"env"}});
    RunResult result = pipeline.run();  // limits.orders = 50
    EXPECT_EQ(result.factory("orders.Scale").status, FactoryOutcome::Status::kSkipped);
  }
  {
    Pipeline pipeline = setl.new_pipeline("global");
    pipeline.include(build(), {.ns = "orders", .globals = {"threshold", "env"}});
    RunResult result = pipeline.run();  // threshold = 100
    EXPECT_EQ(result.factory("orders.Scale").status, FactoryOutcome::Status::kSkipped);
  }
  {
    Pipeline pipeline = setl.new_pipeline("missing");
    pipeline.include(build(), {.ns = "orders"});  // env is not global: orders.env is unset
    EXPECT_THAT(pipeline.describe(),
                HasSubstr("configuration key 'orders.env' is not set ('env' inside the "
                          "factory's namespace)"));
  }
  Pipeline declared("declared");
  declared.add<Generate>(1);
  declared.declare_config({"source.path"});
  EXPECT_THAT(build().config_keys(), ElementsAre("threshold", "env"));
  Pipeline outer("outer");
  outer.include(std::move(declared), {.ns = "eu", .params = {{"source.path", "paths.eu"}}});
  EXPECT_THAT(outer.config_keys(), ElementsAre("paths.eu"));
}

Pipeline generator(int64_t count, std::string name = "Generate") {
  Pipeline fragment("gen-" + name);
  fragment.add<Generate>(count).set_name(std::move(name));
  return fragment;
}
Pipeline scaler() {
  Pipeline fragment("scaler");
  fragment.add<Scale>(2);
  return fragment;
}
Pipeline totaller() {
  Pipeline fragment("totaller");
  fragment.add<Total>();
  return fragment;
}

TEST(CompositionTest, ChainBindsFreeInputsToTheLatestProducer) {
  Pipeline chained = generator(3) >> generator(5, "More") >> test::scale_fragment(1);
  EXPECT_THAT(chained.describe(),
              HasSubstr("<- #0 " + type_info_of<Numbers>().name() + " id 'raw' from More"));
  EXPECT_EQ(chained.run().output<int64_t>("Total"), 15);

  std::string ambiguous;
  try {
    Pipeline side_by_side = generator(3) | generator(5, "More");
    Pipeline bad = std::move(side_by_side) >> test::scale_fragment(1);
  } catch (const DeliveryError& error) {
    ambiguous = error.what();
  }
  EXPECT_THAT(ambiguous, HasSubstr("matches 2 outputs of 'gen-Generate' equally: Generate, More"));
}

TEST(CompositionTest, ChainIsAssociative) {
  Pipeline left = (generator(4) >> scaler()) >> totaller();
  Pipeline right = generator(4) >> (scaler() >> totaller());
  EXPECT_EQ(left.dag().to_string(), right.dag().to_string());
  EXPECT_EQ(left.dag().to_mermaid(), right.dag().to_mermaid());
  EXPECT_EQ(left.run().output<int64_t>("Total"), 20);
  EXPECT_EQ(right.run().output<int64_t>("Total"), 20);
}

TEST(CompositionTest, SideBySideKeepsFragmentsApartAndRejectsClashes) {
  Pipeline both = test::ingest_fragment({.count = 2}) | generator(7, "Other");
  EXPECT_THAT(names_of(both), ElementsAre("Generate", "Scale", "Total", "Other"));
  EXPECT_THROW(test::ingest_fragment({}) | test::ingest_fragment({}), DeliveryError);
}

}  // namespace
}  // namespace setl::workflow
