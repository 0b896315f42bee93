#include "setl/monitor/http_server.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <httplib.h>
#include <nlohmann/json.hpp>

#include "setl/core/error.h"
#include "setl/core/job_group.h"
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
