// Run-time conditions: a factory whose condition is false is skipped (a value in the run
// report, with its reason), consumers of its output are skipped or run without it
// according to their Delivery, and the outcome is the same on any number of threads.
#include <atomic>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "setl/core/error.h"
#include "setl/core/job_group.h"
#include "setl/workflow/pipeline.h"
#include "setl/workflow/result_cache.h"
#include "setl/workflow/stage.h"

namespace setl::workflow {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::UnorderedElementsAre;
using Status = FactoryOutcome::Status;

// The diamond: Source feeds BranchA and BranchB, each behind a condition; Join reads both,
// required or optional.
class Source : public Factory<int> {
 public:
  int process() override { return 10; }
};

template <int kId>
class Branch : public Factory<int> {
 public:
  // With `on` unset the branch has no condition of its own (its stage has one).
  explicit Branch(std::optional<bool> on, std::atomic<int>* runs = nullptr) : runs_(runs) {
    set_name(kId == 0 ? "BranchA" : "BranchB");
    set_delivery_id(kId == 0 ? "a" : "b");
    if (on) {
      run_if(kId == 0 ? "region == 'A'" : "region == 'B'", [on = *on] { return on; });
    }
  }
  int process() override {
    if (runs_ != nullptr) {
      ++*runs_;
    }
    return *source + kId + 1;
  }

 private:
  Delivery<int> source{this, {.producer = "Source"}};
  std::atomic<int>* runs_;
};

struct Seen {
  bool a = false;
  bool b = false;
};

class Join : public Factory<int> {
 public:
  explicit Join(bool optional)
      : a_{this, {.id = "a", .optional = optional}}, b_{this, {.id = "b", .optional = optional}} {}
  int process() override { return a_.value_or(0) * 100 + b_.value_or(0); }

 private:
  Delivery<int> a_;
  Delivery<int> b_;
};

// Takes whichever branch ran, A first.
class FirstJoin : public Factory<int> {
 public:
  int process() override { return *either * 100; }

 private:
  FirstOf<int> either{this, {{.id = "a"}, {.id = "b"}}};
};

enum class JoinKind { kRequired, kOptional, kFirstOf };

struct Case {
  bool a_on;
  bool b_on;
  JoinKind join = JoinKind::kRequired;
};

void add_join(Pipeline& pipeline, JoinKind kind) {
  if (kind == JoinKind::kFirstOf) {
    pipeline.add<FirstJoin>().set_name("Join");
  } else {
    pipeline.add<Join>(kind == JoinKind::kOptional);
  }
}

void add_join(Stage& stage, JoinKind kind) {
  if (kind == JoinKind::kFirstOf) {
    stage.add_factory<FirstJoin>().set_name("Join");
  } else {
    stage.add_factory<Join>(kind == JoinKind::kOptional);
  }
}

std::vector<std::string> with_status(const RunResult& result, Status status) {
  std::vector<std::string> names;
  for (const FactoryOutcome& outcome : result.factories()) {
    if (outcome.status == status) {
      names.push_back(outcome.factory);
    }
  }
  return names;
}

RunResult run_diamond(const Case& c, size_t threads) {
  Pipeline pipeline("diamond");
  pipeline.set_max_concurrency(threads);
  pipeline.add<Source>();
  pipeline.add<Branch<0>>(c.a_on);
  pipeline.add<Branch<1>>(c.b_on);
  add_join(pipeline, c.join);
  return pipeline.run();
}

// The same diamond in stages, the conditions on the branches' stages.
RunResult run_staged_diamond(const Case& c, size_t threads) {
  Pipeline pipeline("staged");
  pipeline.set_max_concurrency(threads);
  pipeline.add_stage().add_factory<Source>();
  Stage& a = pipeline.add_stage();
  a.set_name("branch-a").run_if("region == 'A'", [on = c.a_on] { return on; });
  a.add_factory<Branch<0>>(std::nullopt);
  Stage& b = pipeline.add_stage();
  b.set_name("branch-b").run_if("region == 'B'", [on = c.b_on] { return on; });
  b.add_factory<Branch<1>>(std::nullopt);
  add_join(pipeline.add_stage(), c.join);
  return pipeline.run();
}

// Every branch outcome × every kind of join, unstaged and in stages, on 1 to 16 threads,
// 100 times each: the same factories run and are skipped, and the join sees the same.
TEST(RunConditions, TheDiamondMatrixRunsAndSkipsTheSameOnAnyNumberOfThreads) {
  for (JoinKind join : {JoinKind::kRequired, JoinKind::kOptional, JoinKind::kFirstOf}) {
    for (auto [a_on, b_on] :
         {std::pair{true, false}, {false, true}, {true, true}, {false, false}}) {
      Case c{a_on, b_on, join};
      SCOPED_TRACE(testing::Message()
                   << "a " << a_on << ", b " << b_on << ", join " << static_cast<int>(join));
      std::set<std::string> expected_skipped;
      if (!a_on) {
        expected_skipped.insert("BranchA");
      }
      if (!b_on) {
        expected_skipped.insert("BranchB");
      }
      bool join_runs = join == JoinKind::kOptional ||
                       (join == JoinKind::kRequired ? a_on && b_on : a_on || b_on);
      if (!join_runs) {
        expected_skipped.insert("Join");
      }
      int expected_join =
          join == JoinKind::kFirstOf ? (a_on ? 1100 : 1200) : (a_on ? 1100 : 0) + (b_on ? 12 : 0);
      for (size_t threads : {1, 2, 3, 4, 8, 16}) {
        for (int repeat = 0; repeat < 100; ++repeat) {
          RunResult result =
              repeat % 2 == 0 ? run_diamond(c, threads) : run_staged_diamond(c, threads);
          ASSERT_TRUE(result.ok());
          std::vector<std::string> skipped = result.skipped();
          ASSERT_EQ(std::set<std::string>(skipped.begin(), skipped.end()), expected_skipped);
          ASSERT_EQ(with_status(result, Status::kFailed).size(), 0u);
          if (join_runs) {
            ASSERT_EQ(result.output<int>("Join"), expected_join);
          } else {
            ASSERT_THROW((void)result.output<int>("Join"), StateError);
          }
        }
      }
    }
  }
}

TEST(RunConditions, AFirstOfSkippedForAllItsAlternativesGivesEachReason) {
  RunResult result = run_diamond({false, false, JoinKind::kFirstOf}, 2);
  EXPECT_EQ(result.factory("Join").skip_reason,
            "none of its alternatives ran: 'BranchA' skipped: condition `region == 'A'` was "
            "false; 'BranchB' skipped: condition `region == 'B'` was false");
}

TEST(RunConditions, AnOptionalFirstOfRunsWithNothingWhenNoAlternativeRan) {
  class MaybeJoin : public Factory<int> {
   public:
    int process() override { return either ? *either : -1; }
    FirstOf<int> either{
        this, {{.producer = "BranchA", .id = "a"}, {.producer = "BranchB", .id = "b"}}, true};
  };
  Pipeline pipeline("optional first of");
  pipeline.add<Source>();
  pipeline.add<Branch<0>>(false);
  pipeline.add<Branch<1>>(false);
  pipeline.add<MaybeJoin>();
  EXPECT_EQ(pipeline.run().output<int>("MaybeJoin"), -1);
  EXPECT_THAT(pipeline.describe(), HasSubstr("(first of #0's alternatives, optional)"));
}

TEST(RunConditions, AFirstOfIsCheckedWhenDeclared) {
  class One : public Factory<int> {
   public:
    int process() override { return 0; }
    FirstOf<int> either{this, {{.id = "a"}}};
  };
  class Unnamed : public Factory<int> {
   public:
    int process() override { return 0; }
    FirstOf<int> either{this, {{.id = "a"}, {}}};
  };
  class OptionalAlternative : public Factory<int> {
   public:
    int process() override { return 0; }
    FirstOf<int> either{this, {{.id = "a"}, {.id = "b", .optional = true}}};
  };
  EXPECT_THROW(One(), DeliveryError);
  EXPECT_THROW(Unnamed(), DeliveryError);
  EXPECT_THROW(OptionalAlternative(), DeliveryError);
}

TEST(RunConditions, AnAlternativeNobodyProducesIsAPlanError) {
  Pipeline pipeline("typo");
  pipeline.add<Source>();
  pipeline.add<Branch<0>>(true);
  class TypoJoin : public Factory<int> {
   public:
    int process() override { return *either; }
    FirstOf<int> either{this, {{.id = "a"}, {.id = "bb"}}};
  };
  pipeline.add<TypoJoin>();
  EXPECT_THROW(pipeline.run(), DeliveryError);
}

TEST(RunConditions, ASkipNamesItsConditionAndTheChainOfUpstreams) {
  auto events = std::make_shared<MemoryEventSink>();
  add_job_event_sink(events);
  RunResult result = run_diamond({true, false, JoinKind::kRequired}, 2);
  remove_job_event_sink(events);
  std::vector<std::string> skip_events;
  std::vector<std::string> skipped_factories;  // structured, for a dashboard
  for (const JobEvent& event : events->events()) {
    if (event.kind == JobEventKind::kSkipped) {
      skip_events.push_back(event.detail);
      skipped_factories.push_back(event.factory);
    }
  }
  EXPECT_THAT(skip_events,
              ElementsAre("factory 'BranchB' skipped: condition `region == 'B'` was false",
                          "factory 'Join' skipped: upstream 'BranchB' skipped: condition "
                          "`region == 'B'` was false"));
  EXPECT_THAT(skipped_factories, ElementsAre("BranchB", "Join"));
  EXPECT_EQ(result.factory("BranchB").skip_reason, "condition `region == 'B'` was false");
  EXPECT_EQ(result.factory("Join").skip_reason,
            "upstream 'BranchB' skipped: condition `region == 'B'` was false");
  EXPECT_EQ(result.factory("BranchA").status, Status::kRan);
  EXPECT_THAT(result.summary(), HasSubstr("skipped: upstream 'BranchB' skipped"));
  EXPECT_EQ(result.factory("Join").cache.outcome, CacheDecision::Outcome::kSkipped);
}

// The condition reads the factory's delivered input: it is evaluated only once the
// upstream finished, and a skip cascades down a chain.
class Changes : public Factory<int> {
 public:
  explicit Changes(int rows) : rows_(rows) {}
  int process() override { return rows_; }

 private:
  int rows_;
};

class LoadWarehouse : public Factory<std::string> {
 public:
  LoadWarehouse() {
    run_if("changes has rows", [this] { return *changes > 0; });
  }
  std::string process() override { return "loaded " + std::to_string(*changes); }
  void write() override { ++writes; }
  Delivery<int> changes{this};
  int writes = 0;
};

class Notify : public Factory<std::string> {
 public:
  std::string process() override { return "told: " + *load; }

 private:
  Delivery<std::string> load{this};
};

class Audit : public Factory<std::vector<std::string>> {
 public:
  std::vector<std::string> process() override { return {*notice}; }

 private:
  Delivery<std::string> notice{this, {.producer = "Notify"}};
};

class AfterLoad : public Factory<double> {
 public:
  AfterLoad() { depends_on<LoadWarehouse>(); }
  double process() override { return 1; }
};

TEST(RunConditions, AConditionOnDeliveredDataSkipsWithoutReadingProcessingOrWriting) {
  for (int rows : {0, 3}) {
    Pipeline pipeline("warehouse");
    pipeline.add<Changes>(rows);
    LoadWarehouse& load = pipeline.add<LoadWarehouse>();
    pipeline.add<Notify>();
    pipeline.add<Audit>();
    pipeline.add<AfterLoad>();
    RunResult result = pipeline.run();
    ASSERT_TRUE(result.ok());
    if (rows == 0) {
      EXPECT_THAT(result.skipped(), ElementsAre("LoadWarehouse", "Notify", "Audit"));
      // Down a chain the reason names the skipped input and the root cause, not every link.
      EXPECT_EQ(result.factory("Audit").skip_reason,
                "upstream 'Notify' skipped (because 'LoadWarehouse' was: condition `changes has "
                "rows` was false)");
      EXPECT_EQ(load.writes, 0);
      EXPECT_FALSE(load.has_output());
      EXPECT_EQ(result.factory("AfterLoad").status, Status::kRan)
          << "an order-only dependant runs after a skip";
    } else {
      EXPECT_TRUE(result.skipped().empty());
      EXPECT_EQ(load.writes, 1);
      EXPECT_EQ(result.output<std::string>("Notify"), "told: loaded 3");
    }
  }
}

TEST(RunConditions, TheDagShowsEachCondition) {
  Pipeline pipeline("warehouse");
  pipeline.add<Changes>(0);
  pipeline.add<LoadWarehouse>();
  const Dag& dag = pipeline.dag();
  EXPECT_THAT(dag.to_string(),
              HasSubstr("LoadWarehouse -> std::string (runs if changes has rows)"));
  EXPECT_THAT(dag.to_summary(), HasSubstr("RunsIf : changes has rows\n"));
  EXPECT_THAT(dag.to_mermaid(), HasSubstr("<br/>runs if changes has rows\"]"));
  EXPECT_THAT(dag.to_dot(), HasSubstr("\\nruns if changes has rows\"]"));
}

TEST(RunConditions, AStageConditionSkipsItsFactoriesNamingTheStage) {
  RunResult result = run_staged_diamond({true, false, JoinKind::kRequired}, 2);
  EXPECT_EQ(result.factory("BranchB").skip_reason,
            "stage 'branch-b': condition `region == 'B'` was false");
  EXPECT_EQ(result.factory("Join").skip_reason,
            "upstream 'BranchB' skipped: stage 'branch-b': condition `region == 'B'` was false");
  Pipeline pipeline("shown");
  pipeline.add_stage().set_name("load").run_if("env == 'prod'", [] { return true; });
  EXPECT_THAT(pipeline.dag().to_string(), HasSubstr("load (runs if env == 'prod'):"));

  Pipeline failing("failing");
  Stage& stage = failing.add_stage();
  stage.set_name("guarded").run_if("the rules say so", []() -> bool {
    throw ConfigError("no key 'rules' in the configuration");
  });
  stage.add_factory<Source>();
  try {
    (void)failing.run();
    FAIL() << "expected the run to fail";
  } catch (const ConfigError& error) {
    EXPECT_THAT(error.what(), HasSubstr("no key 'rules'"));
    EXPECT_THAT(error.what(), HasSubstr("run condition `the rules say so` of stage 'guarded'"));
  }
  EXPECT_EQ(failing.last_run().factory("Source").status, Status::kFailed);
  EXPECT_THROW(stage.run_if("", [] { return true; }), ConfigError);
}

class Throwing : public Factory<int> {
 public:
  Throwing() {
    run_if("the rules service says yes", []() -> bool { throw IoError("rules service down"); });
  }
  int process() override { return 1; }
};

TEST(RunConditions, AConditionThatThrowsFailsItsFactoryNamingIt) {
  Pipeline pipeline("failing");
  pipeline.add<Throwing>();
  try {
    (void)pipeline.run();
    FAIL() << "expected the run to fail";
  } catch (const IoError& error) {
    EXPECT_THAT(error.what(), HasSubstr("rules service down"));
    EXPECT_THAT(error.what(), HasSubstr("run condition `the rules service says yes`"));
    EXPECT_THAT(error.what(), HasSubstr("factory 'Throwing'"));
  }
  EXPECT_EQ(pipeline.last_run().factory("Throwing").status, Status::kFailed);
}

TEST(RunConditions, AConditionNeedsADescriptionAndAPredicate) {
  Source source;
  EXPECT_THROW(source.run_if("", [] { return true; }), ConfigError);
  EXPECT_THROW(source.run_if("something", {}), ConfigError);
}

// A skip is never a cached result, and a consumer cached while its optional upstream ran
// is not served once that upstream is skipped (and the reverse).
TEST(RunConditions, CachingFollowsWhatWasSkipped) {
  auto cache = std::make_shared<ResultCache>();
  bool b_on = true;
  std::atomic<int> b_runs{0};
  auto run_targets = [&](std::vector<std::string> targets) {
    Pipeline pipeline("cached");
    pipeline.set_cache(cache).set_default_cache_policy({.mode = CacheMode::kMemory});
    pipeline.add<Source>().set_reads_only_deliveries();
    pipeline.add<Branch<0>>(true).set_reads_only_deliveries();
    pipeline.add<Branch<1>>(b_on, &b_runs).set_reads_only_deliveries();
    pipeline.add<Join>(true).set_reads_only_deliveries();
    return targets.empty() ? pipeline.run() : pipeline.run({targets});
  };
  auto run = [&] { return run_targets({}); };
  EXPECT_EQ(run().output<int>("Join"), 1112);
  auto events = std::make_shared<MemoryEventSink>();
  add_job_event_sink(events);
  EXPECT_EQ(run().factory("Join").status, Status::kCached);
  remove_job_event_sink(events);
  std::vector<std::string> restored;  // each factory served from the cache, by name
  for (const JobEvent& event : events->events()) {
    if (event.kind == JobEventKind::kRestored) {
      restored.push_back(event.factory);
      EXPECT_THAT(event.detail, HasSubstr("served from the result cache (key "));
      EXPECT_EQ(event.group.kind, "pipeline");
    } else if (event.kind == JobEventKind::kStarted && event.group.kind == "factory") {
      ADD_FAILURE() << "factory " << event.group.name << " ran, though all were cached";
    }
  }
  EXPECT_THAT(restored, UnorderedElementsAre("Source", "BranchA", "BranchB", "Join"));
  b_on = false;
  RunResult skipped = run();
  EXPECT_EQ(skipped.factory("Join").status, Status::kRan);
  EXPECT_EQ(skipped.output<int>("Join"), 1100);
  EXPECT_EQ(run().factory("Join").status, Status::kCached) << "cached under the skipped key";
  EXPECT_EQ(run().output<int>("Join"), 1100);
  // Asked for Join alone, whose output is cached: BranchB's condition is still checked
  // (on inputs computed for it) before anything downstream of it is served.
  b_on = true;
  EXPECT_EQ(run_targets({"Join"}).output<int>("Join"), 1112);
  b_on = false;
  RunResult targeted = run_targets({"Join"});
  EXPECT_THAT(targeted.skipped(), ElementsAre("BranchB"));
  EXPECT_EQ(targeted.output<int>("Join"), 1100);
  b_on = true;
  RunResult again = run();
  EXPECT_EQ(again.output<int>("Join"), 1112);
  EXPECT_EQ(again.factory("BranchB").status, Status::kCached);
  EXPECT_EQ(b_runs.load(), 1) << "BranchB's condition held again: its cached output serves";
  EXPECT_EQ(again.output<int>("Join"), 1112);
}

}  // namespace
}  // namespace setl::workflow
