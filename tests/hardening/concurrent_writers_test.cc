// Several processes writing one target, and cache maintenance beside cache writers.
#include <algorithm>
#include <set>

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

// Finding: two processes appending to one CSV or Parquet file lost one append, both
// reporting success. Now every append of every process lands exactly once.
class ConcurrentAppends : public ::testing::TestWithParam<std::string> {};

TEST_P(ConcurrentAppends, EveryAppendOfEveryProcessLands) {
  testing::TempDir dir;
  std::string kind = GetParam();
  std::filesystem::path path = testing::target_path(dir.path(), kind);
  constexpr int kProcesses = 3;
  constexpr int kRounds = 8;
  constexpr int kRows = 50;
  {
    std::vector<std::unique_ptr<testing::Child>> writers;
    for (int tag = 0; tag < kProcesses; ++tag) {
      writers.push_back(std::make_unique<testing::Child>(std::vector<std::string>{
          SETL_TEST_WRITER, kind, path.string(), "append", std::to_string(kRounds),
          std::to_string(kRows), std::to_string(tag)}));
    }
    for (auto& writer : writers) {
      EXPECT_EQ(writer->wait(), 0);
    }
  }
  engine::Table table = testing::reader(kind, path)->read();
  EXPECT_EQ(table.num_rows(), kProcesses * kRounds * kRows);
  std::set<std::string> distinct;
  std::vector<std::string> tags = testing::cells(table, "tag");
  std::vector<std::string> seqs = testing::cells(table, "seq");
  for (size_t i = 0; i < tags.size(); ++i) {
    distinct.insert(tags[i] + "/" + seqs[i]);
  }
  EXPECT_EQ(distinct.size(), static_cast<size_t>(kProcesses * kRounds * kRows));  // no duplicate
  EXPECT_THAT(testing::leftovers(path), ::testing::IsEmpty());
}

INSTANTIATE_TEST_SUITE_P(Kinds, ConcurrentAppends,
                         ::testing::Values("csv", "csv.gz", "jsonl", "parquet", "arrow",
                                           "partitioned-csv", "partitioned-parquet",
                                           "partitioned-arrow"),
                         [](const auto& info) {
                           std::string name = info.param;
                           std::replace(name.begin(), name.end(), '-', '_');
                           std::replace(name.begin(), name.end(), '.', '_');
                           return name;
                         });

// The lock file of a first append lives in a folder the write itself creates.
TEST(FirstAppends, CreateTheirFolder) {
  testing::TempDir dir;
  for (const std::string kind : {"csv", "jsonl", "parquet"}) {
    std::filesystem::path path = dir.path() / ("new-" + kind) / "sub" / ("t." + kind);
    testing::Child writer({SETL_TEST_WRITER, kind, path.string(), "append", "2", "5", "0"});
    EXPECT_EQ(writer.wait(), 0) << kind;
    EXPECT_EQ(testing::reader(kind, path)->read().num_rows(), 10) << kind;
  }
}

// Finding: `setl cache gc` deleted another process's in-flight temporary, failing its run.
// gc and clear beside storing processes never break a store.
TEST(ConcurrentCache, GcAndClearBesideWritersNeverBreakAStore) {
  testing::TempDir dir;
  std::filesystem::path cache_dir = dir.path() / "cache";
  { workflow::DiskCache create(cache_dir); }
  std::vector<std::unique_ptr<testing::Child>> writers;
  for (int tag = 0; tag < 2; ++tag) {
    writers.push_back(std::make_unique<testing::Child>(
        std::vector<std::string>{SETL_TEST_WRITER, "cache", cache_dir.string(), "overwrite", "40",
                                 "200000", std::to_string(tag)}));
  }
  workflow::DiskCache maintenance(cache_dir);
  for (int i = 0; i < 40; ++i) {
    maintenance.gc();
    if (i % 10 == 9) {
      maintenance.clear();
    }
  }
  for (auto& writer : writers) {
    EXPECT_EQ(writer->wait(), 0);  // every store of both writers succeeded
  }
  maintenance.add_builtin_codecs();
  for (const workflow::DiskCacheEntryInfo& entry : maintenance.list()) {
    EXPECT_NE(maintenance.load(entry.key, workflow::type_info_of<std::string>()), nullptr);
  }
  EXPECT_THAT(testing::leftovers(cache_dir / "entries"), ::testing::IsEmpty());
}

}  // namespace
}  // namespace setl
