#include "setl/monitor/http_server.h"

#include <functional>
#include <future>
#include <string>
#include <thread>
#include <utility>

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <httplib.h>
#include <nlohmann/json.hpp>

#include "setl/core/error.h"
#include "setl/core/job_group.h"
#include "setl/workflow/dag.h"
#include "testing/temp_dir.h"

namespace setl::monitor {
namespace {

using ::testing::HasSubstr;
using testing::message_of;

TEST(MonitorServer, ServesGroupsEventsAndMetricsOverLoopback) {
  MonitorServer server("127.0.0.1", 0);
  ASSERT_GT(server.port(), 0);
  EXPECT_EQ(server.url(), "http://127.0.0.1:" + std::to_string(server.port()));
  JobGroup run("http-run", "served", {"web"}, "pipeline");
  JobGroup factory("Serve", "", {}, "factory");
  report_progress(7);

  httplib::Client client("127.0.0.1", server.port());
  auto groups = client.Get("/groups");
  ASSERT_TRUE(groups);
  EXPECT_EQ(groups->status, 200);
  nlohmann::json body = nlohmann::json::parse(groups->body);
  bool seen = false;
  for (const auto& group : body["active"]) {
    if (group["id"] == factory.id()) {
      seen = true;
      EXPECT_EQ(group["path"], "http-run/Serve");
      EXPECT_EQ(group["state"], "running");
      EXPECT_EQ(group["rows"], 7);
    }
  }
  EXPECT_TRUE(seen);

  auto one = client.Get(("/groups/" + run.id()).c_str());
  ASSERT_TRUE(one);
  EXPECT_EQ(nlohmann::json::parse(one->body)["tags"][0], "web");
  EXPECT_EQ(client.Get("/groups/no-such")->status, 404);

  auto events = client.Get("/events?limit=2");
  ASSERT_TRUE(events);
  EXPECT_EQ(nlohmann::json::parse(events->body).size(), 2u);
  EXPECT_EQ(client.Get("/events?limit=x")->status, 400);

  auto metrics = client.Get("/metrics");
  ASSERT_TRUE(metrics);
  EXPECT_THAT(metrics->get_header_value("Content-Type"), HasSubstr("version=0.0.4"));
  EXPECT_THAT(metrics->body, HasSubstr("setl_job_groups_active{kind=\"factory\"}"));
}

TEST(MonitorServer, CancelNeedsTheTokenAndSaysWhatHappened) {
  MonitorServer server("127.0.0.1", 0, {.token = "secret"});
  httplib::Client client("127.0.0.1", server.port());
  JobGroup target("http-cancel-target");
  std::string path = "/groups/" + target.id() + "/cancel";

  auto anonymous = client.Post(path.c_str());
  ASSERT_TRUE(anonymous);
  EXPECT_EQ(anonymous->status, 401);
  EXPECT_FALSE(target.token().cancelled());
  auto wrong = client.Post(path.c_str(), {{"Authorization", "Bearer nope"}}, "", "text/plain");
  EXPECT_EQ(wrong->status, 401);

  auto accepted = client.Post((path + "?reason=stop%20now").c_str(),
                              {{"Authorization", "Bearer secret"}}, "", "text/plain");
  ASSERT_TRUE(accepted);
  EXPECT_EQ(accepted->status, 200);
  nlohmann::json result = nlohmann::json::parse(accepted->body);
  EXPECT_EQ(result["cancelled"][0], target.id());
  EXPECT_TRUE(target.token().cancelled());
  EXPECT_EQ(target.token().reason(), "stop now");

  std::string finished_id;
  {
    JobGroup done("http-done");
    finished_id = done.id();
  }
  auto late = client.Post(("/groups/" + finished_id + "/cancel").c_str(),
                          {{"Authorization", "Bearer secret"}}, "", "text/plain");
  EXPECT_EQ(late->status, 409);
  EXPECT_THAT(late->body, HasSubstr("already finished"));
  auto unknown = client.Post("/groups/999999999/cancel", {{"Authorization", "Bearer secret"}}, "",
                             "text/plain");
  EXPECT_EQ(unknown->status, 404);
}

// Reads /events/stream until `done` says it has what it waited for; `opened` is set once
// the stream is open (events from then on reach it).
std::thread read_stream(int port, std::promise<void>& opened, std::string& received,
                        const std::function<bool(const std::string&)>& done) {
  return std::thread([port, &opened, &received, done] {
    httplib::Client client("127.0.0.1", port);
    bool told = false;
    (void)client.Get("/events/stream", [&](const char* data, size_t size) {
      received.append(data, size);
      if (!std::exchange(told, true)) {
        opened.set_value();
      }
      return !done(received);
    });
    if (!told) {
      opened.set_value();  // never opened: the test's expectations say so
    }
  });
}

TEST(MonitorServer, StreamsJobEventsAsTheyHappen) {
  MonitorServer server("127.0.0.1", 0);
  std::promise<void> opened;
  std::string received;
  std::thread reader = read_stream(server.port(), opened, received, [](const std::string& text) {
    return text.find("\"streamed-group\"") != std::string::npos &&
           text.find("\"event\":\"succeeded\"") != std::string::npos;
  });
  opened.get_future().wait();
  { JobGroup streamed("streamed-group", "", {}, "factory"); }
  reader.join();
  EXPECT_THAT(received, HasSubstr(": open\n\n"));
  EXPECT_THAT(received, HasSubstr("event: job\ndata: {"));
  EXPECT_THAT(received, HasSubstr("\"streamed-group\""));
}

TEST(MonitorServer, StoppingEndsOpenStreams) {
  std::promise<void> opened;
  std::string received;
  std::thread reader;
  {
    MonitorServer server("127.0.0.1", 0);
    reader = read_stream(server.port(), opened, received, [](const std::string&) { return false; });
    opened.get_future().wait();
  }  // the server stops with the stream open: it ends, nobody waits for it
  reader.join();
  EXPECT_THAT(received, HasSubstr(": open"));
}

TEST(MonitorServer, ServesThePipelineItShows) {
  MonitorServer server("127.0.0.1", 0);
  httplib::Client client("127.0.0.1", server.port());
  EXPECT_EQ(client.Get("/dag")->body, "null\n");
  workflow::Dag dag;
  dag.nodes.push_back({.kind = workflow::DagNode::Kind::kSource, .name = "orders <raw>"});
  dag.nodes.push_back({.name = "Clean", .stage = 0, .level = 1});
  dag.flows.push_back({.from = 0, .to = 1});
  dag.stages.push_back({.name = "stage-0"});
  server.show(dag);
  { JobGroup ran("Clean", "", {}, "factory"); }  // a factory of the shown pipeline ran
  { JobGroup other("Elsewhere", "", {}, "factory"); }
  nlohmann::json shown = nlohmann::json::parse(client.Get("/dag")->body);
  const nlohmann::json& pipeline = shown["pipeline"];
  EXPECT_EQ(pipeline["nodes"][0]["name"], "orders <raw>");  // JSON text, escaped by the page
  EXPECT_EQ(pipeline["nodes"][0]["kind"], "source");
  EXPECT_EQ(pipeline["nodes"][1]["stage"], 0);
  EXPECT_EQ(pipeline["flows"][0]["to"], 1);
  EXPECT_EQ(pipeline["stages"][0]["name"], "stage-0");
  ASSERT_EQ(shown["factories"].size(), 1u) << "only the shown pipeline's factories";
  EXPECT_EQ(shown["factories"][0]["name"], "Clean");
  EXPECT_EQ(shown["factories"][0]["state"], "succeeded");
}

// A factory the run passed by has no job group of its own: the pipeline's event names it,
// and /dag describes it as a finished factory, "cached" or "skipped", with the reason.
TEST(MonitorServer, ShowsFactoriesTheRunPassedByAsCachedOrSkipped) {
  MonitorServer server("127.0.0.1", 0);
  httplib::Client client("127.0.0.1", server.port());
  workflow::Dag dag;
  dag.nodes.push_back({.name = "Cached", .stage = 0});
  dag.nodes.push_back({.name = "Skipped", .stage = 1, .level = 1});
  dag.stages = {{.name = "stage-0"}, {.name = "stage-1"}};
  server.show(dag);
  {
    JobGroup run("p", "", {}, "pipeline");
    run.report(JobEventKind::kRestored, "factory 'Cached' served from the result cache", "Cached");
    run.report(JobEventKind::kSkipped, "factory 'Skipped' skipped: condition `x` was false",
               "Skipped");
    run.report(JobEventKind::kSkipped, "factory 'Other' skipped", "Other");  // not shown
  }
  // A browser asks for Brotli; JSON is sent as it is (compressing it cost 600 ms at 0.5 MB).
  httplib::Result reply = client.Get("/dag", {{"Accept-Encoding", "br, gzip"}});
  ASSERT_TRUE(reply);
  EXPECT_FALSE(reply->has_header("Content-Encoding"));
  EXPECT_EQ(reply->get_header_value("Content-Type"), "application/json; charset=utf-8");
  nlohmann::json factories = nlohmann::json::parse(reply->body)["factories"];
  ASSERT_EQ(factories.size(), 2u);
  EXPECT_EQ(factories[0]["name"], "Cached");
  EXPECT_EQ(factories[0]["state"], "cached");
  EXPECT_EQ(factories[0]["kind"], "factory");
  EXPECT_EQ(factories[0]["message"], "factory 'Cached' served from the result cache");
  EXPECT_EQ(factories[0]["path"], "p/Cached");
  EXPECT_EQ(factories[1]["state"], "skipped");
  EXPECT_THAT(factories[1]["message"].get<std::string>(), HasSubstr("`x` was false"));
  EXPECT_EQ(factories[1]["parent_id"], factories[0]["parent_id"]) << "the pipeline's group";
}

TEST(MonitorServer, RefusesRemoteAddressesUnlessAskedAndParsesAddresses) {
  EXPECT_THAT(message_of<ConfigError>([] { MonitorServer server("0.0.0.0", 0); }),
              HasSubstr("loopback only"));
  EXPECT_EQ(MonitorServer::parse_address("127.0.0.1:9464"),
            (std::pair<std::string, int>{"127.0.0.1", 9464}));
  EXPECT_EQ(MonitorServer::parse_address(":9464").first, "127.0.0.1");
  EXPECT_THAT(message_of<ConfigError>([] { MonitorServer::parse_address("localhost"); }),
              HasSubstr("HOST:PORT"));
  EXPECT_THAT(message_of<ConfigError>([] { MonitorServer::parse_address("127.0.0.1:http"); }),
              HasSubstr("port 'http'"));
  EXPECT_THAT(message_of<IoError>([] { MonitorServer server("127.0.0.999", 0); }),
              HasSubstr("cannot listen on 127.0.0.999"));
}

}  // namespace
}  // namespace setl::monitor
