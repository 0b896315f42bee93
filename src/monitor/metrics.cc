#include "setl/monitor/metrics.h"

#include <functional>
#include <vector>

#include <fmt/format.h>

#include "setl/core/circuit_breaker.h"
#include "setl/core/connection_pool.h"

namespace setl::monitor {

std::string escape_label(const std::string& value) {
  std::string out;
  for (char c : value) {
    if (c == '\\') {
      out += "\\\\";
    } else if (c == '"') {
      out += "\\\"";
    } else if (c == '\n') {
      out += "\\n";
    } else {
      out += c;
    }
  }
  return out;
}

namespace {

// The labels of a factory's series: its pipeline and name, and the rank it ran on for
// figures forwarded from another rank.
std::string factory_labels(const std::tuple<std::string, std::string, std::string>& key) {
  const auto& [pipeline, factory, rank] = key;
  std::string labels =
      fmt::format("pipeline=\"{}\",factory=\"{}\"", escape_label(pipeline), escape_label(factory));
  return rank.empty() ? labels : labels + ",rank=\"" + rank + "\"";
}

using Header = std::function<void(const char*, const char*, const char*)>;

// The process's connection pools and circuit breakers (setl/core/connection_pool.h,
// setl/core/circuit_breaker.h), one series per endpoint.
void append_resource_metrics(std::string& out, const Header& header) {
  std::vector<PoolStats> pools = PoolRegistry::global().stats();
  header("setl_pool_connections", "gauge", "Open pooled connections, by endpoint and state.");
  for (const PoolStats& pool : pools) {
    std::string endpoint = escape_label(pool.endpoint);
    out += fmt::format("setl_pool_connections{{endpoint=\"{}\",state=\"idle\"}} {}\n", endpoint,
                       pool.idle);
    out += fmt::format("setl_pool_connections{{endpoint=\"{}\",state=\"in_use\"}} {}\n", endpoint,
                       pool.in_use);
  }
  header("setl_pool_connections_max", "gauge", "The pool's size limit, by endpoint.");
  for (const PoolStats& pool : pools) {
    out += fmt::format("setl_pool_connections_max{{endpoint=\"{}\"}} {}\n",
                       escape_label(pool.endpoint), pool.max_size);
  }
  auto counter = [&](const char* name, const char* help, int64_t PoolStats::*field) {
    header(name, "counter", help);
    for (const PoolStats& pool : pools) {
      out +=
          fmt::format("{}{{endpoint=\"{}\"}} {}\n", name, escape_label(pool.endpoint), pool.*field);
    }
  };
  counter("setl_pool_connections_created_total", "Connections opened.", &PoolStats::created);
  counter("setl_pool_checkouts_reused_total", "Checkouts served by an idle connection.",
          &PoolStats::reused);
  counter("setl_pool_connections_broken_total",
          "Connections closed after a failed health check or an error.", &PoolStats::broken);
  counter("setl_pool_connections_expired_total", "Idle connections closed after idle_timeout.",
          &PoolStats::expired);
  counter("setl_pool_waits_total", "Checkouts that waited for a connection.", &PoolStats::waits);

  std::vector<BreakerStats> breakers = BreakerRegistry::global().stats();
  header("setl_circuit_breaker_state", "gauge",
         "1 for the state each circuit breaker is in, by resource.");
  for (const BreakerStats& breaker : breakers) {
    for (BreakerState state :
         {BreakerState::kClosed, BreakerState::kOpen, BreakerState::kHalfOpen}) {
      out += fmt::format("setl_circuit_breaker_state{{resource=\"{}\",state=\"{}\"}} {}\n",
                         escape_label(breaker.resource), to_string(state),
                         breaker.state == state ? 1 : 0);
    }
  }
  auto breaker_counter = [&](const char* name, const char* help, auto value) {
    header(name, "counter", help);
    for (const BreakerStats& breaker : breakers) {
      out += fmt::format("{}{{resource=\"{}\"}} {}\n", name, escape_label(breaker.resource),
                         value(breaker));
    }
  };
  breaker_counter("setl_circuit_breaker_calls_total", "Calls let through.",
                  [](const BreakerStats& b) { return b.calls; });
  breaker_counter("setl_circuit_breaker_failures_total", "Calls let through that failed.",
                  [](const BreakerStats& b) { return b.failures; });
  breaker_counter("setl_circuit_breaker_rejected_total", "Calls refused while open.",
                  [](const BreakerStats& b) { return b.rejected; });
}

}  // namespace

void MetricsCollector::on_event(const JobEvent& event) {
  std::lock_guard lock(mutex_);
  const JobGroupInfo& group = event.group;
  if (event.kind == JobEventKind::kCancelRequested) {
    ++cancel_requests_;
    return;
  }
  if (event.kind == JobEventKind::kMemoryPaused) {
    ++memory_pauses_;
    return;
  }
  if (event.kind == JobEventKind::kMemoryResumed) {
    return;
  }
  if (event.kind == JobEventKind::kSkipped) {
    ++factories_skipped_;
    return;
  }
  if (event.kind == JobEventKind::kAttemptFailed) {
    ++attempts_failed_;
    return;
  }
  if (event.kind == JobEventKind::kStarted) {
    return;
  }
  ++finished_[{group.kind, std::string(to_string(group.state))}];
  if (group.kind == "factory") {
    std::string pipeline = group.path.substr(0, group.path.find('/'));
    FactoryTotals& totals =
        factories_[{pipeline, group.name, event.rank >= 0 ? std::to_string(event.rank) : ""}];
    ++totals.runs;
    totals.seconds += group.elapsed_seconds;
    totals.rows += group.rows;
    totals.bytes += group.bytes;
  }
}

std::string MetricsCollector::to_prometheus() const {
  std::string out;
  Header header = [&](const char* name, const char* type, const char* help) {
    out += fmt::format("# HELP {} {}\n# TYPE {} {}\n", name, help, name, type);
  };
  std::map<std::string, int64_t> active_by_kind;
  int64_t memory = 0;
  for (const JobGroupInfo& group : active_job_groups()) {
    ++active_by_kind[group.kind];
    if (group.parent_id.empty()) {
      memory += group.memory_bytes;
    }
  }
  header("setl_job_groups_active", "gauge", "Job groups running now, by kind.");
  for (const char* kind : {"pipeline", "stage", "factory", "user"}) {
    out += fmt::format("setl_job_groups_active{{kind=\"{}\"}} {}\n", kind, active_by_kind[kind]);
  }
  header("setl_job_groups_memory_bytes", "gauge",
         "Engine buffer bytes held by running root job groups.");
  out += fmt::format("setl_job_groups_memory_bytes {}\n", memory);
  JobTotals totals = job_totals();
  header("setl_job_groups_started_total", "counter", "Job groups started in this process.");
  out += fmt::format("setl_job_groups_started_total {}\n", totals.started);
  header("setl_job_groups_cancelled_total", "counter",
         "Job groups that ended cancelled in this process.");
  out += fmt::format("setl_job_groups_cancelled_total {}\n", totals.cancelled);

  std::lock_guard lock(mutex_);
  header("setl_job_group_cancel_requests_total", "counter",
         "Cancellation requests that reached a running group.");
  out += fmt::format("setl_job_group_cancel_requests_total {}\n", cancel_requests_);
  header("setl_memory_pauses_total", "counter",
         "Times a pipeline stopped starting factories because memory use crossed memory.pause.");
  out += fmt::format("setl_memory_pauses_total {}\n", memory_pauses_);
  header("setl_factories_skipped_total", "counter",
         "Factories skipped by a run-time condition or a skipped upstream.");
  out += fmt::format("setl_factories_skipped_total {}\n", factories_skipped_);
  header("setl_factory_attempts_failed_total", "counter",
         "Failed tries of a factory's read, process or write (each retried or final failure).");
  out += fmt::format("setl_factory_attempts_failed_total {}\n", attempts_failed_);
  append_resource_metrics(out, header);
  header("setl_job_groups_finished_total", "counter", "Job groups finished, by kind and outcome.");
  for (const auto& [key, count] : finished_) {
    out += fmt::format("setl_job_groups_finished_total{{kind=\"{}\",state=\"{}\"}} {}\n",
                       escape_label(key.first), key.second, count);
  }
  header("setl_factory_duration_seconds", "summary", "Factory run durations.");
  for (const auto& [key, totals_of] : factories_) {
    std::string labels = factory_labels(key);
    out += fmt::format("setl_factory_duration_seconds_sum{{{}}} {}\n", labels, totals_of.seconds);
    out += fmt::format("setl_factory_duration_seconds_count{{{}}} {}\n", labels, totals_of.runs);
  }
  header("setl_factory_rows_total", "counter", "Rows processed by factory runs.");
  for (const auto& [key, totals_of] : factories_) {
    out += fmt::format("setl_factory_rows_total{{{}}} {}\n", factory_labels(key), totals_of.rows);
  }
  header("setl_factory_bytes_total", "counter", "Bytes read or written by factory runs.");
  for (const auto& [key, totals_of] : factories_) {
    out += fmt::format("setl_factory_bytes_total{{{}}} {}\n", factory_labels(key), totals_of.bytes);
  }
  return out;
}

}  // namespace setl::monitor
