// Switches: one case runs by the key's value, the others are skipped with the choice as
// the reason; a join that needs two cases is a plan error; the choice is recorded; the
// outcome is the same on any number of threads.
#include "setl/workflow/switch.h"

#include <atomic>
#include <set>
#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "setl/core/config.h"
#include "setl/core/error.h"
#include "setl/workflow/pipeline.h"
#include "setl/workflow/setl.h"

namespace setl::workflow {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;
using Status = FactoryOutcome::Status;

class Source : public Factory<int> {
 public:
  explicit Source(std::atomic<int>* runs = nullptr) : runs_(runs) {}
  int process() override {
    if (runs_ != nullptr) {
      ++*runs_;
    }
    return 10;
  }

 private:
  std::atomic<int>* runs_;
};

// A case: adds its offset to the source, under delivery id "a"/"b"/"c".
template <int kOffset>
class Branch : public Factory<int> {
 public:
  explicit Branch(std::string name, std::string id) {
    set_name(std::move(name));
    set_delivery_id(std::move(id));
  }
  int process() override { return *source + kOffset; }

 private:
  Delivery<int> source{this, {.producer = "Source"}};
};

enum class JoinKind { kOptional, kFirstOf };

class OptionalJoin : public Factory<int> {
 public:
  int process() override { return a.value_or(0) * 100 + b.value_or(0); }
  Delivery<int> a{this, {.id = "a", .optional = true}};
  Delivery<int> b{this, {.id = "b", .optional = true}};
};

class FirstJoin : public Factory<int> {
 public:
  int process() override { return *either; }
  FirstOf<int> either{this, {{.id = "a"}, {.id = "b"}}};
};

class RequiredJoin : public Factory<int> {
 public:
  int process() override { return *a + *b; }
  Delivery<int> a{this, {.id = "a"}};
  Delivery<int> b{this, {.id = "b"}};
};

// Source -> switch "branch" {A: BranchA, B: BranchB} -> Join.
void add_switched_diamond(Pipeline& pipeline, JoinKind join) {
  pipeline.add<Source>();
  Switch& branch = pipeline.add_switch("branch", "config('branch')");
  branch.when_equal("A").add<Branch<1>>("BranchA", "a");
  branch.when_equal("B").add<Branch<2>>("BranchB", "b");
  branch.on_no_match(Switch::NoMatch::kSkip);
  if (join == JoinKind::kOptional) {
    pipeline.add<OptionalJoin>().set_name("Join");
  } else {
    pipeline.add<FirstJoin>().set_name("Join");
  }
}

TEST(Switches, TheMatrixRunsTheChosenCaseOnAnyNumberOfThreads) {
  for (JoinKind join : {JoinKind::kOptional, JoinKind::kFirstOf}) {
    for (std::string key : {"A", "B", "C"}) {
      SCOPED_TRACE(testing::Message() << "key " << key << ", join " << static_cast<int>(join));
      Setl setl(Config::from_yaml("branch: " + key + "\n"));
      std::set<std::string> expected_skipped{"BranchA", "BranchB"};
      if (key != "C") {
        expected_skipped.erase("Branch" + key);
      }
      bool join_runs = join == JoinKind::kOptional || key != "C";
      if (!join_runs) {
        expected_skipped.insert("Join");
      }
      int expected = key == "A" ? (join == JoinKind::kOptional ? 1100 : 11) : key == "B" ? 12 : 0;
      for (size_t threads : {1, 2, 3, 4, 8, 16}) {
        for (int repeat = 0; repeat < 100; ++repeat) {
          Pipeline pipeline("switched", setl);
          pipeline.set_max_concurrency(threads);
          add_switched_diamond(pipeline, join);
          RunResult result = pipeline.run();
          ASSERT_TRUE(result.ok());
          std::vector<std::string> skipped = result.skipped();
          ASSERT_EQ(std::set<std::string>(skipped.begin(), skipped.end()), expected_skipped);
          if (join_runs) {
            ASSERT_EQ(result.output<int>("Join"), expected);
          }
          ASSERT_EQ(result.switches().size(), 1U);
          ASSERT_EQ(result.switches()[0].key, key);
          ASSERT_EQ(result.switches()[0].chosen, key == "C" ? "" : key);
        }
      }
    }
  }
}

TEST(Switches, ARequiredJoinOfTwoCasesIsAPlanError) {
  Setl setl(Config::from_yaml("branch: A\n"));
  std::atomic<int> runs{0};
  Pipeline pipeline("unsatisfiable", setl);
  pipeline.add<Source>(&runs);
  Switch& branch = pipeline.add_switch("branch", "config('branch')");
  branch.when_equal("A").add<Branch<1>>("BranchA", "a");
  branch.when_equal("B").add<Branch<2>>("BranchB", "b");
  pipeline.add<RequiredJoin>().set_name("Join");
  // Downstream of the join: not reported again.
  pipeline.add_function("Report", [](const int& joined) { return joined; }, {{.producer = "Join"}});
  try {
    pipeline.run();
    FAIL() << "expected a plan error";
  } catch (const DeliveryError& error) {
    std::string message = error.what();
    EXPECT_THAT(message, HasSubstr("1 problem(s)"));
    EXPECT_THAT(message, HasSubstr("factory 'Join' requires both sides of exclusive switch "
                                   "'branch': case 'A' (through 'BranchA') and case 'B' "
                                   "(through 'BranchB'); at most one case runs"));
  }
  EXPECT_EQ(runs.load(), 0);
}

TEST(Switches, ACaseMemberReadingAnotherCaseIsAPlanErrorToo) {
  Setl setl(Config::from_yaml("branch: A\n"));
  Pipeline pipeline("cross", setl);
  pipeline.add<Source>();
  Switch& branch = pipeline.add_switch("branch", "config('branch')");
  branch.when_equal("A").add<Branch<1>>("BranchA", "a");
  class ReadsA : public Factory<int> {
   public:
    int process() override { return *a; }
    Delivery<int> a{this, {.id = "a"}};
  };
  branch.when_equal("B").add<ReadsA>();
  EXPECT_THAT(pipeline.describe(),
              HasSubstr("factory 'ReadsA' requires both sides of exclusive switch 'branch': "
                        "case 'A' (through 'BranchA') and case 'B' (it is a member)"));
}

TEST(Switches, TheOtherwiseCaseTakesWhatNoOtherMatches) {
  Setl setl(Config::from_yaml("branch: Z\n"));
  Pipeline pipeline("otherwise", setl);
  pipeline.add<Source>();
  Switch& branch = pipeline.add_switch("branch", "config('branch')");
  branch.when_equal("A").add<Branch<1>>("BranchA", "a");
  branch.otherwise().add<Branch<2>>("Fallback", "b");
  pipeline.add<FirstJoin>();
  RunResult result = pipeline.run();
  EXPECT_EQ(result.output<int>("FirstJoin"), 12);
  EXPECT_EQ(result.factory("BranchA").skip_reason,
            "switch 'branch' chose case 'otherwise' (key 'Z')");
  EXPECT_EQ(result.switches()[0].chosen, "otherwise");
}

TEST(Switches, NoMatchFailsByDefaultBeforeTheRun) {
  Setl setl(Config::from_yaml("branch: Z\n"));
  Pipeline pipeline("no match", setl);
  pipeline.add<Source>();
  Switch& branch = pipeline.add_switch("branch", "config('branch')");
  branch.when_equal("A").add<Branch<1>>("BranchA", "a");
  branch.when_equal("B").add<Branch<2>>("BranchB", "b");
  EXPECT_THAT(pipeline.describe(),
              HasSubstr("switch 'branch': key 'Z' matches no case ('A', 'B'); add otherwise() or "
                        "on_no_match(Switch::NoMatch::kSkip); configuration: branch = 'Z'"));
  EXPECT_THROW(pipeline.run(), DeliveryError);
}

TEST(Switches, AConfigurationKeySkipsTheOtherCasesBeforeTheRun) {
  Setl setl(Config::from_yaml("mode: full\n"));
  std::atomic<int> incremental_source_runs{0};
  Pipeline pipeline("lazy", setl);
  pipeline.add<Source>();
  pipeline.add<Source>(&incremental_source_runs).set_name("Changes").set_delivery_id("changes");
  class Incremental : public Factory<int> {
   public:
    int process() override { return *changes; }
    Delivery<int> changes{this, {.id = "changes"}};
  };
  Switch& mode = pipeline.add_switch("mode", "mode");
  mode.when_equal("full").add<Branch<1>>("Full", "a");
  mode.when_equal("incremental").add<Incremental>();
  RunResult result = pipeline.run();
  EXPECT_EQ(incremental_source_runs.load(), 0);
  EXPECT_EQ(result.factory("Changes").status, Status::kNotNeeded);
  EXPECT_EQ(result.factory("Incremental").skip_reason,
            "switch 'mode' chose case 'full' (key 'full')");
}

TEST(Switches, AFunctionKeyIsComputedOnceWhenTheRunReachesACase) {
  std::atomic<int> calls{0};
  Pipeline pipeline("function key");
  pipeline.add<Source>();
  Switch& branch = pipeline.add_switch("branch", "day of week", [&calls] {
    ++calls;
    return std::string("B");
  });
  branch.when_equal("A").add<Branch<1>>("BranchA", "a");
  branch.when_equal("B").add<Branch<2>>("BranchB", "b");
  branch.when_equal("B").add<Branch<3>>("BranchB2", "c");
  pipeline.add<FirstJoin>();
  RunResult result = pipeline.run();
  EXPECT_EQ(calls.load(), 1);
  EXPECT_EQ(result.output<int>("FirstJoin"), 12);
  EXPECT_EQ(result.output<int>("BranchB2"), 13);
  EXPECT_EQ(result.switches()[0].key, "B");
  EXPECT_THAT(pipeline.describe(), HasSubstr("BranchB2 -> int (id 'c') (case 'B' of switch "
                                             "'branch')"));
}

TEST(Switches, AFunctionKeyThatThrowsFailsTheRunNamingTheSwitch) {
  Pipeline pipeline("throwing key");
  pipeline.add<Source>();
  Switch& branch = pipeline.add_switch(
      "branch", "lookup", []() -> std::string { throw IoError("rules table unreachable"); });
  branch.when_equal("A").add<Branch<1>>("BranchA", "a");
  branch.when_equal("B").add<Branch<2>>("BranchB", "b");
  try {
    pipeline.run();
    FAIL() << "expected the key to fail the run";
  } catch (const Error& error) {
    EXPECT_THAT(std::string(error.what()), HasSubstr("rules table unreachable"));
    EXPECT_THAT(std::string(error.what()), HasSubstr("in the key `lookup` of switch 'branch'"));
  }
}

TEST(Switches, AFunctionKeyMatchingNoCaseFailsOrSkipsByPolicy) {
  for (Switch::NoMatch policy : {Switch::NoMatch::kFail, Switch::NoMatch::kSkip}) {
    Pipeline pipeline("policy");
    pipeline.add<Source>();
    Switch& branch = pipeline.add_switch("branch", "lookup", [] { return std::string("Q"); });
    branch.when_equal("A").add<Branch<1>>("BranchA", "a");
    branch.on_no_match(policy);
    if (policy == Switch::NoMatch::kFail) {
      try {
        pipeline.run();
        FAIL() << "expected no match to fail";
      } catch (const Error& error) {
        EXPECT_THAT(std::string(error.what()), HasSubstr("switch 'branch': key 'Q' matches no "
                                                         "case ('A')"));
      }
    } else {
      RunResult result = pipeline.run();
      EXPECT_EQ(result.factory("BranchA").skip_reason,
                "switch 'branch': key 'Q' matches no case ('A')");
      EXPECT_EQ(result.switches()[0].chosen, "");
    }
  }
}

TEST(Switches, TheDagAfterARunStylesTakenAndSkippedNodesWithTheReasons) {
  Setl setl(Config::from_yaml("branch: A\n"));
  Pipeline pipeline("overlay", setl);
  add_switched_diamond(pipeline, JoinKind::kFirstOf);
  Dag dag = pipeline.dag().with_run(pipeline.run());
  std::string mermaid = dag.to_mermaid();
  EXPECT_THAT(mermaid, HasSubstr("BranchB<br/>int<br/>case 'B' of switch 'branch'<br/>skipped: "
                                 "switch 'branch' chose case 'A' (key 'A')"));
  EXPECT_THAT(mermaid, HasSubstr("classDef skipped"));
  EXPECT_THAT(mermaid, HasSubstr("classDef ran"));
  std::string dot = dag.to_dot();
  EXPECT_THAT(dot, HasSubstr("skipped: switch 'branch' chose case 'A' (key 'A')\", style=dashed"));
  EXPECT_THAT(dot, HasSubstr("fillcolor=\"#d4edda\""));
  // Before a run, no styles.
  EXPECT_THAT(pipeline.dag().to_mermaid(), Not(HasSubstr("classDef")));
}

}  // namespace
}  // namespace setl::workflow
