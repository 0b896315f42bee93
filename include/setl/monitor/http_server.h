// An opt-in local HTTP endpoint for watching and stopping runs:
//
//   GET  /                      the live dashboard: the pipeline with each factory's state,
//                               a timeline and the job groups with a cancel button (the
//                               page, /app.js and /app.css are compiled in; nothing else
//                               is loaded)
//   GET  /groups                running groups and the most recent finished ones (JSON)
//   GET  /groups/{id}           one group (JSON)
//   GET  /events?limit=N        the most recent job events (JSON, oldest first)
//   GET  /events/stream         job events as they happen (server-sent events: "job"
//                               events with the event's JSON; "lagged" when a slow client
//                               lost some; each idle second the running groups as a
//                               "groups" event, or a comment when none runs)
//   GET  /dag                   the pipeline shown (show()): {"pipeline": nodes, flows,
//                               stages; "factories": the latest job group of each of its
//                               factories that ran}, or null
//   GET  /metrics               Prometheus text format
//   POST /groups/{id}/cancel    cancels the group; needs "Authorization: Bearer <token>"
//
// It listens on loopback unless told otherwise; the token is random per server and is
// printed where the operator can see it (token()).
//
//   setl::monitor::MonitorServer server("127.0.0.1", 0);   // 0: any free port
//   std::cerr << "monitor: " << server.url() << " token " << server.token() << "\n";
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>

namespace setl::workflow {
struct Dag;
}

namespace setl::monitor {

class MetricsCollector;

struct MonitorOptions {
  bool allow_remote = false;  ///< listening on a non-loopback address must be asked for
  std::string token;          ///< empty: a random one
  /// A client that sends or reads nothing for this long is dropped (and the server waits
  /// at most this long for such clients when it stops).
  std::chrono::milliseconds client_timeout{5000};
};

class MonitorServer {
 public:
  /// Starts serving on a background thread. Throws: ConfigError for a non-loopback host
  /// without allow_remote; IoError if the address cannot be bound.
  MonitorServer(std::string host, int port, MonitorOptions options = {});
  /// Stops the server and joins its thread.
  ~MonitorServer();
  MonitorServer(const MonitorServer&) = delete;
  MonitorServer& operator=(const MonitorServer&) = delete;

  int port() const noexcept;
  const std::string& token() const noexcept;
  /// "http://127.0.0.1:PORT"
  std::string url() const;
  /// Serves `dag` (Pipeline::dag()) at GET /dag, for pages that draw the pipeline.
  void show(const workflow::Dag& dag);

  /// Parses "HOST:PORT" (e.g. "127.0.0.1:9464", ":9464" for loopback).
  /// Throws: ConfigError naming the bad part.
  static std::pair<std::string, int> parse_address(const std::string& address);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace setl::monitor
