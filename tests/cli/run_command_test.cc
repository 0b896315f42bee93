// `setl run FILE`: a pipeline declared in YAML gives what the same pipeline built in C++
// gives; every job option works on it; mistakes in the file are located and explained.
#include <atomic>
#include <filesystem>
#include <sstream>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "setl/cli/pipeline_file.h"
#include "setl/core/error.h"
#include "testing/temp_dir.h"

namespace setl::cli {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;
using workflow::Delivery;
using workflow::Factory;
using workflow::FactoryParams;
using workflow::ParamSpec;

// Numbers 1..count, under the delivery id "numbers".
class CountTo : public Factory<std::vector<int64_t>> {
 public:
  explicit CountTo(const FactoryParams& params) : count_(params.get_int("count")) {
    set_delivery_id("numbers");
    set_reads_only_deliveries();
  }
  std::vector<int64_t> process() override {
    std::vector<int64_t> numbers;
    for (int64_t i = 1; i <= count_; ++i) {
      numbers.push_back(i);
    }
    return numbers;
  }

 private:
  int64_t count_;
};

class SumOf : public Factory<int64_t> {
 public:
  explicit SumOf(const FactoryParams& params) : scale_(params.get_int("scale")) {
    set_reads_only_deliveries();
  }
  int64_t process() override {
    if (context().config().get_or<bool>("job.fail", false)) {
      throw IoError("the numbers are gone");
    }
    if (context().config().get_or<bool>("job.cancel", false)) {
      throw CancelledError("cancelled by the operator");
    }
    int64_t sum = 0;
    for (int64_t value : *numbers) {
      sum += value;
    }
    return sum * scale_;
  }

 private:
  int64_t scale_;
  Delivery<std::vector<int64_t>> numbers{this, {.id = "numbers"}};
};

SETL_REGISTER_FACTORY(CountTo,
                      {{.name = "count", .kind = ParamSpec::Kind::kInteger, .required = true}});
SETL_REGISTER_FACTORY(SumOf,
                      {{.name = "scale", .kind = ParamSpec::Kind::kInteger, .fallback = "1"}});

const bool kRegistered = [] {
  workflow::Registry::global().add_report("sums", [](const workflow::RunReport& run) {
    for (const char* name : {"Small", "Large"}) {
      const workflow::FactoryOutcome& outcome = run.result.factory(name);
      run.out << name << "="
              << (outcome.status == workflow::FactoryOutcome::Status::kRan
                      ? std::to_string(run.result.output<int64_t>(name))
                      : std::string(workflow::to_string(outcome.status)))
              << "\n";
    }
  });
  return true;
}();

constexpr const char* kPipeline = R"yaml(name: sums
config: job.yaml
report: sums
dag: none
stages:
  - name: count
    factories:
      - factory: CountTo
        params: {count: 4}
factories:
  - factory: SumOf
    name: Small
  - factory: SumOf
    name: Large
    params: {scale: 100}
    run_if: "config('job.large', true)"
)yaml";

struct Outcome {
  int code;
  std::string out;
  std::string err;
};

class RunCommandTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(kRegistered);
    dir_.write("job.yaml", "job:\n  label: test\n");
    pipeline_ = dir_.write("sums.pipeline.yaml", kPipeline);
  }
  Outcome run(std::vector<std::string> args) {
    args.insert(args.begin(), pipeline_.string());
    std::ostringstream out;
    std::ostringstream err;
    int code = run_pipeline_command(args, out, err);
    return {code, out.str(), err.str()};
  }
  Outcome run_file(const std::string& text) {
    std::filesystem::path path = dir_.write("bad.pipeline.yaml", text);
    std::ostringstream out;
    std::ostringstream err;
    int code = run_pipeline_command({path.string()}, out, err);
    return {code, out.str(), err.str()};
  }

  testing::TempDir dir_;
  std::filesystem::path pipeline_;
};

TEST_F(RunCommandTest, AYamlPipelineGivesWhatTheSameCppPipelineGives) {
  Outcome declared = run({});
  ASSERT_EQ(declared.code, kExitOk) << declared.err;

  JobOptions options;
  options.default_config = (dir_.path() / "job.yaml").string();
  options.report = workflow::Registry::global().report("sums");
  std::ostringstream out;
  std::ostringstream err;
  workflow::Registry& registry = workflow::Registry::global();
  int code = run_job(
      {},
      [&](workflow::Setl& setl) {
        workflow::Pipeline pipeline = setl.new_pipeline("sums");
        pipeline.add_stage().set_name("count").add(
            registry.make_factory("CountTo", Config::from_yaml("count: 4")));
        pipeline.add(registry.make_factory("SumOf", Config())).set_name("Small");
        pipeline.add(registry.make_factory("SumOf", Config::from_yaml("scale: 100")))
            .set_name("Large")
            .run_if("config('job.large', true)");
        return pipeline;
      },
      options, out, err);
  ASSERT_EQ(code, kExitOk) << err.str();
  EXPECT_EQ(declared.out, out.str());
  EXPECT_EQ(declared.out, "Small=10\nLarge=1000\n");
}

TEST_F(RunCommandTest, EveryJobOptionWorksOnADeclaredPipeline) {
  Outcome set = run({"--set", "job.large=false"});
  EXPECT_EQ(set.code, kExitOk) << set.err;
  EXPECT_THAT(set.out, HasSubstr("Large=skipped"));

  Outcome target = run({"--target", "Small", "--dag", "mermaid"});
  EXPECT_EQ(target.code, kExitOk) << target.err;
  EXPECT_THAT(target.out, HasSubstr("Large=not needed"));
  EXPECT_THAT(target.out, HasSubstr("flowchart LR"));
  EXPECT_THAT(run({"--dag", "dot"}).out, HasSubstr("digraph pipeline"));

  Outcome dry = run({"--dry-run"});
  EXPECT_EQ(dry.code, kExitOk) << dry.err;
  EXPECT_THAT(dry.out, HasSubstr("== plan =="));
  EXPECT_THAT(dry.out, HasSubstr("== inspector ==\nno problems"));
  EXPECT_THAT(dry.out, HasSubstr("== result cache ==\nCountTo: off"));
  EXPECT_THAT(dry.out, Not(HasSubstr("Small=")));

  std::filesystem::path trace = dir_.path() / "trace.json";
  std::filesystem::path events = dir_.path() / "events.jsonl";
  Outcome observed = run({"--profile", trace.string(), "--events", events.string(), "--monitor",
                          "127.0.0.1:0", "--summary"});
  EXPECT_EQ(observed.code, kExitOk) << observed.err;
  EXPECT_THAT(testing::read_file(trace), HasSubstr("\"Small\""));
  EXPECT_THAT(testing::read_file(events), HasSubstr("\"Large\""));
  EXPECT_THAT(observed.err, HasSubstr("monitor: http://127.0.0.1:"));
  EXPECT_THAT(observed.out, HasSubstr("== run =="));

  Outcome failed = run({"--set", "job.fail=true"});
  EXPECT_EQ(failed.code, kExitFailed);
  EXPECT_THAT(failed.err, HasSubstr("the numbers are gone"));
  Outcome cancelled = run({"--set", "job.cancel=true"});
  EXPECT_EQ(cancelled.code, kExitCancelled);
  Outcome unknown_target = run({"--target", "Smal"});
  EXPECT_EQ(unknown_target.code, kExitInvalidInput);
  EXPECT_THAT(unknown_target.err, HasSubstr("did you mean 'Small'?"));
  EXPECT_EQ(run({"--no-such-option"}).code, kExitUsage);
}

TEST_F(RunCommandTest, MistakesInTheFileAreLocatedWithTheClosestChoice) {
  Outcome malformed = run_file("name: broken\nstages: [\n");
  EXPECT_EQ(malformed.code, kExitInvalidInput);
  EXPECT_THAT(malformed.err, HasSubstr("bad.pipeline.yaml:3:1: "));

  Outcome wrong = run_file(R"yaml(name: wrong
stagez: []
factories:
  - factory: CountToo
    params: {count: 3}
  - factory: SumOf
    params: {scalee: 2}
    cache: memroy
templates:
  - component: ingest/nothing
)yaml");
  EXPECT_EQ(wrong.code, kExitInvalidInput);
  EXPECT_THAT(wrong.err, HasSubstr("5 problem(s)"));
  EXPECT_THAT(wrong.err, HasSubstr("bad.pipeline.yaml:2:1: stagez: unknown key; did you mean "
                                   "'stages'?"));
  EXPECT_THAT(wrong.err, HasSubstr("bad.pipeline.yaml:4:14: factories[0].factory: unknown "
                                   "factory 'CountToo'; did you mean 'CountTo'?"));
  EXPECT_THAT(wrong.err, HasSubstr("factories[1].cache: unknown cache mode 'memroy'; did you "
                                   "mean 'memory'?"));
  EXPECT_THAT(wrong.err, HasSubstr("unknown parameter 'scalee'; did you mean 'scale'?"));
  EXPECT_THAT(wrong.err, HasSubstr("templates[0].component: unknown component 'ingest/nothing'"));

  Outcome missing = run_file("name: x\nfactories:\n  - factory: CountTo\n");
  EXPECT_THAT(missing.err, HasSubstr("factories[0].factory: factory 'CountTo': parameter "
                                     "'count' (integer) is required"));
  Outcome no_plugin = run_file("name: x\nplugins: [nowhere.so]\n");
  EXPECT_THAT(no_plugin.err, HasSubstr("bad.pipeline.yaml:2:10: plugins: plugin"));
  EXPECT_EQ(run_pipeline_command({(dir_.path() / "absent.yaml").string()}, std::cout, std::cerr),
            kExitInvalidInput);
}

TEST_F(RunCommandTest, HostileFilesAreRefusedBeforeAnythingWalksThem) {
  // Aliases that expand to ten million values, and nesting far deeper than a pipeline has.
  std::string laughs = "l0: &l0 [x, x, x, x, x, x, x, x, x, x]\n";
  for (int level = 1; level < 7; ++level) {
    std::string previous = "*l" + std::to_string(level - 1);
    laughs += "l" + std::to_string(level) + ": &l" + std::to_string(level) + " [";
    for (int i = 0; i < 10; ++i) {
      laughs += (i == 0 ? "" : ", ") + previous;
    }
    laughs += "]\n";
  }
  Outcome expanded = run_file("name: bomb\n" + laughs);
  EXPECT_EQ(expanded.code, kExitInvalidInput);
  EXPECT_THAT(expanded.err, HasSubstr("more than 100000 values (aliases expanding?)"));

  Outcome deep =
      run_file("name: deep\nfactories: " + std::string(100, '[') + std::string(100, ']') + "\n");
  EXPECT_EQ(deep.code, kExitInvalidInput);
  EXPECT_THAT(deep.err, HasSubstr("nesting deeper than 64 levels"));
}

}  // namespace
}  // namespace setl::cli
