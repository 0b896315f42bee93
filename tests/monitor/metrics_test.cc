#include "setl/monitor/metrics.h"

#include <regex>
#include <set>
#include <sstream>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "setl/core/circuit_breaker.h"
#include "setl/core/connection_pool.h"
#include "setl/core/error.h"

namespace setl::monitor {
namespace {

using ::testing::HasSubstr;

// Checks the Prometheus text exposition format: every sample belongs to a family declared
// by HELP and TYPE lines before it, names and labels are well formed, values are numbers.
void expect_valid_exposition(const std::string& text) {
  static const std::regex sample(
      R"(^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{([a-zA-Z_][a-zA-Z0-9_]*="([^"\\\n]|\\[\\"n])*",?)*\})? )"
      R"((-?[0-9]+(\.[0-9]+)?([eE][-+]?[0-9]+)?|NaN|[+-]Inf)$)");
  static const std::regex type(R"(^# TYPE ([a-zA-Z_:][a-zA-Z0-9_:]*) (counter|gauge|summary)$)");
  std::set<std::string> declared;
  std::istringstream lines(text);
  for (std::string line; std::getline(lines, line);) {
    std::smatch match;
    if (line.rfind("# HELP ", 0) == 0) {
      continue;
    }
    if (std::regex_match(line, match, type)) {
      declared.insert(match[1]);
      continue;
    }
    ASSERT_TRUE(std::regex_match(line, match, sample)) << "bad line: " << line;
    std::string name = match[1];
    std::string family = std::regex_replace(name, std::regex("_(sum|count)$"), "");
    EXPECT_TRUE(declared.count(name) || declared.count(family)) << "undeclared: " << name;
  }
}

TEST(Metrics, JG9_CountsFactoryRunsRowsAndCancellations) {
  auto collector = std::make_shared<MetricsCollector>();
  add_job_event_sink(collector);
  {
    JobGroup run("metrics-run", "", {}, "pipeline");
    for (int i = 0; i < 2; ++i) {
      JobGroup factory("Load \"raw\"", "", {}, "factory");
      report_progress(500, 4096);
    }
    try {
      JobGroup factory("Stuck", "", {}, "factory");
      cancel_job_group(factory.id(), "test");
      current_cancellation().check();
    } catch (const CancelledError&) {
    }
  }
  remove_job_event_sink(collector);
  std::string text = collector->to_prometheus();
  expect_valid_exposition(text);
  EXPECT_THAT(text,
              HasSubstr("setl_factory_duration_seconds_count{pipeline=\"metrics-run\",factory="
                        "\"Load \\\"raw\\\"\"} 2\n"));
  EXPECT_THAT(text, HasSubstr("setl_factory_rows_total{pipeline=\"metrics-run\",factory=\"Load "
                              "\\\"raw\\\"\"} 1000\n"));
  EXPECT_THAT(text, HasSubstr("setl_job_groups_finished_total{kind=\"factory\",state="
                              "\"cancelled\"} 1\n"));
  EXPECT_THAT(text, HasSubstr("setl_job_group_cancel_requests_total 1\n"));
  EXPECT_THAT(text, HasSubstr("# TYPE setl_job_groups_active gauge\n"));
}

TEST(Metrics, CountsMemoryPauses) {
  auto collector = std::make_shared<MetricsCollector>();
  add_job_event_sink(collector);
  {
    JobGroup run("memory-run", "", {}, "pipeline");
    run.report(JobEventKind::kMemoryPaused, "9.0 MiB reserved, above memory.pause (8.0 MiB)");
    run.report(JobEventKind::kMemoryResumed, "1.0 MiB reserved");
  }
  remove_job_event_sink(collector);
  std::string text = collector->to_prometheus();
  expect_valid_exposition(text);
  EXPECT_THAT(text, HasSubstr("# TYPE setl_memory_pauses_total counter\n"));
  EXPECT_THAT(text, HasSubstr("setl_memory_pauses_total 1\n"));
}

TEST(Metrics, CountsSkippedFactories) {
  auto collector = std::make_shared<MetricsCollector>();
  add_job_event_sink(collector);
  {
    JobGroup run("conditional-run", "", {}, "pipeline");
    run.report(JobEventKind::kSkipped, "factory 'Load' skipped: condition `rows > 0` was false");
    run.report(JobEventKind::kSkipped, "factory 'Notify' skipped: upstream 'Load' skipped");
  }
  remove_job_event_sink(collector);
  std::string text = collector->to_prometheus();
  expect_valid_exposition(text);
  EXPECT_THAT(text, HasSubstr("# TYPE setl_factories_skipped_total counter\n"));
  EXPECT_THAT(text, HasSubstr("setl_factories_skipped_total 2\n"));
}

TEST(Metrics, ExportsConnectionPoolsAndCircuitBreakers) {
  struct Connection {};
  auto pool = PoolRegistry::global().get<Connection>(
      "test:metrics \"db\"", {.open = [] { return std::make_unique<Connection>(); }});
  { auto lease = pool->acquire(); }
  auto held = pool->acquire();
  auto breaker = BreakerRegistry::global().get("test:metrics-breaker");
  for (int i = 0; i < 5; ++i) {
    EXPECT_THROW(breaker->run([]() -> int { throw TransientError("down"); }), TransientError);
  }
  EXPECT_THROW(breaker->acquire(), CircuitOpenError);
  std::string text = MetricsCollector().to_prometheus();
  expect_valid_exposition(text);
  EXPECT_THAT(
      text,
      HasSubstr(
          "setl_pool_connections{endpoint=\"test:metrics \\\"db\\\"\",state=\"in_use\"} 1\n"));
  EXPECT_THAT(text, HasSubstr("setl_pool_checkouts_reused_total{endpoint=\"test:metrics "
                              "\\\"db\\\"\"} 1\n"));
  EXPECT_THAT(text, HasSubstr("setl_circuit_breaker_state{resource=\"test:metrics-breaker\","
                              "state=\"open\"} 1\n"));
  EXPECT_THAT(
      text,
      HasSubstr("setl_circuit_breaker_rejected_total{resource=\"test:metrics-breaker\"} 1\n"));
}

TEST(Metrics, EscapesLabelValues) {
  EXPECT_EQ(escape_label("a\\b\"c\nd"), "a\\\\b\\\"c\\nd");
}

}  // namespace
}  // namespace setl::monitor
