// The run journal and resume through the public API: a resume reruns only the failed
// factory and what depends on it (the rest restored from the cache or left as they were),
// the same for a parallel stage; code changes since the journal are named and rerun; a
// succeeded run resumes to nothing; a process that died mid-run (std::_Exit in a child)
// resumes to the same outputs; damaged and unknown journals are refused with the reason.
#include <atomic>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include "setl/workflow/pipeline.h"
#include "setl/workflow/run_journal.h"

namespace setl::workflow {
namespace {

namespace fs = std::filesystem;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::UnorderedElementsAre;
using Status = FactoryOutcome::Status;

// A death test's child runs the test again in a new process: it finds the parent's
// directory through the environment.
constexpr const char* kDirVariable = "SETL_JOURNAL_TEST_DIR";

class TempDir {
 public:
  TempDir() {
    if (const char* inherited = std::getenv(kDirVariable)) {
      path_ = inherited;
      return;
    }
    path_ = fs::temp_directory_path() /
            ("setl-journal-" + std::to_string(::getpid()) + "-" +
             ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(path_);
    fs::create_directories(path_);
  }
  ~TempDir() { fs::remove_all(path_); }
  const fs::path& path() const { return path_; }

 private:
  fs::path path_;
};

// What the factories do, shared with the test: which fail, how to stop the process, and
// how often each ran.
// Maps are filled before a run and only read during it (a parallel stage reads them from
// several threads).
struct Script {
  std::map<std::string, bool> fails;
  std::string exit_in;  // this factory ends the process, as kill -9 would
  std::map<std::string, std::string> versions;
  std::map<std::string, std::atomic<int>> runs;
  fs::path out_dir;  // when set, each factory writes its output to a file of its name
  Script() {
    for (int number = 1; number <= 10; ++number) {
      runs["F" + std::to_string(number)] = 0;
    }
  }
  bool broken(const std::string& name) const {
    auto found = fails.find(name);
    return found != fails.end() && found->second;
  }
  void reset_runs() {
    for (auto& [name, count] : runs) {
      count = 0;
    }
  }
};

// Sums its inputs plus its own number: outputs tell whether inputs arrived.
class Node : public Factory<int> {
 public:
  Node(Script& script, int number, std::vector<std::string> inputs)
      : script_(script), number_(number) {
    set_name("F" + std::to_string(number));
    set_reads_only_deliveries();
    for (const std::string& input : inputs) {
      inputs_.push_back(std::make_unique<Delivery<int>>(this, DeliveryOptions{.producer = input}));
    }
  }
  std::string code_version() const override {
    auto found = script_.versions.find(name());
    return found == script_.versions.end() ? "v1" : found->second;
  }
  int process() override {
    ++script_.runs.at(name());
    if (script_.exit_in == name()) {
      std::_Exit(7);
    }
    if (script_.broken(name())) {
      throw PermanentError(name() + " is broken");
    }
    int sum = number_;
    for (const auto& input : inputs_) {
      sum += **input;
    }
    return sum;
  }
  void write() override {
    if (!script_.out_dir.empty()) {
      fs::create_directories(script_.out_dir);
      std::ofstream(script_.out_dir / (name() + ".tmp")) << get() << "\n";
      fs::rename(script_.out_dir / (name() + ".tmp"), script_.out_dir / name());
    }
  }

 private:
  Script& script_;
  int number_;
  std::vector<std::unique_ptr<Delivery<int>>> inputs_;
};

// Ten factories: F1 → F2 → … → F6 → F9, and a branch F3 → F7 → F8 → F10.
Pipeline ten_factories(Script& script, const fs::path& journal, bool cached) {
  Pipeline pipeline("ten");
  pipeline.set_journal(journal).set_max_concurrency(1);
  pipeline.set_failure_mode(Pipeline::FailureMode::kKeepGoing);
  if (cached) {
    pipeline.set_cache(std::make_shared<ResultCache>());
    pipeline.set_default_cache_policy({.mode = CacheMode::kMemory});
  }
  std::map<int, std::vector<std::string>> inputs = {
      {1, {}},     {2, {"F1"}}, {3, {"F2"}}, {4, {"F3"}}, {5, {"F4"}},
      {6, {"F5"}}, {7, {"F3"}}, {8, {"F7"}}, {9, {"F6"}}, {10, {"F8"}}};
  for (const auto& [number, from] : inputs) {
    pipeline.add<Node>(script, number, from);
  }
  return pipeline;
}

std::vector<std::string> ran(const Script& script) {
  std::vector<std::string> names;
  for (const auto& [name, count] : script.runs) {
    if (count > 0) {
      names.push_back(name);
    }
  }
  return names;
}

TEST(RunJournal, ResumeRerunsOnlyTheFailedFactoryAndItsDependants) {
  TempDir dir;
  Script script;
  script.fails["F7"] = true;
  Pipeline pipeline = ten_factories(script, dir.path(), true);
  EXPECT_THROW(pipeline.run(), PermanentError);
  std::string failed_run = pipeline.last_run().run_id();
  ASSERT_FALSE(failed_run.empty());

  JournaledRun journal = RunJournal(dir.path()).read(failed_run);
  EXPECT_EQ(journal.pipeline, "ten");
  EXPECT_TRUE(journal.finished);
  EXPECT_FALSE(journal.succeeded);
  EXPECT_EQ(journal.find("F6")->state, JournalState::kSucceeded);
  EXPECT_EQ(journal.find("F7")->state, JournalState::kFailed);
  EXPECT_THAT(journal.find("F7")->error, HasSubstr("F7 is broken"));
  EXPECT_EQ(journal.find("F10")->state, JournalState::kSkipped);

  script.fails["F7"] = false;
  script.reset_runs();
  RunResult resumed = pipeline.resume(failed_run);
  EXPECT_TRUE(resumed.ok());
  EXPECT_EQ(resumed.resumed_from(), failed_run);
  EXPECT_NE(resumed.run_id(), failed_run);
  EXPECT_THAT(ran(script), UnorderedElementsAre("F10", "F7", "F8"));
  EXPECT_EQ(resumed.factory("F3").status, Status::kCached);  // F7 reads it: restored
  EXPECT_EQ(resumed.factory("F9").status, Status::kResumed);
  EXPECT_THAT(resumed.factory("F9").skip_reason, HasSubstr(failed_run));
  EXPECT_EQ(resumed.output<int>("F10"), 1 + 2 + 3 + 7 + 8 + 10);

  // The resume's own journal records the resumed factories as succeeded: resuming it
  // again finds nothing to do.
  script.reset_runs();
  RunResult again = pipeline.resume(resumed.run_id());
  EXPECT_TRUE(ran(script).empty());
  EXPECT_THAT(again.resume_notes(), ElementsAre(HasSubstr("nothing to resume")));
  EXPECT_THAT(again.resumed(), ::testing::SizeIs(10));
}

TEST(RunJournal, AProducerKeptOnlyInMemoryRunsAgainForAConsumerThatRuns) {
  TempDir dir;
  Script script;
  script.fails["F7"] = true;
  Pipeline pipeline = ten_factories(script, dir.path(), false);
  EXPECT_THROW(pipeline.run(), PermanentError);
  script.fails["F7"] = false;
  script.reset_runs();
  RunResult resumed = pipeline.resume(pipeline.last_run().run_id());
  // F7 reads F3, which reads F2 and F1: without a cache they run again; F4–F6 and F9 not.
  EXPECT_THAT(ran(script), UnorderedElementsAre("F1", "F2", "F3", "F7", "F8", "F10"));
  EXPECT_THAT(resumed.resume_notes(), ::testing::Contains(HasSubstr("'F3' runs again: 'F7'")));
  EXPECT_EQ(resumed.output<int>("F10"), 1 + 2 + 3 + 7 + 8 + 10);
}

TEST(RunJournal, ACodeChangeSinceTheJournalIsNamedAndRerunsWhatItAffects) {
  TempDir dir;
  Script script;
  script.fails["F8"] = true;
  Pipeline pipeline = ten_factories(script, dir.path(), true);
  EXPECT_THROW(pipeline.run(), PermanentError);
  script.fails["F8"] = false;
  script.versions["F5"] = "v2";
  script.reset_runs();
  RunResult resumed = pipeline.resume(pipeline.last_run().run_id());
  EXPECT_THAT(ran(script), UnorderedElementsAre("F5", "F6", "F9", "F8", "F10"));
  EXPECT_THAT(
      resumed.resume_notes(),
      ::testing::Contains(HasSubstr("'F5' changed since run " + pipeline.last_run().resumed_from() +
                                    " (code_version 'v1' -> 'v2')")));
}

TEST(RunJournal, AParallelStageResumesOnlyItsFailedMembers) {
  TempDir dir;
  Script script;
  script.fails["F2"] = true;
  script.fails["F4"] = true;
  Pipeline pipeline("stage");
  pipeline.set_journal(dir.path());
  pipeline.set_failure_mode(Pipeline::FailureMode::kKeepGoing);
  Stage& stage = pipeline.add_stage();
  stage.set_parallel(true);
  for (int number = 1; number <= 4; ++number) {
    stage.add_factory<Node>(script, number, std::vector<std::string>{});
  }
  pipeline.add_factory<Node>(script, 5, std::vector<std::string>{});
  EXPECT_THROW(pipeline.run(), PermanentError);
  script.fails.clear();
  script.reset_runs();
  RunResult resumed = pipeline.resume(pipeline.last_run().run_id());
  EXPECT_TRUE(resumed.ok());
  EXPECT_THAT(ran(script), UnorderedElementsAre("F2", "F4"));
  EXPECT_THAT(resumed.resumed(), UnorderedElementsAre("F1", "F3", "F5"));
}

TEST(RunJournal, AProcessThatDiedMidRunResumesToTheSameOutputs) {
  TempDir dir;
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  ::setenv(kDirVariable, dir.path().c_str(), 1);
  EXPECT_EXIT(
      {
        Script script;
        script.exit_in = "F6";
        script.out_dir = dir.path() / "out";
        Pipeline pipeline = ten_factories(script, dir.path(), false);
        pipeline.run();
      },
      ::testing::ExitedWithCode(7), "");
  ::unsetenv(kDirVariable);
  RunJournal journal(dir.path());
  std::optional<std::string> died = journal.latest("ten");
  ASSERT_TRUE(died);
  JournaledRun before = journal.read(*died);
  EXPECT_FALSE(before.finished);
  EXPECT_FALSE(journal.running(*died));
  EXPECT_EQ(before.find("F6")->state, JournalState::kStarted);
  EXPECT_EQ(before.find("F5")->state, JournalState::kSucceeded);

  Script script;
  script.out_dir = dir.path() / "out";
  Pipeline pipeline = ten_factories(script, dir.path(), false);
  RunResult resumed = pipeline.resume(*died);
  EXPECT_TRUE(resumed.ok());
  EXPECT_EQ(resumed.factory("F6").status, Status::kRan);
  // F6 reads F5, kept only in memory: F1–F5 run again; what else had succeeded is not.
  for (const JournaledFactory& factory : before.factories) {
    bool ancestor = factory.factory.size() == 2 && factory.factory[1] <= '5';
    if (factory.state == JournalState::kSucceeded && !ancestor) {
      EXPECT_EQ(resumed.factory(factory.factory).status, Status::kResumed) << factory.factory;
    }
  }

  Script clean_script;
  clean_script.out_dir = dir.path() / "clean";
  Pipeline clean = ten_factories(clean_script, dir.path() / "clean-journal", false);
  clean.run();
  for (int number = 1; number <= 10; ++number) {
    std::string name = "F" + std::to_string(number);
    std::ifstream resumed_file(script.out_dir / name);
    std::ifstream clean_file(clean_script.out_dir / name);
    std::string resumed_text;
    std::string clean_text;
    resumed_file >> resumed_text;
    clean_file >> clean_text;
    EXPECT_FALSE(clean_text.empty()) << name;
    EXPECT_EQ(resumed_text, clean_text) << name;
  }
}

TEST(RunJournal, ASucceededRunResumesToNothing) {
  TempDir dir;
  Script script;
  Pipeline pipeline = ten_factories(script, dir.path(), false);
  std::string id = pipeline.run().run_id();
  script.reset_runs();
  RunResult resumed = pipeline.resume(id);
  EXPECT_TRUE(resumed.ok());
  EXPECT_TRUE(ran(script).empty());
  EXPECT_THAT(resumed.resume_notes(), ElementsAre(HasSubstr("nothing to resume")));
  EXPECT_THAT(resumed.summary(), HasSubstr("resumes " + id));
}

void write_file(const fs::path& path, const std::string& text) {
  std::ofstream(path, std::ios::binary) << text;
}

TEST(RunJournal, DamagedUnknownAndForeignJournalsAreRefusedWithTheReason) {
  TempDir dir;
  Script script;
  Pipeline pipeline = ten_factories(script, dir.path(), false);
  std::string id = pipeline.run().run_id();
  RunJournal journal(dir.path());
  fs::path path = journal.path_of(id);
  std::ifstream in(path);
  std::string content((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());

  // A torn last line (no newline) is what a crash leaves: ignored.
  write_file(path, content + R"({"type":"finished","factory":"F1","sta)");
  EXPECT_TRUE(journal.read(id).succeeded);
  // A broken line in the middle is damage.
  std::string broken = content;
  broken.insert(content.find('\n') + 1, "{not json}\n");
  write_file(path, broken);
  try {
    journal.read(id);
    FAIL() << "expected IoError";
  } catch (const IoError& error) {
    EXPECT_THAT(error.what(), HasSubstr("line 2"));
  }
  write_file(path, content + "[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]\n");
  EXPECT_THROW(journal.read(id), IoError);
  write_file(path, content + R"({"type":"finished","factory":"nobody","state":"failed"})"
                             "\n");
  EXPECT_THROW(journal.read(id), IoError);
  write_file(path, content);

  try {
    pipeline.resume(id.substr(0, id.size() - 1));
    FAIL() << "expected ConfigError";
  } catch (const ConfigError& error) {
    EXPECT_THAT(error.what(), HasSubstr("did you mean '" + id + "'"));
  }
  EXPECT_THROW(pipeline.resume("../../etc/passwd"), ConfigError);
  Pipeline other("other");
  other.set_journal(dir.path());
  EXPECT_THROW(other.resume(id), ConfigError);
  Pipeline unjournaled("ten");
  EXPECT_THROW(unjournaled.resume(id), StateError);
}

}  // namespace
}  // namespace setl::workflow
