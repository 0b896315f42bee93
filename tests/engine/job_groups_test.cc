// Job groups seen from the engine: its tasks run in the caller's group, report progress and
// memory to it, and stop between morsels when it is cancelled.
#include <atomic>
#include <chrono>
#include <thread>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "setl/core/error.h"
#include "setl/core/job_group.h"
#include "setl/engine/builder.h"
#include "setl/engine/execution.h"
#include "setl/engine/table.h"

namespace setl::engine {
namespace {

using namespace fn;  // the expression functions: sum, count, year, ...

using ::testing::HasSubstr;

Table big_table(int64_t rows) {
  ColumnBuilder key(DataType::int64()), value(DataType::float64());
  for (int64_t r = 0; r < rows; ++r) {
    key.append_int(r % 100'003);
    value.append_double(static_cast<double>(r));
  }
  // Batches of 65,536 rows, as a scan makes them: cancellation is checked between batches.
  Table whole = Table::from_columns({{"key", key.finish()}, {"value", value.finish()}});
  RecordBatch all = whole.combine();
  std::vector<RecordBatch> batches;
  for (int64_t offset = 0; offset < rows; offset += 65'536) {
    batches.push_back(all.slice(offset, std::min<int64_t>(65'536, rows - offset)));
  }
  return Table(whole.schema(), std::move(batches));
}

TEST(EngineJobGroups, JG4_TasksRunInTheCallersGroupAndPoolThreadsEndWithNone) {
  std::vector<std::string> inside(256);
  {
    JobGroup group("engine-fan-out");
    parallel_for(inside.size(), [&](size_t i) {
      std::optional<JobGroupInfo> info = current_job_group();
      inside[i] = info ? info->path : "none";
    });
  }
  for (const std::string& path : inside) {
    EXPECT_EQ(path, "engine-fan-out");
  }
  std::vector<std::string> after(256);
  parallel_for(after.size(), [&](size_t i) { after[i] = current_job_group() ? "leaked" : "none"; });
  for (const std::string& value : after) {
    EXPECT_EQ(value, "none");
  }
  EXPECT_FALSE(current_job_group());
}

TEST(EngineJobGroups, JG9_OperatorsReportRowsAndBuffersAreChargedToTheGroup) {
  Table table = big_table(300'000);
  JobGroup group("aggregate");
  int64_t memory_before = group.info().memory_bytes;
  Table result = table.group_by({"key"}).agg({sum(col("value")).alias("total")});
  EXPECT_EQ(result.num_rows(), 100'003);
  JobGroupInfo info = group.info();
  EXPECT_GE(info.rows, 300'000);
  EXPECT_GT(info.memory_bytes, memory_before);  // the result's buffers are alive
  result = Table();
  EXPECT_LT(group.info().memory_bytes, info.memory_bytes);
}

// The bound is 100 ms; a shared CI box gets a generous one, and the measured
// latency is printed.
// Rows a group (running or finished) has reported.
int64_t rows_of(const std::string& id) {
  for (const auto& groups : {active_job_groups(), finished_job_groups()}) {
    for (const JobGroupInfo& info : groups) {
      if (info.id == id) {
        return info.rows;
      }
    }
  }
  return -1;
}

// "Quickly" is measured in work, not time (time belongs to benchmarks): once cancelled,
// the aggregation only finishes the batches its workers are in, far from another round.
TEST(EngineJobGroups, JG7_CancellingAGroupStopsALongAggregationQuickly) {
  Table table = big_table(2'000'000);
  std::atomic<bool> started{false};
  std::string group_id;
  std::mutex id_mutex;
  std::chrono::steady_clock::time_point stopped_at;
  std::string error;
  int64_t rounds = 0;
  std::thread worker([&] {
    try {
      JobGroup group("long-aggregation", "", {"heavy"});
      {
        std::lock_guard lock(id_mutex);
        group_id = group.id();
      }
      started = true;
      while (true) {  // keeps aggregating until cancelled
        static_cast<void>(table.group_by({"key"}).agg({sum(col("value")), count_all()}));
        ++rounds;
      }
    } catch (const CancelledError& cancelled) {
      stopped_at = std::chrono::steady_clock::now();
      error = cancelled.what();
    }
  });
  // Cancel in the middle of the work: after the aggregation has run a few times.
  while (rounds < 3) {
    std::this_thread::yield();
  }
  auto requested_at = std::chrono::steady_clock::now();
  std::string id;
  {
    std::lock_guard lock(id_mutex);
    id = group_id;
  }
  int64_t rows_before = rows_of(id);
  CancelResult result = cancel_job_group(id, "too slow");
  worker.join();
  int64_t rows_after = rows_of(id);
  auto latency =
      std::chrono::duration_cast<std::chrono::milliseconds>(stopped_at - requested_at).count();
  std::cout << "cancellation latency: " << latency << " ms, " << rows_after - rows_before
            << " rows after the request (after " << rounds << " rounds)\n";
  EXPECT_TRUE(result.found);
  EXPECT_THAT(error, HasSubstr("too slow"));
  // Cancellation is checked before every batch: at most the batches in flight (one per
  // worker, 65,536 rows each, plus any started while the request was on its way) finish.
  EXPECT_LE(rows_after - rows_before, table.num_rows() / 2);
}

}  // namespace
}  // namespace setl::engine
