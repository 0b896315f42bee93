#include "setl/workflow/benchmark.h"

#include <sstream>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace setl::workflow {
namespace {

using ::testing::HasSubstr;
using namespace std::chrono_literals;

TEST(BenchmarkReport, PrintsAnAlignedTable) {
  BenchmarkReport report;
  report.factories.push_back({0, "OrdersFactory", 1ms, 2500us, 0ns, 3500us, false});
  report.factories.push_back({1, "RevenueFactory", 0ns, 1ms, 2ms, 3ms, true, 80 << 20,
                              int64_t{3} << 30, 1'500'000, 64 << 20, 5ms});
  report.stages.push_back({0, "stage-0", false, 4ms});
  report.stages.push_back({1, "stage-1", true, 3ms});
  report.total = 7ms;
  std::string table = report.to_string();
  std::istringstream lines(table);
  std::string header;
  std::getline(lines, header);
  EXPECT_EQ(header,
            "stage   factory                   read ms   process ms     write ms     total ms"
            "       cpu ms    peak mem     spilled        rows       bytes");
  EXPECT_THAT(table, HasSubstr("0       OrdersFactory               1.000        2.500            -"
                               "        3.500        0.000           -           -           -"
                               "           -\n"));
  EXPECT_THAT(table,
              HasSubstr("3.000        5.000    80.0 MiB     3.0 GiB     1500000    64.0 MiB\n"));
  EXPECT_THAT(table, HasSubstr("= stage-1 (parallel)"));
  EXPECT_THAT(table, HasSubstr("pipeline total"));
  EXPECT_THAT(table, ::testing::ContainsRegex("pipeline total +7.000"));
  // Every row has the same width.
  std::string line;
  std::istringstream all(table);
  while (std::getline(all, line)) {
    EXPECT_EQ(line.size(), header.size()) << line;
  }
}

TEST(BenchmarkReport, EndsWithTheCriticalPath) {
  BenchmarkReport report;
  report.factories.push_back({kUnstaged, "OrdersFactory", 0ns, 2ms, 0ns, 2ms, false});
  report.factories.push_back({kUnstaged, "RevenueFactory", 0ns, 1ms, 0ns, 1ms, false});
  report.total = 3ms;
  EXPECT_THAT(report.to_string(), ::testing::Not(HasSubstr("critical path")));
  report.critical_path = {"OrdersFactory", "RevenueFactory"};
  report.critical_path_time = 3ms;
  EXPECT_THAT(report.to_string(),
              ::testing::EndsWith("critical path 3.000 ms: OrdersFactory -> RevenueFactory\n"));
}

TEST(BenchmarkReport, EndsWithTheRunsMemoryAndItsLeaks) {
  BenchmarkReport report;
  report.factories.push_back({kUnstaged, "OrdersFactory", 0ns, 2ms, 0ns, 2ms, false});
  report.total = 2ms;
  report.memory = {.limit = 1 << 30,
                   .peak_reserved = 512 << 20,
                   .peak_tracked = 600 << 20,
                   .tracked_end = 100 << 20,
                   .resident_end = 300 << 20,
                   .peak_resident = 900 << 20,
                   .peak_mapped = int64_t{2} << 30,
                   .file_resident_end = 20 << 20,
                   .unmanaged_end = 200 << 20,
                   .trimmed = 50 << 20,
                   .pauses = 2,
                   .leaked = {{"Sort (OrdersFactory)", 1 << 20}}};
  EXPECT_THAT(report.to_string(),
              ::testing::EndsWith(
                  "memory: limit 1.0 GiB, peak reserved 512.0 MiB, peak tracked 600.0 MiB, "
                  "peak RSS 900.0 MiB, peak mapped files 2.0 GiB, at end: RSS 300.0 MiB (files "
                  "20.0 MiB, untracked 200.0 MiB), trimmed 50.0 MiB, paused 2 time(s)\n"
                  "memory leak: Sort (OrdersFactory) still holds 1.0 MiB\n"));
}

}  // namespace
}  // namespace setl::workflow
