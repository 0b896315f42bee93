// Conditions written as engine expressions over the configuration and input metadata:
// checked when the pipeline is planned (every mistake with the others, a caret under bad
// text), decided before the run when they read configuration only — so what only a
// skipped factory needed is not computed — and evaluated on the delivered inputs otherwise.
#include <atomic>
#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "setl/core/config.h"
#include "setl/core/error.h"
#include "setl/workflow/condition.h"
#include "setl/workflow/pipeline.h"
#include "setl/workflow/setl.h"

namespace setl::workflow {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using Status = FactoryOutcome::Status;

Setl context_with(std::string_view yaml) {
  return Setl(Config::from_yaml(yaml));
}

// Counts its runs; produces `size` numbers.
class Changes : public Factory<std::vector<int>> {
 public:
  explicit Changes(size_t size, std::atomic<int>* runs) : size_(size), runs_(runs) {}
  std::vector<int> process() override {
    ++*runs_;
    return std::vector<int>(size_, 1);
  }

 private:
  size_t size_;
  std::atomic<int>* runs_;
};

class Load : public Factory<int> {
 public:
  int process() override { return static_cast<int>(changes->size()); }
  Delivery<std::vector<int>> changes{this, {.id = "changes"}};
};

Status status_of(const RunResult& result, const std::string& name) {
  for (const FactoryOutcome& outcome : result.factories()) {
    if (outcome.factory == name) {
      return outcome.status;
    }
  }
  ADD_FAILURE() << "no outcome for " << name;
  return Status::kNotRun;
}

const FactoryOutcome& outcome_of(const RunResult& result, const std::string& name) {
  for (const FactoryOutcome& outcome : result.factories()) {
    if (outcome.factory == name) {
      return outcome;
    }
  }
  throw StateError("no outcome for " + name);
}

TEST(ExpressionConditions, RowsOfAnInputDecideWhenTheRunReachesTheFactory) {
  for (size_t size : {0U, 3U}) {
    std::atomic<int> runs{0};
    Pipeline pipeline("rows");
    pipeline.add<Changes>(size, &runs).set_delivery_id("changes");
    pipeline.add<Load>().run_if("rows(changes) > 0");
    RunResult result = pipeline.run();
    EXPECT_EQ(runs.load(), 1);
    if (size == 0) {
      EXPECT_EQ(status_of(result, "Load"), Status::kSkipped);
      EXPECT_EQ(outcome_of(result, "Load").skip_reason, "condition `rows(changes) > 0` was false");
    } else {
      EXPECT_EQ(status_of(result, "Load"), Status::kRan);
      EXPECT_EQ(result.output<int>("Load"), 3);
    }
  }
}

TEST(ExpressionConditions, TheCppFormMeansTheSameAsTheText) {
  Setl setl = context_with("env: prod\nmin_rows: 2\n");
  for (size_t size : {1U, 2U}) {
    std::atomic<int> runs{0};
    Pipeline pipeline("cpp", setl);
    pipeline.add<Changes>(size, &runs).set_delivery_id("changes").set_name("Extract");
    // The input answers to its producer's name as well as to its delivery id.
    pipeline.add<Load>().run_if(config("env") == "prod" &&
                                input_rows("Extract") >= config("min_rows"));
    RunResult result = pipeline.run();
    EXPECT_EQ(status_of(result, "Load"), size >= 2 ? Status::kRan : Status::kSkipped) << size;
  }
}

TEST(ExpressionConditions,
     AConfigurationConditionSkipsBeforeTheRunAndItsExclusiveUpstreamNeverRuns) {
  Setl setl = context_with("load_enabled: false\n");
  std::atomic<int> exclusive_runs{0};
  std::atomic<int> shared_runs{0};
  Pipeline pipeline("lazy", setl);
  pipeline.add<Changes>(3, &exclusive_runs).set_delivery_id("changes").set_name("OnlyForLoad");
  pipeline.add<Load>().run_if("load_enabled");
  // A second chain that stays: its producer runs.
  pipeline.add<Changes>(2, &shared_runs).set_delivery_id("other").set_name("Other");
  RunResult result = pipeline.run();
  EXPECT_EQ(exclusive_runs.load(), 0);
  EXPECT_EQ(shared_runs.load(), 1);
  EXPECT_EQ(status_of(result, "Load"), Status::kSkipped);
  EXPECT_EQ(outcome_of(result, "Load").skip_reason, "condition `load_enabled` was false");
  EXPECT_EQ(status_of(result, "OnlyForLoad"), Status::kNotNeeded);
  EXPECT_THAT(outcome_of(result, "OnlyForLoad").cache.reason,
              HasSubstr("only factories skipped by a condition read it"));
  EXPECT_EQ(status_of(result, "Other"), Status::kRan);
}

TEST(ExpressionConditions, AnUpstreamAlsoReadByARunningFactoryStillRuns) {
  Setl setl = context_with("load_enabled: false\n");
  std::atomic<int> runs{0};
  Pipeline pipeline("shared", setl);
  pipeline.add<Changes>(3, &runs).set_delivery_id("changes");
  pipeline.add<Load>().run_if("load_enabled");
  pipeline.add<Load>().set_name("AlwaysLoad");
  RunResult result = pipeline.run();
  EXPECT_EQ(runs.load(), 1);
  EXPECT_EQ(status_of(result, "Load"), Status::kSkipped);
  EXPECT_EQ(result.output<int>("AlwaysLoad"), 3);
}

TEST(ExpressionConditions, AStageConditionOnConfigurationSkipsTheStageBeforeTheRun) {
  Setl setl = context_with("job:\n  region: EU\n");
  std::atomic<int> runs{0};
  Pipeline pipeline("stages", setl);
  Stage& extract = pipeline.add_stage();
  extract.add_factory<Changes>(3, &runs).set_delivery_id("changes");
  Stage& load = pipeline.add_stage();
  load.set_name("us-load").run_if("\"job.region\" = 'US'");
  load.add_factory<Load>();
  RunResult result = pipeline.run();
  EXPECT_EQ(runs.load(), 0);
  EXPECT_EQ(outcome_of(result, "Load").skip_reason,
            "stage 'us-load': condition `\"job.region\" = 'US'` was false");
}

TEST(ExpressionConditions, AFallbackStandsInForAMissingKey) {
  std::atomic<int> runs{0};
  Pipeline pipeline("fallback");  // no context: an empty configuration
  pipeline.add<Changes>(1, &runs).set_delivery_id("changes");
  pipeline.add<Load>().run_if("config('mode', 'full') = 'full'");
  EXPECT_EQ(status_of(pipeline.run(), "Load"), Status::kRan);
}

TEST(ExpressionConditions, DeliveredTellsWhetherAnOptionalInputCame) {
  Setl setl = context_with("extract: false\n");
  std::atomic<int> runs{0};
  Pipeline pipeline("delivered", setl);
  pipeline.add<Changes>(2, &runs).set_delivery_id("changes").run_if("extract");
  auto& report = pipeline.add_function(
      "Report", [](const std::vector<int>* changes) { return changes ? 1 : 0; },
      {{.id = "changes", .optional = true}});
  report.run_if("not delivered(changes)");
  RunResult result = pipeline.run();
  EXPECT_EQ(status_of(result, "Changes"), Status::kSkipped);
  EXPECT_EQ(result.output<int>("Report"), 0);
}

TEST(ExpressionConditions, EveryMistakeIsReportedBeforeAnythingRunsWithTheOthers) {
  Setl setl = context_with("region: US\nlimits:\n  rows: 5\n");
  std::atomic<int> runs{0};
  Pipeline pipeline("mistakes", setl);
  pipeline.add<Changes>(1, &runs).set_delivery_id("changes");
  pipeline.add<Load>().set_name("BadText").run_if("rows(changes) >");
  pipeline.add<Load>().set_name("UnknownKey").run_if("regoin = 'US'");
  pipeline.add<Load>().set_name("UnknownInput").run_if("rows(chnages) > 0");
  pipeline.add<Load>().set_name("NotABool").run_if("rows(changes) + 1");
  pipeline.add<Load>().set_name("Section").run_if("limits = 5");
  pipeline.add<Load>().set_name("Mismatch").run_if("region > 3");
  Stage& stage = pipeline.add_stage();
  stage.set_name("late").run_if("rows(changes) > 0");
  try {
    pipeline.run();
    FAIL() << "expected a plan error";
  } catch (const DeliveryError& error) {
    std::string message = error.what();
    EXPECT_THAT(message, HasSubstr("7 problem(s)"));
    EXPECT_THAT(message, HasSubstr("factory 'BadText': condition `rows(changes) >`"));
    EXPECT_THAT(message, HasSubstr("column 16"));
    EXPECT_THAT(message, HasSubstr("                ^"));
    EXPECT_THAT(message, HasSubstr("factory 'UnknownKey': condition `regoin = 'US'`: "
                                   "configuration key 'regoin' is not set (did you mean "
                                   "'region'?)"));
    EXPECT_THAT(message, HasSubstr("factory 'UnknownInput': condition `rows(chnages) > 0`: no "
                                   "input is named 'chnages' (did you mean 'changes'?)"));
    EXPECT_THAT(message, HasSubstr("factory 'NotABool': condition `rows(changes) + 1`: it "
                                   "yields int64, not a bool"));
    EXPECT_THAT(message, HasSubstr("configuration key 'limits' is a section"));
    EXPECT_THAT(message, HasSubstr("factory 'Mismatch': condition `region > 3`"));
    EXPECT_THAT(message, HasSubstr("stage 'late': condition `rows(changes) > 0`: rows(changes) "
                                   "reads an input, but a stage condition reads configuration "
                                   "only"));
  }
  EXPECT_EQ(runs.load(), 0);
  // The inspector lists the same problems without running.
  EXPECT_THAT(pipeline.describe(), HasSubstr("configuration key 'regoin' is not set"));
}

TEST(ExpressionConditions, ConfigurationValuesKeepTheTypeTheyAreWrittenWith) {
  Setl setl = context_with("code: \"01\"\nlimit: 10\nratio: 0.5\non: true\n");
  std::atomic<int> runs{0};
  Pipeline pipeline("types", setl);
  pipeline.add<Changes>(1, &runs).set_delivery_id("changes");
  pipeline.add<Load>().run_if("code = '01' and \"limit\" = 10 and ratio < 1 and \"on\"");
  EXPECT_EQ(status_of(pipeline.run(), "Load"), Status::kRan);
}

TEST(ExpressionConditions, AConditionThatThrowsAtRunTimeFailsTheFactory) {
  std::atomic<int> runs{0};
  Pipeline pipeline("throws");
  pipeline.add<Changes>(1, &runs).set_delivery_id("changes");
  // Integer overflow is an error in the engine: the condition cannot be decided.
  pipeline.add<Load>().run_if("rows(changes) * 9223372036854775807 * 2 > 0");
  try {
    pipeline.run();
    FAIL() << "expected the condition to fail";
  } catch (const Error& error) {
    EXPECT_THAT(std::string(error.what()),
                HasSubstr("in the run condition `rows(changes) * 9223372036854775807 * 2 > 0` "
                          "of factory 'Load'"));
  }
  EXPECT_EQ(status_of(pipeline.last_run(), "Load"), Status::kFailed);
}

TEST(ExpressionConditions, TheDagShowsTheConditionAsWritten) {
  Pipeline pipeline("shown");
  std::atomic<int> runs{0};
  pipeline.add<Changes>(1, &runs).set_delivery_id("changes");
  pipeline.add<Load>().run_if(input_rows("changes") > 0);
  EXPECT_THAT(pipeline.describe(), HasSubstr("(runs if (rows('changes') > 0))"));
}

// Two alternative loads of the same changes; Publish takes whichever ran.
class Publish : public Factory<int> {
 public:
  int process() override { return *loaded; }
  FirstOf<int> loaded{this, {{.producer = "FastLoad"}, {.producer = "SlowLoad"}}};
};

TEST(ExpressionConditions, AFirstOfTakesTheAlternativeTheConfigurationLeft) {
  for (auto [fast, slow] : {std::pair{true, false}, {false, true}, {false, false}}) {
    Setl setl = context_with(std::string("fast: ") + (fast ? "true" : "false") +
                             "\nslow: " + (slow ? "true" : "false") + "\n");
    std::atomic<int> runs{0};
    Pipeline pipeline("first of", setl);
    pipeline.add<Changes>(4, &runs).set_delivery_id("changes");
    pipeline.add<Load>().set_name("FastLoad").run_if("fast");
    pipeline.add<Load>().set_name("SlowLoad").run_if("slow");
    pipeline.add<Publish>();
    RunResult result = pipeline.run();
    // With both loads skipped before the run, nothing reads the changes.
    EXPECT_EQ(runs.load(), fast || slow ? 1 : 0);
    if (fast || slow) {
      EXPECT_EQ(result.output<int>("Publish"), 4);
    } else {
      EXPECT_EQ(status_of(result, "Publish"), Status::kSkipped);
      EXPECT_EQ(status_of(result, "Changes"), Status::kNotNeeded);
    }
  }
}

}  // namespace
}  // namespace setl::workflow
