#include "setl/monitor/http_server.h"

#include <algorithm>
#include <atomic>
#include <charconv>
#include <map>
#include <mutex>
#include <random>
#include <thread>

#include <fmt/format.h>
#include <httplib.h>
#include <nlohmann/json.hpp>

#include "event_stream.h"
#include "setl/core/error.h"
#include "setl/core/job_group.h"
#include "setl/core/parse_number.h"
#include "setl/monitor/event_sinks.h"
#include "setl/monitor/metrics.h"
#include "setl/workflow/dag.h"

namespace setl::monitor {
namespace detail {
extern const char* const kDashboard_index_html;
extern const char* const kDashboard_app_js;
extern const char* const kDashboard_app_css;
}  // namespace detail

namespace {

constexpr size_t kFinishedShown = 50;
constexpr size_t kMaxBody = 64 * 1024;
constexpr size_t kWorkers = 64;
// Each open event stream holds a worker: a few, so the others stay for requests.
constexpr int kMaxStreams = 8;

bool is_loopback(const std::string& host) {
  return host == "127.0.0.1" || host == "localhost" || host == "::1" || host.rfind("127.", 0) == 0;
}

std::string random_token() {
  std::random_device random;
  std::string token;
  for (int i = 0; i < 4; ++i) {
    token += fmt::format("{:08x}", random());
  }
  return token;
}

// With the charset named, the HTTP library leaves JSON uncompressed: it would answer a
// browser's "Accept-Encoding: br" with Brotli at its slowest setting, which took 600 ms for
// a 1,000-factory /dag (about 0.5 MB) that loopback sends in a millisecond.
void reply_json(httplib::Response& response, int status, const std::string& body) {
  response.status = status;
  response.set_content(body + "\n", "application/json; charset=utf-8");
}

std::string error_json(const std::string& message) {
  return nlohmann::json{{"error", message}}.dump(-1, ' ', false,
                                                 nlohmann::json::error_handler_t::replace);
}

std::string groups_json(const std::vector<JobGroupInfo>& groups) {
  std::string out = "[";
  for (size_t i = 0; i < groups.size(); ++i) {
    out += (i ? "," : "") + to_json(groups[i]);
  }
  return out + "]";
}

std::string idle_message() {
  std::vector<JobGroupInfo> running = active_job_groups();
  return running.empty() ? std::string(": idle\n\n")
                         : "event: groups\ndata: " + groups_json(running) + "\n\n";
}

// What the dashboard's page may do: its own script, styles and requests, nothing else
// (no inline script, no other origin, no framing).
constexpr const char* kDashboardPolicy =
    "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; "
    "img-src 'self' data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

void reply_asset(httplib::Response& response, const char* content, const char* type) {
  response.set_header("Content-Security-Policy", kDashboardPolicy);
  response.set_header("X-Content-Type-Options", "nosniff");
  response.set_header("Cache-Control", "no-store");
  response.set_content(content, type);
}

std::string dag_json(const workflow::Dag& dag) {
  nlohmann::json nodes = nlohmann::json::array();
  for (const workflow::DagNode& node : dag.nodes) {
    const char* kind = node.kind == workflow::DagNode::Kind::kFactory  ? "factory"
                       : node.kind == workflow::DagNode::Kind::kSource ? "source"
                                                                       : "input";
    nodes.push_back({{"name", node.name},
                     {"kind", kind},
                     {"stage", node.stage ? nlohmann::json(*node.stage) : nlohmann::json()},
                     {"level", node.level},
                     {"namespace", node.ns},
                     {"output_type", node.output_type}});
  }
  nlohmann::json flows = nlohmann::json::array();
  for (const workflow::DagFlow& flow : dag.flows) {
    flows.push_back({{"from", flow.from}, {"to", flow.to}, {"optional", flow.optional}});
  }
  nlohmann::json stages = nlohmann::json::array();
  for (const workflow::DagStage& stage : dag.stages) {
    stages.push_back({{"name", stage.name}, {"parallel", stage.parallel}});
  }
  return nlohmann::json{{"nodes", nodes}, {"flows", flows}, {"stages", stages}}.dump(
      -1, ' ', false, nlohmann::json::error_handler_t::replace);
}

// A factory the pipeline skipped or served from the cache, described as a finished
// factory group of the pipeline's (its state "skipped" or "cached", the event's detail as
// its message), so that the page shows it as it shows a run.
std::string outcome_json(const JobEvent& event) {
  JobGroupInfo info = event.group;
  info.parent_id = info.id;
  info.id += "/" + event.factory;
  info.path += "/" + event.factory;
  info.name = event.factory;
  info.kind = "factory";
  info.description.clear();
  info.tags.clear();
  info.started = info.finished = event.time;
  info.elapsed_seconds = 0;
  info.rows = info.bytes = info.memory_bytes = 0;
  info.state = JobState::kSucceeded;  // a finished group, so that "finished" is written
  nlohmann::json json = nlohmann::json::parse(to_json(info));
  json["state"] = event.kind == JobEventKind::kSkipped ? "skipped" : "cached";
  json["message"] = event.detail;
  return json.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

}  // namespace

// Keeps, for each factory of the shown pipeline, its latest job group, or how the run
// passed it by (skipped, or served from the cache).
class FactoryTracker : public JobEventSink {
 public:
  FactoryTracker(std::mutex& mutex, std::map<std::string, std::string, std::less<>>& groups)
      : mutex_(mutex), groups_(groups) {}
  void on_event(const JobEvent& event) override {
    if (event.rank >= 0) {
      return;
    }
    bool outcome = !event.factory.empty() &&
                   (event.kind == JobEventKind::kSkipped || event.kind == JobEventKind::kRestored);
    if (event.group.kind != "factory" && !outcome) {
      return;
    }
    const std::string& name = outcome ? event.factory : event.group.name;
    std::lock_guard lock(mutex_);
    if (auto found = groups_.find(name); found != groups_.end()) {
      found->second = outcome ? outcome_json(event) : to_json(event.group);
    }
  }

 private:
  std::mutex& mutex_;
  std::map<std::string, std::string, std::less<>>& groups_;
};

struct MonitorServer::Impl {
  httplib::Server server;
  std::thread thread;
  std::shared_ptr<MetricsCollector> metrics = std::make_shared<MetricsCollector>();
  std::shared_ptr<detail::EventStreams> streams = std::make_shared<detail::EventStreams>();
  std::atomic<int> open_streams{0};
  // The shown pipeline, and the latest job group of each of its factories (the registry
  // keeps only recent finished groups: a page opened late still gets every state).
  std::mutex dag_mutex;
  std::string dag = "null";
  std::map<std::string, std::string, std::less<>> factory_groups;  // name -> group JSON
  std::shared_ptr<FactoryTracker> tracker;
  std::string host;
  int port = 0;
  std::string token;

  // Constant time: how long the comparison takes says nothing about the token.
  bool authorized(const httplib::Request& request) const {
    std::string given = request.get_header_value("Authorization");
    std::string expected = "Bearer " + token;
    unsigned char difference = given.size() == expected.size() ? 0 : 1;
    for (size_t i = 0; i < expected.size(); ++i) {
      difference |= static_cast<unsigned char>(expected[i] ^ (i < given.size() ? given[i] : 0));
    }
    return difference == 0;
  }

  // Hostile clients: bodies are small and read only after the token check, and a client
  // that stalls is dropped after a few seconds, so a handful of slow connections cannot
  // hold every worker (and with them the cancel endpoint).
  void limits(std::chrono::milliseconds client_timeout) {
    server.set_payload_max_length(kMaxBody);
    server.set_read_timeout(client_timeout);
    server.set_write_timeout(client_timeout);
    // Whole seconds only; at least 1, at most 2, never more than the client timeout asks.
    server.set_keep_alive_timeout(
        std::clamp<time_t>(static_cast<time_t>(client_timeout.count() / 1000), 1, 2));
    server.set_keep_alive_max_count(100);
    server.new_task_queue = [] { return new httplib::ThreadPool(kWorkers); };
    server.set_pre_routing_handler(
        [this](const httplib::Request& request, httplib::Response& response) {
          if (request.method != "GET" && request.method != "HEAD" && !authorized(request)) {
            reply_json(response, 401,
                       error_json("missing or wrong token: send 'Authorization: Bearer <token>' "
                                  "with the token the monitor printed at start-up"));
            return httplib::Server::HandlerResponse::Handled;
          }
          return httplib::Server::HandlerResponse::Unhandled;
        });
  }

  void stream_events(httplib::Response& response) {
    if (++open_streams > kMaxStreams) {
      --open_streams;
      reply_json(response, 503, error_json("too many event streams are open; try again later"));
      return;
    }
    std::shared_ptr<detail::EventStreams::Subscription> subscription = streams->subscribe();
    response.set_header("Cache-Control", "no-store");
    response.set_chunked_content_provider(
        "text/event-stream",
        [subscription, opened = false](size_t /*offset*/, httplib::DataSink& sink) mutable {
          if (!std::exchange(opened, true)) {
            // Says at once that the stream is open: events from now on reach the client.
            return sink.write(": open\n\n", 8);
          }
          std::optional<std::string> message = subscription->next(std::chrono::seconds(1));
          if (message && message->empty()) {
            sink.done();  // the server is stopping
            return true;
          }
          // While idle: the running groups (elapsed, rows, memory move on without events),
          // or a comment, which keeps proxies from closing the stream and finds clients
          // that left.
          std::string text = message ? *message : idle_message();
          return sink.write(text.data(), text.size());
        },
        [this, subscription](bool /*success*/) {
          streams->unsubscribe(subscription);
          --open_streams;
        });
  }

  void routes() {
    server.Get("/groups", [](const httplib::Request&, httplib::Response& response) {
      std::vector<JobGroupInfo> finished = finished_job_groups();
      if (finished.size() > kFinishedShown) {
        finished.erase(finished.begin(),
                       finished.end() - static_cast<std::ptrdiff_t>(kFinishedShown));
      }
      reply_json(response, 200,
                 "{\"active\":" + groups_json(active_job_groups()) +
                     ",\"finished\":" + groups_json(finished) + "}");
    });
    server.Get(R"(/groups/([^/]+))",
               [](const httplib::Request& request, httplib::Response& response) {
                 std::string id = request.matches[1];
                 for (const auto& list : {active_job_groups(), finished_job_groups()}) {
                   for (const JobGroupInfo& group : list) {
                     if (group.id == id) {
                       reply_json(response, 200, to_json(group));
                       return;
                     }
                   }
                 }
                 reply_json(response, 404, error_json("no job group with id '" + id + "'"));
               });
    server.Get("/events", [](const httplib::Request& request, httplib::Response& response) {
      std::vector<JobEvent> events = recent_job_events();
      size_t limit = 100;
      if (request.has_param("limit")) {
        std::string text = request.get_param_value("limit");
        auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), limit);
        if (text.empty() || error != std::errc() || end != text.data() + text.size()) {
          reply_json(response, 400, error_json("limit must be an integer from 0 to 2^64-1"));
          return;
        }
      }
      size_t first = events.size() > limit ? events.size() - limit : 0;
      std::string out = "[";
      for (size_t i = first; i < events.size(); ++i) {
        out += (i > first ? "," : "") + to_json(events[i]);
      }
      reply_json(response, 200, out + "]");
    });
    server.Get("/", [](const httplib::Request&, httplib::Response& response) {
      reply_asset(response, detail::kDashboard_index_html, "text/html; charset=utf-8");
    });
    server.Get("/app.js", [](const httplib::Request&, httplib::Response& response) {
      reply_asset(response, detail::kDashboard_app_js, "text/javascript; charset=utf-8");
    });
    server.Get("/app.css", [](const httplib::Request&, httplib::Response& response) {
      reply_asset(response, detail::kDashboard_app_css, "text/css; charset=utf-8");
    });
    server.Get("/events/stream", [this](const httplib::Request&, httplib::Response& response) {
      stream_events(response);
    });
    server.Get("/dag", [this](const httplib::Request&, httplib::Response& response) {
      std::lock_guard lock(dag_mutex);
      std::string factories;
      for (const auto& [name, group] : factory_groups) {
        if (!group.empty()) {
          factories += (factories.empty() ? "" : ",") + group;
        }
      }
      reply_json(
          response, 200,
          dag == "null" ? dag : "{\"pipeline\":" + dag + ",\"factories\":[" + factories + "]}");
    });
    server.Get("/metrics", [this](const httplib::Request&, httplib::Response& response) {
      response.set_content(metrics->to_prometheus(), "text/plain; version=0.0.4; charset=utf-8");
    });
    server.Post(R"(/groups/([^/]+)/cancel)", [](const httplib::Request& request,
                                                httplib::Response& response) {
      // The token was checked before routing (limits()), before any body was read.
      std::string id = request.matches[1];
      std::string reason =
          request.has_param("reason") ? request.get_param_value("reason") : "cancelled over HTTP";
      CancelResult result = cancel_job_group(id, reason);
      nlohmann::json body = {
          {"found", result.found}, {"cancelled", result.cancelled}, {"message", result.message}};
      int status = result.found
                       ? 200
                       : (result.message.find("already finished") != std::string::npos ? 409 : 404);
      reply_json(response, status,
                 body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
    });
  }
};

MonitorServer::MonitorServer(std::string host, int port, MonitorOptions options)
    : impl_(std::make_unique<Impl>()) {
  if (!options.allow_remote && !is_loopback(host)) {
    throw ConfigError("the monitor listens on loopback only; '" + host +
                      "' is not a loopback address (set allow_remote to serve it)");
  }
  if (port < 0 || port > 65535) {
    throw ConfigError("monitor port " + std::to_string(port) + " is out of range 0..65535");
  }
  impl_->host = host;
  impl_->token = options.token.empty() ? random_token() : options.token;
  impl_->limits(options.client_timeout);
  impl_->routes();
  if (port == 0) {
    impl_->port = impl_->server.bind_to_any_port(host);
  } else if (impl_->server.bind_to_port(host, port)) {
    impl_->port = port;
  } else {
    impl_->port = -1;
  }
  if (impl_->port <= 0) {
    throw IoError("the monitor cannot listen on " + host + ":" + std::to_string(port) +
                  " (address in use or not available)");
  }
  impl_->thread = std::thread([impl = impl_.get()] { impl->server.listen_after_bind(); });
  // stop() only reaches a server that is already listening: wait for it.
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (!impl_->server.is_running()) {
    if (std::chrono::steady_clock::now() > deadline) {
      impl_->server.stop();
      impl_->thread.join();
      throw IoError("the monitor on " + url() + " did not start listening");
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  add_job_event_sink(impl_->metrics);
  add_job_event_sink(impl_->streams);
  impl_->tracker = std::make_shared<FactoryTracker>(impl_->dag_mutex, impl_->factory_groups);
  add_job_event_sink(impl_->tracker);
}

MonitorServer::~MonitorServer() {
  impl_->streams->close();  // open streams end, so that stopping waits for none
  remove_job_event_sink(impl_->streams);
  remove_job_event_sink(impl_->tracker);
  impl_->server.stop();
  if (impl_->thread.joinable()) {
    impl_->thread.join();
  }
  remove_job_event_sink(impl_->metrics);
}

int MonitorServer::port() const noexcept {
  return impl_->port;
}

const std::string& MonitorServer::token() const noexcept {
  return impl_->token;
}

std::string MonitorServer::url() const {
  std::string host =
      impl_->host.find(':') != std::string::npos ? "[" + impl_->host + "]" : impl_->host;
  return "http://" + host + ":" + std::to_string(impl_->port);
}

void MonitorServer::show(const workflow::Dag& dag) {
  std::string json = dag_json(dag);
  std::lock_guard lock(impl_->dag_mutex);
  impl_->dag = std::move(json);
  impl_->factory_groups.clear();
  for (const workflow::DagNode& node : dag.nodes) {
    if (node.kind == workflow::DagNode::Kind::kFactory) {
      impl_->factory_groups.emplace(node.name, std::string());
    }
  }
}

std::pair<std::string, int> MonitorServer::parse_address(const std::string& address) {
  size_t colon = address.rfind(':');
  if (colon == std::string::npos) {
    throw ConfigError("monitor address '" + address + "' must be HOST:PORT, e.g. 127.0.0.1:9464");
  }
  std::string host = colon == 0 ? "127.0.0.1" : address.substr(0, colon);
  std::string port_text = address.substr(colon + 1);
  int port = parse_number<int>(port_text).value_or(-1);
  if (port < 0 || port > 65535) {
    throw ConfigError("monitor address '" + address + "': port '" + port_text +
                      "' is not a number in 0..65535");
  }
  return {host, port};
}

}  // namespace setl::monitor
