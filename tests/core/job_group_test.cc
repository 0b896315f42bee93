// Feature ids from the workflow-features design (JG-n) name what each test covers.
#include "setl/core/job_group.h"

#include <atomic>
#include <ctime>
#include <thread>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "setl/core/error.h"
#include "setl/core/parallel.h"
#include "testing/temp_dir.h"

namespace setl {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using testing::message_of;

std::optional<JobGroupInfo> finished(const std::string& id) {
  for (const JobGroupInfo& info : finished_job_groups()) {
    if (info.id == id) {
      return info;
    }
  }
  return std::nullopt;
}

TEST(JobGroup, JG2_NestedScopesFormAPathAndPoppingRestoresTheParent) {
  ASSERT_FALSE(current_job_group());
  JobGroup run("run", "the run", {}, "pipeline");
  EXPECT_EQ(current_job_group()->path, "run");
  {
    JobGroup stage("stage-1");
    {
      auto inner = job_group("dedupe", "drop duplicates", {"cleanup"});
      JobGroupInfo info = *current_job_group();
      EXPECT_EQ(info.path, "run/stage-1/dedupe");
      EXPECT_EQ(info.parent_id, stage.id());
      EXPECT_EQ(info.kind, "user");
      EXPECT_EQ(info.description, "drop duplicates");
      EXPECT_THAT(info.tags, ElementsAre("cleanup"));
      EXPECT_EQ(info.state, JobState::kRunning);
    }
    EXPECT_EQ(current_job_group()->path, "run/stage-1");
  }
  EXPECT_EQ(current_job_group()->id, run.id());
}

TEST(JobGroup, JG1_ClearsOnSuccessExceptionAndCancellation) {
  std::string ok_id;
  {
    JobGroup ok("ok");
    ok_id = ok.id();
  }
  EXPECT_FALSE(current_job_group());
  EXPECT_EQ(finished(ok_id)->state, JobState::kSucceeded);

  std::string failed_id;
  EXPECT_THROW(
      {
        JobGroup failing("failing");
        failed_id = failing.id();
        failing.set_failure("bad input");
        throw IoError("bad input");
      },
      IoError);
  EXPECT_FALSE(current_job_group());
  EXPECT_EQ(finished(failed_id)->state, JobState::kFailed);
  EXPECT_EQ(finished(failed_id)->message, "bad input");

  std::string cancelled_id;
  EXPECT_THROW(
      {
        JobGroup cancelled("cancelled");
        cancelled_id = cancelled.id();
        cancel_job_group(cancelled.id(), "operator asked");
        current_cancellation().check();
      },
      CancelledError);
  EXPECT_FALSE(current_job_group());
  EXPECT_FALSE(current_cancellation().cancelled());  // the thread's token is restored too
  EXPECT_EQ(finished(cancelled_id)->state, JobState::kCancelled);
  EXPECT_EQ(finished(cancelled_id)->message, "operator asked");
}

TEST(JobGroup, JG4_WorkerThreadsRunInTheCallersGroupAndEndWithNone) {
  JobGroup group("fan-out");
  std::vector<std::string> seen(64);
  run_parallel(seen.size(), 4, [&](size_t i) {
    auto inner = job_group("task-" + std::to_string(i));
    seen[i] = current_job_group()->path;
  });
  for (size_t i = 0; i < seen.size(); ++i) {
    EXPECT_EQ(seen[i], "fan-out/task-" + std::to_string(i));
  }
  // A context captured outside any group clears the group on the thread that applies it.
  std::optional<JobGroupInfo> inside_empty;
  std::thread([&] {
    JobGroup other("other-thread");
    {
      JobContextScope scope(JobContext{});
      inside_empty = current_job_group();
    }
    EXPECT_EQ(current_job_group()->path, "other-thread");
  }).join();
  EXPECT_FALSE(inside_empty);
}

TEST(JobGroup, JG6_CancelByIdStopsTheGroupAndEverythingInsideIt) {
  JobGroup outer("outer");
  std::optional<JobGroup> inner;
  inner.emplace("inner");
  JobGroup innermost("innermost");
  CancelResult result = cancel_job_group(outer.id(), "stop the outer one");
  EXPECT_TRUE(result.found);
  EXPECT_THAT(result.cancelled, ElementsAre(outer.id(), inner->id(), innermost.id()));
  EXPECT_THAT(result.message, HasSubstr("2 group(s) inside it"));
  EXPECT_TRUE(innermost.token().cancelled());
  EXPECT_EQ(innermost.token().reason(), "stop the outer one");
  EXPECT_THAT(message_of<CancelledError>([] { current_cancellation().check(); }),
              HasSubstr("stop the outer one"));
  // Groups opened after the cancel start cancelled.
  JobGroup late("late");
  EXPECT_TRUE(late.token().cancelled());
}

TEST(JobGroup, CancellingAFinishedOrUnknownGroupIsANoOpThatSaysSo) {
  std::string id;
  {
    JobGroup done("done");
    id = done.id();
  }
  CancelResult result = cancel_job_group(id);
  EXPECT_FALSE(result.found);
  EXPECT_TRUE(result.cancelled.empty());
  EXPECT_THAT(result.message, HasSubstr("already finished (succeeded); nothing to cancel"));
  EXPECT_THAT(cancel_job_group("no-such-id").message, HasSubstr("no job group with id"));
}

TEST(JobGroup, JG6_CancelByTagReachesEveryTaggedGroupAcrossThreads) {
  std::atomic<int> ready{0};
  std::atomic<bool> cancel_sent{false};
  std::vector<std::thread> threads;
  std::vector<std::string> outcomes(3);
  for (int t = 0; t < 3; ++t) {
    threads.emplace_back([&, t] {
      try {
        JobGroup group("worker-" + std::to_string(t), "", {t < 2 ? "nightly" : "adhoc"});
        ++ready;
        // Work until cancelled or until the cancel has been sent (then a group it did not
        // reach finishes): no sleeps, no timing.
        while (!current_cancellation().cancelled() && !cancel_sent.load()) {
          std::this_thread::yield();
        }
        current_cancellation().check();
        outcomes[t] = "finished";
      } catch (const CancelledError&) {
        outcomes[t] = "cancelled";
      }
    });
  }
  while (ready < 3) {
    std::this_thread::yield();
  }
  CancelResult result = cancel_job_groups_by_tag("nightly", "maintenance window");
  cancel_sent = true;
  EXPECT_EQ(result.cancelled.size(), 2u);
  for (std::thread& thread : threads) {
    thread.join();
  }
  EXPECT_THAT(outcomes, ElementsAre("cancelled", "cancelled", "finished"));
  EXPECT_THAT(cancel_job_groups_by_tag("nightly").message, HasSubstr("no running job group"));
}

TEST(JobGroup, JG10_EventsArriveInOrderForEveryGroup) {
  auto sink = std::make_shared<MemoryEventSink>();
  add_job_event_sink(sink);
  std::string outer_id;
  try {
    JobGroup outer("events-outer");
    outer_id = outer.id();
    JobGroup inner("events-inner");
    throw ParseError("boom");
  } catch (const ParseError&) {
  }
  remove_job_event_sink(sink);
  std::vector<std::string> seen;
  for (const JobEvent& event : sink->events()) {
    seen.push_back(std::string(to_string(event.kind)) + " " + event.group.path);
  }
  EXPECT_THAT(seen, ElementsAre("started events-outer", "started events-outer/events-inner",
                                "failed events-outer/events-inner", "failed events-outer"));
  std::vector<JobEvent> events = sink->events();
  EXPECT_LE(events.front().time, events.back().time);
  EXPECT_GE(events.back().group.elapsed_seconds, 0);
  EXPECT_FALSE(recent_job_events().empty());
}

TEST(JobGroup, ProgressRollsUpToAncestors) {
  JobGroup outer("progress");
  {
    JobGroup inner("scan");
    report_progress(1000, 64'000);
    report_progress(24);
    EXPECT_EQ(inner.info().rows, 1024);
  }
  EXPECT_EQ(outer.info().rows, 1024);
  EXPECT_EQ(outer.info().bytes, 64'000);
  EXPECT_EQ(active_job_groups().back().id, outer.id());
}

TEST(JobGroup, JG5_RejectsBadNamesAndTags) {
  EXPECT_THAT(message_of<ConfigError>([] { JobGroup group(""); }), HasSubstr("needs a name"));
  EXPECT_THAT(message_of<ConfigError>([] { JobGroup group("x", "", {"a,b"}); }),
              HasSubstr("invalid tag 'a,b'"));
  EXPECT_THAT(message_of<ConfigError>([] { JobGroup group("x", "", {""}); }),
              HasSubstr("invalid tag ''"));
  EXPECT_FALSE(current_job_group());
}

// Burns CPU on the calling thread and returns how much its CPU clock advanced.
int64_t burn_cpu() {
  auto thread_cpu = [] {
    timespec now{};
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &now);
    return int64_t{now.tv_sec} * 1'000'000'000 + now.tv_nsec;
  };
  int64_t start = thread_cpu();
  volatile uint64_t sink = 0;
  while (thread_cpu() - start < 20'000'000) {  // 20 ms
    for (int i = 0; i < 10'000; ++i) {
      sink = sink * 31 + static_cast<uint64_t>(i);
    }
  }
  return thread_cpu() - start;
}

int64_t process_cpu() {
  timespec now{};
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &now);
  return int64_t{now.tv_sec} * 1'000'000'000 + now.tv_nsec;
}

TEST(JobGroup, CountsTheCpuTimeOfEveryThreadWorkingForItOnce) {
  int64_t process_start = process_cpu();
  int64_t outer_burned = 0;
  int64_t child_burned = 0;
  std::atomic<int64_t> task_burned{0};
  JobGroupInfo outer_info;
  JobGroupInfo child_info;
  {
    JobGroup outer("cpu");
    outer_burned = burn_cpu();
    {
      JobGroup child("child");
      child_burned = burn_cpu();
      // The child's tasks run in it on other threads: their time is the child's too.
      run_parallel(2, 2, [&](size_t) { task_burned += burn_cpu(); });
      child_info = child.info();
    }
    outer_info = outer.info();
  }
  int64_t process_used = process_cpu() - process_start;
  EXPECT_GE(child_info.cpu_nanos, child_burned + task_burned.load());
  EXPECT_GE(outer_info.cpu_nanos, outer_burned + child_info.cpu_nanos);
  // Each slice of CPU time went to one group chain: the outer group saw no more than the
  // whole process used.
  EXPECT_LE(outer_info.cpu_nanos, process_used);
}

}  // namespace
}  // namespace setl
