// Conditions answered by a decision service over HTTP, against a server the test starts
// on loopback: the answer decides, and a service that is down, slow or confused fails,
// skips or runs the factory by its policy, with the answer, latency and error recorded.
#include "setl/monitor/http_decision.h"

#include <atomic>
#include <chrono>
#include <future>
#include <string>
#include <thread>

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <httplib.h>

#include "setl/core/error.h"
#include "setl/workflow/pipeline.h"

namespace setl::monitor {
namespace {

using ::testing::HasSubstr;
using workflow::FactoryBase;
using workflow::FactoryOutcome;
using Policy = FactoryBase::OnConditionFailure;

// A decision service on loopback: /yes, /no, /json-no, /slow, /garbage, /error, /huge.
class DecisionService {
 public:
  DecisionService() {
    server_.Get("/yes", [](const httplib::Request&, httplib::Response& response) {
      response.set_content("true\n", "text/plain");
    });
    server_.Get("/no", [](const httplib::Request&, httplib::Response& response) {
      response.set_content(" FALSE ", "text/plain");
    });
    server_.Get("/json-no", [](const httplib::Request&, httplib::Response& response) {
      response.set_content(R"({"decision": false, "score": 0.2})", "application/json");
    });
    // Answers only once the test releases it, after the client gave up waiting.
    server_.Get("/slow", [this](const httplib::Request&, httplib::Response& response) {
      released_.wait();
      response.set_content("true", "text/plain");
      slow_done_.set_value();
    });
    server_.Get("/garbage", [](const httplib::Request&, httplib::Response& response) {
      response.set_content("maybe", "text/plain");
    });
    server_.Get("/error", [](const httplib::Request&, httplib::Response& response) {
      response.status = 503;
    });
    server_.Get("/huge", [](const httplib::Request&, httplib::Response& response) {
      response.set_content(std::string(1 << 20, 't'), "text/plain");
    });
    port_ = server_.bind_to_any_port("127.0.0.1");
    thread_ = std::thread([this] { server_.listen_after_bind(); });
    while (!server_.is_running()) {  // the accept loop has started: stop() will end it
      std::this_thread::yield();
    }
  }
  ~DecisionService() {
    if (!slow_released_) {
      release_.set_value();  // a handler still waiting must not hold stop() up
    }
    server_.stop();
    thread_.join();
  }
  // Lets /slow answer and waits until it has, so later requests run on an idle server.
  void finish_slow() {
    slow_released_ = true;
    release_.set_value();
    slow_done_.get_future().wait();
  }
  std::string url(const std::string& path) const {
    return "http://127.0.0.1:" + std::to_string(port_) + path;
  }

 private:
  std::promise<void> release_;
  std::shared_future<void> released_ = release_.get_future().share();
  bool slow_released_ = false;
  std::promise<void> slow_done_;
  httplib::Server server_;
  int port_ = 0;
  std::thread thread_;
};

class Load : public workflow::Factory<int> {
 public:
  int process() override { return 1; }
};

// A generous timeout by default: sanitizers slow the server down.
workflow::RunResult run_with(const std::string& url, Policy policy,
                             std::chrono::milliseconds timeout = std::chrono::seconds(10)) {
  workflow::Pipeline pipeline("decided");
  pipeline.add<Load>()
      .run_if("service says load", http_decision(url, {.timeout = timeout}))
      .on_condition_failure(policy);
  return pipeline.run();
}

TEST(HttpDecision, TheServiceAnswerDecidesAndIsRecorded) {
  DecisionService service;
  for (auto [path, runs] : {std::pair{"/yes", true}, {"/no", false}, {"/json-no", false}}) {
    workflow::RunResult result = run_with(service.url(path), Policy::kFail);
    const FactoryOutcome& load = result.factory("Load");
    EXPECT_EQ(load.status, runs ? FactoryOutcome::Status::kRan : FactoryOutcome::Status::kSkipped)
        << path;
    EXPECT_TRUE(load.condition.evaluated);
    EXPECT_EQ(load.condition.holds, runs);
    EXPECT_GT(load.condition.latency.count(), 0);
    EXPECT_EQ(load.condition.error, "");
  }
}

TEST(HttpDecision, AServiceDownFailsSkipsOrRunsByPolicy) {
  std::string down;
  {
    DecisionService gone;
    down = gone.url("/yes");
  }  // stopped: nothing listens on its port any more
  try {
    run_with(down, Policy::kFail);
    FAIL() << "expected the condition's failure to fail the run";
  } catch (const Error& error) {
    EXPECT_THAT(std::string(error.what()), HasSubstr("decision service " + down));
    EXPECT_THAT(std::string(error.what()), HasSubstr("factory 'Load'"));
  }
  workflow::RunResult skipped = run_with(down, Policy::kSkip);
  const FactoryOutcome& load = skipped.factory("Load");
  EXPECT_TRUE(skipped.ok());
  EXPECT_EQ(load.status, FactoryOutcome::Status::kSkipped);
  EXPECT_THAT(load.skip_reason, HasSubstr("condition `service says load` failed (skipped by its "
                                          "failure policy)"));
  EXPECT_THAT(load.condition.error, HasSubstr("did not answer"));
  workflow::RunResult ran = run_with(down, Policy::kRun);
  EXPECT_EQ(ran.factory("Load").status, FactoryOutcome::Status::kRan);
  EXPECT_TRUE(ran.factory("Load").condition.holds);
  EXPECT_THAT(ran.factory("Load").condition.error, HasSubstr("did not answer"));
}

TEST(HttpDecision, SlowConfusedOrOversizedAnswersAreFailures) {
  DecisionService service;
  workflow::RunResult slow =
      run_with(service.url("/slow"), Policy::kSkip, std::chrono::milliseconds(200));
  EXPECT_THAT(slow.factory("Load").condition.error, HasSubstr("did not answer"));
  EXPECT_EQ(slow.factory("Load").status, FactoryOutcome::Status::kSkipped);
  service.finish_slow();
  for (auto [path, expected] : {std::pair{"/garbage", "answered 'maybe', which is neither"},
                                {"/error", "answered HTTP 503"},
                                {"/huge", "larger than 65536 bytes"}}) {
    workflow::RunResult result = run_with(service.url(path), Policy::kSkip);
    EXPECT_THAT(result.factory("Load").condition.error, HasSubstr(expected)) << path;
    EXPECT_EQ(result.factory("Load").status, FactoryOutcome::Status::kSkipped) << path;
  }
}

TEST(HttpDecision, BadUrlsAreRefusedAtOnce) {
  for (std::string url : {"https://example.org/x", "http://", "http://host:99999/",
                          "http://host:port/", "ftp://host/", "http://ho st/"}) {
    EXPECT_THROW(http_decision(url), ConfigError) << url;
  }
}

}  // namespace
}  // namespace setl::monitor
