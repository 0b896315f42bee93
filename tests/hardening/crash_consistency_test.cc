// kill -9 at random moments during every write mode of every file connector, partitioned
// datasets and the disk cache: readers then see the old or the new data, never a mix, and
// the next write recovers and removes what the killed writer left.
//
// SETL_CRASH_REPETITIONS (default 6) sets the kills per case; run with 50 by hand.
#include <algorithm>
#include <chrono>
#include <map>
#include <random>
#include <thread>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "process.h"
#include "setl/workflow/deliverable.h"
#include "setl/workflow/disk_cache.h"
#include "targets.h"
#include "testing/columns.h"
#include "testing/temp_dir.h"

namespace setl {
namespace {

// A round of 5,000 rows takes 3-10 ms to write, so a kill within 2-42 ms lands in the
// middle of one of the first rounds, at a different phase each time.
constexpr int64_t kRows = 5000;

int repetitions() {
  const char* text = std::getenv("SETL_CRASH_REPETITIONS");
  return text != nullptr ? std::max(1, std::atoi(text)) : 6;
}

void run_writer(const std::string& kind, const std::filesystem::path& path, const char* mode,
                int rounds, int tag) {
  testing::Child writer({SETL_TEST_WRITER, kind, path.string(), mode, std::to_string(rounds),
                         std::to_string(kRows), std::to_string(tag)});
  ASSERT_EQ(writer.wait(), 0);
}

// Every round present holds all its rows: no half-written round is ever visible.
void expect_whole_rounds(const engine::Table& table, bool single_round) {
  std::map<std::string, int64_t> rows_per_round;  // by writer and round
  std::vector<std::string> tags = testing::cells(table, "tag");
  std::vector<std::string> rounds = testing::cells(table, "round");
  for (size_t i = 0; i < rounds.size(); ++i) {
    ++rows_per_round[tags[i] + "/" + rounds[i]];
  }
  ASSERT_FALSE(rows_per_round.empty());
  for (const auto& [round, rows] : rows_per_round) {
    EXPECT_EQ(rows, kRows) << "round " << round;
  }
  if (single_round) {
    EXPECT_EQ(rows_per_round.size(), 1u);
  }
}

class CrashConsistency : public ::testing::TestWithParam<std::tuple<std::string, std::string>> {};

TEST_P(CrashConsistency, AKilledWriterLeavesOldOrNewDataAndTheNextWriteCleansUp) {
  auto [kind, mode] = GetParam();
  bool append = mode == "append";
  std::mt19937 random(12345);
  for (int attempt = 0; attempt < repetitions(); ++attempt) {
    testing::TempDir dir;
    std::filesystem::path path = testing::target_path(dir.path(), kind);
    run_writer(kind, path, mode.c_str(), 1, 0);  // the committed old state
    {
      testing::Child writer(
          {SETL_TEST_WRITER, kind, path.string(), mode, "0", std::to_string(kRows), "1"});
      std::this_thread::sleep_for(std::chrono::milliseconds(2 + random() % 40));
      writer.kill_hard();
      writer.wait();
    }
    expect_whole_rounds(testing::reader(kind, path)->read(), !append);
    run_writer(kind, path, mode.c_str(), 1, 2);  // recovers
    expect_whole_rounds(testing::reader(kind, path)->read(), !append);
    EXPECT_THAT(testing::leftovers(path), ::testing::IsEmpty()) << kind << " " << mode;
  }
}

INSTANTIATE_TEST_SUITE_P(Targets, CrashConsistency,
                         ::testing::Combine(::testing::Values("csv", "csv.gz", "jsonl", "parquet",
                                                              "arrow", "partitioned-csv",
                                                              "partitioned-parquet",
                                                              "partitioned-arrow"),
                                            ::testing::Values("overwrite", "append")),
                         [](const auto& info) {
                           std::string name =
                               std::get<0>(info.param) + "_" + std::get<1>(info.param);
                           std::replace(name.begin(), name.end(), '-', '_');
                           std::replace(name.begin(), name.end(), '.', '_');
                           return name;
                         });

TEST(CrashConsistency, AKilledCacheWriterLeavesWholeEntriesAndGcCleansUp) {
  for (int attempt = 0; attempt < repetitions(); ++attempt) {
    testing::TempDir dir;
    std::filesystem::path cache_dir = dir.path() / "cache";
    {
      testing::Child writer(
          {SETL_TEST_WRITER, "cache", cache_dir.string(), "overwrite", "0", "3000000", "1"});
      std::this_thread::sleep_for(std::chrono::milliseconds(20 + 37 * attempt % 100));
      writer.kill_hard();
      writer.wait();
    }
    workflow::DiskCache cache(cache_dir);
    cache.add_builtin_codecs();
    cache.gc();
    for (const workflow::DiskCacheEntryInfo& entry : cache.list()) {
      auto value = cache.load(entry.key, workflow::type_info_of<std::string>());
      ASSERT_NE(value, nullptr);
      EXPECT_EQ(static_cast<const std::string*>(value.get())->size(), 3000000u);
    }
    EXPECT_THAT(testing::leftovers(cache_dir / "entries"), ::testing::IsEmpty());
  }
}

}  // namespace
}  // namespace setl
