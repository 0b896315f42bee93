// Job groups opened by pipelines, stages and factory runs (feature ids JG-n).
#include <atomic>
#include <chrono>
#include <thread>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "setl/core/error.h"
#include "setl/core/job_group.h"
#include "setl/workflow/pipeline.h"
#include "testing/temp_dir.h"

namespace setl::workflow {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using testing::message_of;

// Returns the path of the job group it ran in.
class WhereAmI : public Factory<std::string> {
 public:
  explicit WhereAmI(std::string name) { set_name(std::move(name)); }
  std::string process() override {
    std::optional<JobGroupInfo> group = current_job_group();
    return group ? group->path + " [" + group->kind + "]" : "none";
  }
};

TEST(PipelineJobGroups, JG2_RunStageAndFactoryNestAndClearAfterTheRun) {
  auto sink = std::make_shared<MemoryEventSink>();
  add_job_event_sink(sink);
  Pipeline pipeline("nightly");
  pipeline.add_factory<WhereAmI>("Extract");
  pipeline.add_stage().add_factory<WhereAmI>("Load");
  pipeline.run();
  remove_job_event_sink(sink);
  EXPECT_EQ(pipeline.get_output<std::string>("Extract"), "nightly/stage-0/Extract [factory]");
  EXPECT_EQ(pipeline.get_output<std::string>("Load"), "nightly/stage-1/Load [factory]");
  EXPECT_FALSE(current_job_group());
  std::vector<std::string> events;
  for (const JobEvent& event : sink->events()) {
    events.push_back(std::string(to_string(event.kind)) + " " + event.group.path);
  }
  EXPECT_THAT(events,
              ElementsAre("started nightly", "started nightly/stage-0",
                          "started nightly/stage-0/Extract", "succeeded nightly/stage-0/Extract",
                          "succeeded nightly/stage-0", "started nightly/stage-1",
                          "started nightly/stage-1/Load", "succeeded nightly/stage-1/Load",
                          "succeeded nightly/stage-1", "succeeded nightly"));
}

// Under ThreadSanitizer (run-tests.sh runs this suite with SETL_TSAN): every factory of a
// parallel stage sees only its own group, run after run.
TEST(PipelineJobGroups, JG4_ParallelFactoriesEachSeeOnlyTheirOwnGroup) {
  for (int round = 0; round < 20; ++round) {
    Pipeline pipeline("parallel");
    Stage& stage = pipeline.add_stage().set_parallel(true, 4);
    for (int i = 0; i < 6; ++i) {
      stage.add_factory<WhereAmI>("F" + std::to_string(i));
    }
    pipeline.run();
    for (int i = 0; i < 6; ++i) {
      std::string name = "F" + std::to_string(i);
      EXPECT_EQ(pipeline.get_output<std::string>(name), "parallel/stage-0/" + name + " [factory]");
    }
  }
  EXPECT_FALSE(current_job_group());
}

// Works until cancelled, checking the token as engine operators do between morsels.
class Endless : public Factory<int> {
 public:
  explicit Endless(std::atomic<int>& running) : running_(running) { set_tags({"slow"}); }
  int process() override {
    ++running_;
    while (true) {
      current_cancellation().check();
      std::this_thread::yield();
    }
  }

 private:
  std::atomic<int>& running_;
};

class Quick : public Factory<int> {
 public:
  Quick() = default;
  explicit Quick(std::atomic<bool>& done) : done_(&done) {}
  int process() override { return 1; }
  void write() override {
    if (done_ != nullptr) {
      *done_ = true;
    }
  }

 private:
  std::atomic<bool>* done_ = nullptr;
};

TEST(PipelineJobGroups, JG6_CancelByTagStopsTheTaggedFactoryAndThePipelineSaysWhich) {
  std::atomic<int> running{0};
  std::atomic<bool> quick_done{false};
  Pipeline pipeline("cancellable");
  Stage& stage = pipeline.add_stage().set_parallel(true, 2);
  stage.add_factory<Endless>(running);
  stage.add_factory<Quick>(quick_done);
  // Cancel once Endless runs and Quick (on the stage's other thread) has written: the
  // cancel then reaches only the tagged factory, whatever the scheduling.
  std::thread canceller([&] {
    while (running == 0 || !quick_done) {
      std::this_thread::yield();
    }
    cancel_job_groups_by_tag("slow", "operator pressed stop");
  });
  std::string message = message_of<CancelledError>([&] { pipeline.run(); });
  canceller.join();
  EXPECT_THAT(message, HasSubstr("operator pressed stop"));
  EXPECT_THAT(message, HasSubstr("cancelled factories: Endless"));
  EXPECT_THAT(pipeline.cancelled_factories(), ElementsAre("Endless"));
  EXPECT_FALSE(current_job_group());
  // The factory's group ended cancelled; the stage and the run failed because of it.
  std::vector<JobGroupInfo> done = finished_job_groups();
  auto state_of = [&](const std::string& path) {
    for (auto it = done.rbegin(); it != done.rend(); ++it) {
      if (it->path == path) {
        return std::string(to_string(it->state));
      }
    }
    return std::string("missing");
  };
  EXPECT_EQ(state_of("cancellable/stage-0/Endless"), "cancelled");
  EXPECT_EQ(state_of("cancellable/stage-0/Quick"), "succeeded");
  EXPECT_EQ(state_of("cancellable"), "failed");
}

TEST(PipelineJobGroups, JG6_CancellingTheRunCancelsEveryFactoryInIt) {
  std::atomic<int> running{0};
  Pipeline pipeline("whole-run");
  pipeline.set_tags({"batch"});
  Stage& stage = pipeline.add_stage().set_parallel(true, 2);
  stage.add_factory<Endless>(running).set_name("A");
  stage.add_factory<Endless>(running).set_name("B");
  std::thread canceller([&] {
    while (running < 2) {
      std::this_thread::yield();
    }
    cancel_job_groups_by_tag("batch");
  });
  EXPECT_THROW(pipeline.run(), CancelledError);
  canceller.join();
  std::vector<std::string> cancelled = pipeline.cancelled_factories();
  std::sort(cancelled.begin(), cancelled.end());
  EXPECT_THAT(cancelled, ElementsAre("A", "B"));
}

}  // namespace
}  // namespace setl::workflow
