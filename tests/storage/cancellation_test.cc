// A cancelled write leaves its target as it was (job groups, JG-7), for every file format.
#include <future>
#include <thread>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "setl/core/error.h"
#include "setl/core/job_group.h"
#include "setl/engine/builder.h"
#include "setl/storage/csv_connector.h"
#include "setl/storage/json_lines_connector.h"
#include "setl/storage/parquet_connector.h"
#include "setl/storage/partitioned_connector.h"
#include "testing/columns.h"
#include "testing/temp_dir.h"

namespace setl::storage {
namespace {

using engine::Table;
using testing::cells;

// Entries below `dir`, except the lock files writers meet at (they stay by design).
size_t entries(const std::filesystem::path& dir) {
  size_t count = 0;
  for (const auto& entry : std::filesystem::recursive_directory_iterator(dir)) {
    std::string name = entry.path().filename().string();
    count += name.ends_with(".lock") ? 0 : 1;
  }
  return count;
}

TEST(CancelledWrites, LeaveEveryKindOfTargetUnchanged) {
  testing::TempDir dir;
  Table old_rows =
      Table::from_columns({{"k", testing::int64s({1, 2})}, {"day", testing::int64s({10, 20})}});
  Table new_rows = Table::from_columns(
      {{"k", testing::int64s({7, 8, 9})}, {"day", testing::int64s({10, 30, 30})}});
  std::vector<std::shared_ptr<Connector>> targets = {
      make_connector<CsvConnector>(dir.path() / "t.csv"),
      make_connector<CsvConnector>(dir.path() / "t.csv.gz"),
      make_connector<JsonLinesConnector>(dir.path() / "t.jsonl"),
      make_connector<ParquetConnector>(dir.path() / "t.parquet"),
      make_connector<PartitionedConnector>(dir.path() / "lake", PartitionFormat::kParquet,
                                           std::vector<std::string>{"day"}),
  };
  for (const auto& target : targets) {
    target->write(old_rows, SaveMode::kOverwrite);
  }
  size_t files_before = entries(dir.path());
  for (const auto& target : targets) {
    for (SaveMode mode : {SaveMode::kOverwrite, SaveMode::kAppend}) {
      JobGroup group("doomed-write");
      cancel_job_group(group.id(), "stop writing");
      EXPECT_THROW(target->write(new_rows, mode), CancelledError) << target->describe();
    }
    std::vector<std::string> keys = cells(target->read().sort({engine::asc("k")}), "k");
    EXPECT_EQ(keys, (std::vector<std::string>{"1", "2"})) << target->describe();
  }
  EXPECT_EQ(entries(dir.path()), files_before);  // no temporary files left behind
}

// The rows a running group has reported so far (-1 once it has finished).
int64_t rows_reported(const std::string& id) {
  for (const JobGroupInfo& info : active_job_groups()) {
    if (info.id == id) {
      return info.rows;
    }
  }
  return -1;
}

TEST(CancelledWrites, AWriteCancelledMidwayLeavesTheOldOrTheWholeNewFile) {
  testing::TempDir dir;
  engine::ColumnBuilder values(engine::DataType::int64());
  for (int64_t r = 0; r < 2'000'000; ++r) {
    values.append_int(r);
  }
  // Many batches, so that cancellation is checked at many points of the write.
  Table big = Table::from_columns({{"v", values.finish()}}).rechunk(50'000);
  Table small = Table::from_columns({{"v", testing::int64s({42})}});
  auto target = make_connector<CsvConnector>(dir.path() / "big.csv");
  // Cancel once the write has reported this many rows: at once, a quarter, three
  // quarters in, and (past the end) never while it runs.
  for (int64_t cancel_at : {int64_t{0}, int64_t{500'000}, int64_t{1'500'000}, int64_t{3'000'000}}) {
    target->write(small, SaveMode::kOverwrite);
    std::promise<std::string> group_id;
    std::future<std::string> id_ready = group_id.get_future();
    std::promise<void> go;
    std::shared_future<void> started = go.get_future().share();
    bool cancelled = false;
    std::thread writer([&] {
      JobGroup group("big-write");
      group_id.set_value(group.id());
      started.wait();
      try {
        target->write(big, SaveMode::kOverwrite);
      } catch (const CancelledError&) {
        cancelled = true;
      }
    });
    std::string id = id_ready.get();
    if (cancel_at == 0) {
      cancel_job_group(id);  // before the write starts
    }
    go.set_value();
    int64_t rows = 0;
    while (cancel_at > 0 && (rows = rows_reported(id)) >= 0 && rows < cancel_at) {
      std::this_thread::yield();
    }
    if (cancel_at > 0 && rows >= 0) {
      cancel_job_group(id);  // may land after the last check: then the write completes
    }
    writer.join();
    int64_t kept = target->read().num_rows();
    EXPECT_EQ(kept, cancelled ? 1 : 2'000'000) << "cancel at " << cancel_at;
    if (cancel_at == 0) {
      EXPECT_TRUE(cancelled);  // cancelled before its first batch was written
    }
    if (cancel_at > 2'000'000) {
      EXPECT_FALSE(cancelled);
    }
  }
  EXPECT_EQ(entries(dir.path()), 1u);
}

}  // namespace
}  // namespace setl::storage
