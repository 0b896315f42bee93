#include "setl/monitor/event_sinks.h"

#include <fstream>

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "setl/core/error.h"
#include "testing/temp_dir.h"

namespace setl::monitor {
namespace {

TEST(JsonLinesEventSink, JG10_WritesOneJsonObjectPerEventInOrder) {
  testing::TempDir dir;
  auto sink = std::make_shared<JsonLinesEventSink>(dir.path() / "events.jsonl");
  add_job_event_sink(sink);
  {
    JobGroup run("sink-run", "nightly \"load\"", {"nightly"}, "pipeline");
    JobGroup factory("Load", "", {}, "factory");
    report_progress(42, 1000);
  }
  remove_job_event_sink(sink);
  std::ifstream in(dir.path() / "events.jsonl");
  std::vector<nlohmann::json> events;
  for (std::string line; std::getline(in, line);) {
    events.push_back(nlohmann::json::parse(line));
  }
  ASSERT_EQ(events.size(), 4u);
  EXPECT_EQ(events[0]["event"], "started");
  EXPECT_EQ(events[0]["group"]["description"], "nightly \"load\"");
  EXPECT_EQ(events[0]["group"]["tags"][0], "nightly");
  EXPECT_EQ(events[2]["event"], "succeeded");
  EXPECT_EQ(events[2]["group"]["path"], "sink-run/Load");
  EXPECT_EQ(events[2]["group"]["rows"], 42);
  EXPECT_EQ(events[3]["group"]["bytes"], 1000);  // rolled up to the run
  EXPECT_EQ(events[3]["group"]["state"], "succeeded");
  EXPECT_THAT(events[3]["time"].get<std::string>(), ::testing::EndsWith("Z"));
}

TEST(JsonLinesEventSink, UnwritablePathIsAnIoError) {
  EXPECT_THROW(JsonLinesEventSink("/nonexistent-dir/x/events.jsonl"), IoError);
}

}  // namespace
}  // namespace setl::monitor
