#include "setl/cli/job_runner.h"

#include <atomic>
#include <cstdlib>
#include <filesystem>
#include <set>
#include <sstream>

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "testing/temp_dir.h"

namespace setl::cli {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;
using workflow::Delivery;
using workflow::Factory;

std::atomic<int> rows_runs{0};
std::atomic<int> doubled_runs{0};

class Rows : public Factory<int64_t> {
 public:
  Rows() { set_reads_only_deliveries(); }
  int64_t process() override {
    ++rows_runs;
    if (context().config().get_or<bool>("job.fail", false)) {
      throw IoError("the source is gone");
    }
    return context().config().get_int("job.rows");
  }
  std::string cache_parameters() const override {
    return std::to_string(context().config().get_int("job.rows"));
  }
};

class Doubled : public Factory<int64_t> {
 public:
  Delivery<int64_t> rows{this};
  Doubled() { set_reads_only_deliveries(); }
  int64_t process() override {
    ++doubled_runs;
    return *rows * 2;
  }
};

class Other : public Factory<std::string> {
 public:
  Other() { set_reads_only_deliveries(); }
  std::string process() override { return "other"; }
};

workflow::Pipeline build(workflow::Setl& setl) {
  workflow::Pipeline pipeline = setl.new_pipeline("job");
  pipeline.add<Rows>();
  pipeline.add<Doubled>();
  pipeline.add<Other>();
  return pipeline;
}

struct Outcome {
  int code;
  std::string out;
  std::string err;
};

class JobRunnerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    rows_runs = 0;
    doubled_runs = 0;
    config_ =
        dir_.write("job.yaml",
                   "default:\n  job:\n    rows: 21\n    label: ${JOB_RUNNER_TEST_LABEL:-none}\n"
                   "big:\n  job:\n    rows: 1000\n");
  }

  Outcome run(std::vector<std::string> args, JobOptions options = {}) {
    if (options.default_config.empty()) {
      options.default_config = config_.string();
    }
    if (!options.report) {
      options.report = [](const JobRun& run) {
        if (run.result.factory("Doubled").status == workflow::FactoryOutcome::Status::kResumed) {
          run.out << "doubled=(resumed)\n";
          return;
        }
        run.out << "doubled=" << run.result.output<int64_t>("Doubled")
                << " label=" << run.config.get_string("job.label") << "\n";
      };
    }
    std::ostringstream out;
    std::ostringstream err;
    int code = run_job(args, build, options, out, err);
    return {code, out.str(), err.str()};
  }

  testing::TempDir dir_;
  std::filesystem::path config_;
};

TEST_F(JobRunnerTest, RunsTheJobAndCallsItsReport) {
  Outcome outcome = run({});
  EXPECT_EQ(outcome.code, 0) << outcome.err;
  EXPECT_THAT(outcome.out, HasSubstr("doubled=42 label=none"));
  EXPECT_EQ(rows_runs, 1);
  EXPECT_EQ(doubled_runs, 1);
}

TEST_F(JobRunnerTest, ProfileSetAndJobFlagsChangeTheConfiguration) {
  EXPECT_THAT(run({"--env", "big"}).out, HasSubstr("doubled=2000"));
  EXPECT_THAT(run({"--env", "big", "--set", "job.rows=5"}).out, HasSubstr("doubled=10"));
  JobOptions options{
      .flags = {{.name = "--rows", .help = "rows", .config_key = "job.rows"},
                {.name = "--label", .help = "label", .environment = "JOB_RUNNER_TEST_LABEL"}}};
  Outcome outcome = run({"--rows", "7", "--label", "from-flag"}, options);
  EXPECT_THAT(outcome.out, HasSubstr("doubled=14 label=from-flag"));
  ::unsetenv("JOB_RUNNER_TEST_LABEL");
}

TEST_F(JobRunnerTest, TargetsRunOnlyWhatTheyNeed) {
  JobOptions options;
  options.report = [](const JobRun& run) {
    run.out << "executed=" << run.result.executed().size() << "\n";
  };
  Outcome outcome = run({"--target", "Rows"}, options);
  EXPECT_EQ(outcome.code, 0) << outcome.err;
  EXPECT_THAT(outcome.out, HasSubstr("executed=1"));
  EXPECT_EQ(doubled_runs, 0);

  Outcome unknown = run({"--target", "Doubeld"}, options);
  EXPECT_EQ(unknown.code, kExitInvalidInput);
  EXPECT_THAT(unknown.err, HasSubstr("Doubled"));  // the closest name
}

TEST_F(JobRunnerTest, ExplainRunsNothingAndSaysWhatTheCacheWouldServe) {
  Outcome first = run({"--cache", "memory", "--explain"});
  EXPECT_EQ(first.code, 0) << first.err;
  EXPECT_THAT(first.out, HasSubstr("== run order ==\nRows\nDoubled\nOther\n"));
  EXPECT_THAT(first.out, HasSubstr("Doubled: miss"));
  EXPECT_EQ(rows_runs, 0);
}

TEST_F(JobRunnerTest, ASecondRunWithACacheDirectoryIsServedFromIt) {
  std::string cache_dir = (dir_.path() / "cache").string();
  Outcome first = run({"--cache-dir", cache_dir});
  EXPECT_EQ(first.code, 0) << first.err;
  EXPECT_THAT(first.out, HasSubstr("Doubled: miss"));
  Outcome second = run({"--cache-dir", cache_dir});
  EXPECT_EQ(second.code, 0) << second.err;
  EXPECT_THAT(second.out, HasSubstr("Doubled: hit"));
  EXPECT_THAT(second.out, HasSubstr("doubled=42"));
  EXPECT_EQ(rows_runs, 1);
  Outcome explained = run({"--cache-dir", cache_dir, "--explain"});
  EXPECT_THAT(explained.out, HasSubstr("Doubled: hit"));
}

TEST_F(JobRunnerTest, PrintsTheDagTheSummaryAndWritesEvents) {
  std::filesystem::path events = dir_.path() / "events.jsonl";
  Outcome outcome = run({"--dag", "mermaid", "--summary", "--events", events.string()});
  EXPECT_EQ(outcome.code, 0) << outcome.err;
  EXPECT_THAT(outcome.out, HasSubstr("flowchart LR"));
  EXPECT_THAT(outcome.out, HasSubstr("critical path"));
  EXPECT_THAT(outcome.out, HasSubstr("critical path ("));
  EXPECT_THAT(testing::read_file(events), HasSubstr("\"Doubled\""));

  Outcome class_diagram = run({"--dag", "class"});
  EXPECT_THAT(class_diagram.out, HasSubstr("classDiagram"));
  EXPECT_THAT(class_diagram.out, HasSubstr("https://mermaid.live/edit#base64:"));
  EXPECT_THAT(run({}).out, Not(HasSubstr("== DAG")));
}

TEST_F(JobRunnerTest, BenchmarkPrintsEachFactorysFigures) {
  Outcome outcome = run({"--benchmark"});
  ASSERT_EQ(outcome.code, 0) << outcome.err;
  EXPECT_THAT(outcome.out, HasSubstr("== benchmark =="));
  EXPECT_THAT(outcome.out, ::testing::ContainsRegex("Doubled +[0-9.]+ +[0-9.]+"));
  EXPECT_THAT(outcome.out, Not(HasSubstr("== benchmark by rank ==")))
      << "one process has no ranks to show";
  EXPECT_THAT(run({}).out, Not(HasSubstr("== benchmark")));
}

TEST_F(JobRunnerTest, ReportWritesTheRunAsOneHtmlFile) {
  std::filesystem::path report = dir_.path() / "run.html";
  Outcome outcome = run({"--report", report.string()});
  ASSERT_EQ(outcome.code, 0) << outcome.err;
  EXPECT_THAT(outcome.err, HasSubstr("report: " + report.string()));
  std::string html = testing::read_file(report);
  EXPECT_THAT(html, HasSubstr("<!DOCTYPE html>"));
  EXPECT_THAT(html, HasSubstr(">Doubled<"));
  EXPECT_THAT(html, HasSubstr("Content-Security-Policy"));

  std::filesystem::path failed = dir_.path() / "failed.html";
  Outcome failing = run({"--set", "job.fail=true", "--report", failed.string()});
  EXPECT_EQ(failing.code, 1);
  EXPECT_THAT(testing::read_file(failed), HasSubstr("the source is gone"));
}

TEST_F(JobRunnerTest, ProfileWritesATraceOfTheRunEvenWhenItFails) {
  std::filesystem::path trace = dir_.path() / "run-trace.json";
  Outcome outcome = run({"--profile", trace.string()});
  ASSERT_EQ(outcome.code, 0) << outcome.err;
  EXPECT_THAT(outcome.err, HasSubstr("trace: " + trace.string()));
  nlohmann::json parsed = nlohmann::json::parse(testing::read_file(trace));
  const nlohmann::json& events = parsed["traceEvents"];
  std::set<std::string> factories;
  for (const nlohmann::json& event : events) {
    if (event["ph"] == "X" && event["cat"] == "factory") {
      factories.insert(event["name"].get<std::string>());
    }
  }
  EXPECT_THAT(factories, ::testing::IsSupersetOf(
                             {"Rows", "Rows.process()", "Doubled", "Doubled.process()", "Other"}));

  std::filesystem::path failed_trace = dir_.path() / "failed-trace.json";
  Outcome failing = run({"--set", "job.fail=true", "--profile", failed_trace.string()});
  EXPECT_EQ(failing.code, 1);
  EXPECT_THAT(testing::read_file(failed_trace), HasSubstr("\"Rows.process()\""));

  // --profile once chose the configuration profile: such a value says what to use now.
  Outcome old_spelling = run({"--profile", "big"});
  EXPECT_EQ(old_spelling.code, kExitInvalidInput);
  EXPECT_THAT(old_spelling.err, HasSubstr("use --env big"));
  EXPECT_FALSE(std::filesystem::exists("big"));
}

TEST_F(JobRunnerTest, ErrorsAreExitCodesWithTheirBlame) {
  Outcome failing = run({"--set", "job.fail=true"});
  EXPECT_EQ(failing.code, 1);
  EXPECT_THAT(failing.err, HasSubstr("the source is gone"));
  EXPECT_THAT(failing.err, HasSubstr("Rows"));

  Outcome malformed = run({"--set", "job.rows"});
  EXPECT_EQ(malformed.code, kExitInvalidInput);
  EXPECT_THAT(malformed.err, HasSubstr("expected KEY=VALUE"));

  Outcome profile = run({"--env", "nope"});
  EXPECT_EQ(profile.code, kExitInvalidInput);
  EXPECT_THAT(profile.err, HasSubstr("big"));  // the defined profiles

  EXPECT_EQ(run({"--no-such-flag"}).code, 2);
  EXPECT_EQ(run({"--cache", "sometimes"}).code, 2);
  EXPECT_EQ(run({"--config", (dir_.path() / "missing.yaml").string()}).code, 2);
  EXPECT_EQ(run({"--help"}).code, 0);
  EXPECT_THAT(run({"--help"}).out, HasSubstr("--target"));
}

TEST_F(JobRunnerTest, AFailedRunResumesFromItsJournal) {
  std::string journal = (dir_.path() / "runs").string();
  Outcome failing = run({"--set", "job.fail=true", "--journal", journal});
  EXPECT_EQ(failing.code, kExitFailed);
  EXPECT_THAT(failing.err, HasSubstr("run id: "));
  EXPECT_THAT(failing.err, HasSubstr("resume it with --resume "));
  rows_runs = 0;
  doubled_runs = 0;
  Outcome resumed = run({"--journal", journal, "--resume", "last"});
  EXPECT_EQ(resumed.code, 0) << resumed.err;
  EXPECT_THAT(resumed.out, HasSubstr("== resume of "));
  EXPECT_THAT(resumed.out, HasSubstr("doubled=42"));
  EXPECT_EQ(rows_runs, 1);
  EXPECT_EQ(doubled_runs, 1);

  rows_runs = 0;
  Outcome again = run({"--journal", journal, "--resume", "last"});
  EXPECT_EQ(again.code, 0) << again.err;
  EXPECT_THAT(again.out, HasSubstr("nothing to resume"));
  EXPECT_THAT(again.out, HasSubstr("not run again: Rows"));
  EXPECT_EQ(rows_runs, 0);

  Outcome unknown = run({"--journal", journal, "--resume", "no-such-run"});
  EXPECT_EQ(unknown.code, kExitInvalidInput);
  EXPECT_THAT(unknown.err, HasSubstr("no run 'no-such-run'"));
  EXPECT_EQ(run({"--journal", "off", "--resume", "last"}).code, kExitInvalidInput);
  EXPECT_EQ(run({"--journal", journal, "--resume", "last", "--target", "Rows"}).code, kExitUsage);
}

TEST_F(JobRunnerTest, AJobWithoutADefaultConfigurationNeedsOne) {
  std::ostringstream out;
  std::ostringstream err;
  EXPECT_EQ(run_job({}, build, {}, out, err), 2);
  EXPECT_THAT(err.str(), HasSubstr("--config"));
}

TEST_F(JobRunnerTest, ACancelledRunExitsWith130) {
  JobOptions options;
  auto cancelling = [](workflow::Setl& setl) {
    workflow::Pipeline pipeline = setl.new_pipeline("job");
    pipeline.add_function("Cancelled",
                          []() -> int { throw CancelledError("cancelled by the operator"); });
    return pipeline;
  };
  options.default_config = config_.string();
  std::ostringstream out;
  std::ostringstream err;
  EXPECT_EQ(run_job({}, cancelling, options, out, err), 130);
  EXPECT_THAT(err.str(), HasSubstr("cancelled"));
}

}  // namespace
}  // namespace setl::cli
