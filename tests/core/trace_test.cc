#include "setl/core/trace.h"

#include <atomic>
#include <map>
#include <thread>

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "setl/core/error.h"
#include "setl/core/job_group.h"
#include "setl/core/parallel.h"
#include "testing/temp_dir.h"

namespace setl {
namespace {

using ::testing::Contains;
using ::testing::HasSubstr;
using Json = nlohmann::json;

std::vector<Json> events_of(const TraceRecorder& trace, const std::string& phase) {
  std::vector<Json> events;
  Json parsed = Json::parse(trace.to_json());
  for (const Json& event : parsed["traceEvents"]) {
    if (event["ph"] == phase) {
      events.push_back(event);
    }
  }
  return events;
}

TEST(TraceRecorder, WritesTraceEventJsonWithNestedSpansAndNamedThreads) {
  auto trace = std::make_shared<TraceRecorder>();
  trace->name_thread("main");
  int64_t worker_thread = 0;
  {
    TraceScope outer(trace, "factory", "Orders");
    outer.arg("rows", "12");
    { TraceScope inner(trace, "factory", "Orders.process()"); }
    std::thread worker([&] {
      worker_thread = trace_thread_id();
      TraceScope span(trace, "operator", "Filter \"x\" > 1 \xff");  // quotes, bad UTF-8
    });
    worker.join();
  }
  std::vector<Json> spans = events_of(*trace, "X");
  ASSERT_EQ(spans.size(), 3u);
  // The main thread's spans first (it was numbered first), the enclosing one before the
  // one it encloses, and the inner one within it.
  const Json& outer = spans[0];
  const Json& inner = spans[1];
  EXPECT_EQ(outer["name"], "Orders");
  EXPECT_EQ(outer["cat"], "factory");
  EXPECT_EQ(outer["args"]["rows"], "12");
  EXPECT_EQ(inner["name"], "Orders.process()");
  EXPECT_EQ(inner["tid"], outer["tid"]);
  EXPECT_GE(inner["ts"].get<int64_t>(), outer["ts"].get<int64_t>());
  EXPECT_LE(inner["ts"].get<int64_t>() + inner["dur"].get<int64_t>(),
            outer["ts"].get<int64_t>() + outer["dur"].get<int64_t>());
  EXPECT_EQ(spans[2]["tid"], worker_thread);
  EXPECT_THAT(spans[2]["name"].get<std::string>(), HasSubstr("Filter \"x\" > 1"));

  std::map<int64_t, std::string> thread_names;
  for (const Json& event : events_of(*trace, "M")) {
    if (event["name"] == "thread_name") {
      thread_names[event["tid"].get<int64_t>()] = event["args"]["name"].get<std::string>();
    }
  }
  EXPECT_EQ(thread_names[outer["tid"].get<int64_t>()], "main");
  EXPECT_EQ(thread_names[worker_thread], "thread " + std::to_string(worker_thread));
}

TEST(TraceRecorder, KeepsAtMostItsLimitAndSaysHowManySpansItDropped) {
  auto trace = std::make_shared<TraceRecorder>(2);
  for (int i = 0; i < 5; ++i) {
    TraceScope span(trace, "operator", "span " + std::to_string(i));
  }
  EXPECT_EQ(trace->spans().size(), 2u);
  EXPECT_EQ(trace->dropped(), 3);
  EXPECT_EQ(Json::parse(trace->to_json())["otherData"]["dropped_spans"], 3);
}

TEST(TraceRecorder, WritesTheFileWhole) {
  testing::TempDir dir;
  auto trace = std::make_shared<TraceRecorder>();
  { TraceScope span(trace, "run", "run"); }
  trace->write(dir.path() / "trace.json");
  EXPECT_EQ(testing::read_file(dir.path() / "trace.json"), trace->to_json());
  EXPECT_THROW(trace->write(dir.path() / "trace.json" / "not-a-dir.json"), IoError);
}

TEST(TraceScope, WithoutARecorderRecordsNothing) {
  TraceScope span(nullptr, "operator", "nothing");
  span.arg("rows", "1");
  EXPECT_FALSE(span.active());
}

TEST(TraceRecorder, GroupsAndTasksInsideATracedGroupRecordIntoItsTrace) {
  auto trace = std::make_shared<TraceRecorder>();
  EXPECT_EQ(current_trace(), nullptr);
  {
    JobGroup run("traced");
    run.set_trace(trace);
    JobGroup child("child");
    EXPECT_EQ(current_trace(), trace);
    std::atomic<int> traced_tasks{0};
    run_parallel(4, 2, [&](size_t) {
      if (current_trace() == trace) {
        ++traced_tasks;
      }
    });
    EXPECT_EQ(traced_tasks.load(), 4);
  }
  EXPECT_EQ(current_trace(), nullptr);
  JobGroup untraced("untraced");
  EXPECT_EQ(current_trace(), nullptr);
}

}  // namespace
}  // namespace setl
