// Partitioned datasets: writes that once lost rows, escaped the root, or left readers
// with no dataset or half of one.
#include <algorithm>
#include <atomic>
#include <cmath>
#include <limits>
#include <set>
#include <thread>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "setl/core/error.h"
#include "setl/storage/csv_connector.h"
#include "setl/storage/partitioned_connector.h"
#include "testing/columns.h"
#include "testing/temp_dir.h"

namespace setl::storage {
namespace {

using testing::cells;
using ::testing::ElementsAre;
using ::testing::UnorderedElementsAre;

constexpr double kNan = std::numeric_limits<double>::quiet_NaN();

std::shared_ptr<PartitionedConnector> dataset(const std::filesystem::path& root,
                                              std::vector<std::string> keys = {"k"},
                                              PartitionFormat format = PartitionFormat::kCsv) {
  return make_connector<PartitionedConnector>(root, format, std::move(keys));
}

std::vector<std::string> files_below(const std::filesystem::path& root) {
  std::vector<std::string> names;
  for (const auto& entry : std::filesystem::recursive_directory_iterator(root)) {
    if (entry.is_regular_file()) {
      names.push_back(std::filesystem::relative(entry.path(), root).generic_string());
    }
  }
  return names;
}

// Finding: NaN partition values went nowhere (NaN = NaN is false), and NULL and the string
// "__HIVE_DEFAULT_PARTITION__" landed in one file, one overwriting the other.
TEST(PartitionedWrites, EveryRowLandsInExactlyOnePartition) {
  testing::TempDir dir;
  engine::Table floats =
      engine::Table::from_columns({{"k", testing::float64s({kNan, 1.5, kNan, std::nullopt, -0.0})},
                                   {"v", testing::int64s({1, 2, 3, 4, 5})}});
  auto by_float = dataset(dir.path() / "floats");
  by_float->write(floats, SaveMode::kOverwrite);
  engine::Table back = by_float->read().sort({engine::asc("v")});
  EXPECT_THAT(cells(back, "v"), ElementsAre("1", "2", "3", "4", "5"));
  EXPECT_TRUE(std::isnan(back.at(0, "k").as_double()));
  EXPECT_TRUE(back.at(3, "k").is_null());

  engine::Table texts = engine::Table::from_columns(
      {{"k", testing::strings({"__HIVE_DEFAULT_PARTITION__", std::nullopt, "", "x", "\xFF\xFE"})},
       {"v", testing::int64s({1, 2, 3, 4, 5})}});
  auto by_text = dataset(dir.path() / "texts");
  by_text->write(texts, SaveMode::kOverwrite);
  back = by_text->read().sort({engine::asc("v")});
  EXPECT_THAT(cells(back, "k"),
              ElementsAre("__HIVE_DEFAULT_PARTITION__", "null", "", "x", "\xFF\xFE"));
}

// Finding: a partition column name containing "../" wrote outside the dataset root.
TEST(PartitionedWrites, HostileColumnNamesStayInsideTheRoot) {
  testing::TempDir dir;
  engine::Table table = engine::Table::from_columns(
      {{"../../escape", testing::strings({"../x", "/etc"})}, {"v", testing::int64s({1, 2})}});
  auto connector = dataset(dir.path() / "root", {"../../escape"});
  connector->write(table, SaveMode::kOverwrite);
  for (const auto& entry : std::filesystem::recursive_directory_iterator(dir.path())) {
    std::filesystem::path relative = std::filesystem::relative(entry.path(), dir.path());
    EXPECT_EQ(*relative.begin(), "root") << entry.path();
  }
  engine::Table back = connector->read().sort({engine::asc("v")});
  EXPECT_THAT(cells(back, "../../escape"), ElementsAre("../x", "/etc"));
}

// A manifest that points outside the dataset is refused, not followed.
TEST(PartitionedWrites, AManifestListingPathsOutsideTheRootIsRefused) {
  testing::TempDir dir;
  dir.write("secret/k=1/part.csv", "v\n1\n");
  std::filesystem::create_directories(dir.path() / "root");
  dir.write(
      "root/_setl_manifest.json",
      R"({"format":"setl-partitioned-dataset","version":1,"files":["../secret/k=1/part.csv"]})");
  EXPECT_THROW(dataset(dir.path() / "root")->read(), ParseError);
}

// Finding: an overwrite renamed the old tree away and then the new one in: readers in
// between found no dataset. Readers running beside a stream of overwrites and appends
// always see one whole committed state.
TEST(PartitionedWrites, ReadersSeeOneWholeStateDuringWrites) {
  testing::TempDir dir;
  auto writer = dataset(dir.path() / "lake");
  auto table_of = [](int64_t rows, int64_t tag) {
    engine::ColumnBuilder keys(engine::DataType::int64());
    engine::ColumnBuilder tags(engine::DataType::int64());
    for (int64_t i = 0; i < rows; ++i) {
      keys.append_int(i % 4);
      tags.append_int(tag);
    }
    return engine::Table::from_columns({{"k", keys.finish()}, {"tag", tags.finish()}});
  };
  writer->write(table_of(40, 0), SaveMode::kOverwrite);
  std::atomic<bool> done{false};
  std::thread writes([&] {
    for (int64_t round = 1; round <= 30; ++round) {
      writer->write(table_of(40, round), SaveMode::kOverwrite);
    }
    done = true;
  });
  int64_t reads = 0;
  while (!done || reads < 5) {
    engine::Table seen = dataset(dir.path() / "lake")->read();
    ASSERT_EQ(seen.num_rows(), 40);  // never none, never two versions at once
    std::set<std::string> tags;
    for (const std::string& tag : cells(seen, "tag")) {
      tags.insert(tag);
    }
    ASSERT_EQ(tags.size(), 1u);
    ++reads;
  }
  writes.join();
}

// Finding: files of killed writers stayed forever. They are unlisted (invisible) and the
// next write removes them.
TEST(PartitionedWrites, TheNextWriteRemovesWhatAKilledWriterLeft) {
  testing::TempDir dir;
  auto connector = dataset(dir.path() / "lake");
  engine::Table table =
      engine::Table::from_columns({{"k", testing::int64s({1, 2})}, {"v", testing::int64s({1, 2})}});
  connector->write(table, SaveMode::kOverwrite);
  // What a writer killed mid-append leaves: a part file of its own and a temporary.
  dir.write("lake/k=1/part-deadbeef-0.csv", "v\n99\n");
  dir.write("lake/k=3/.part-deadbeef-1.csv.tmp-123", "v\n");
  EXPECT_EQ(connector->read().num_rows(), 2);  // invisible to readers
  connector->write(table, SaveMode::kAppend);
  EXPECT_EQ(connector->read().num_rows(), 4);
  std::vector<std::string> files = files_below(dir.path() / "lake");
  EXPECT_EQ(
      std::count_if(files.begin(), files.end(),
                    [](const std::string& f) { return f.find("deadbeef") != std::string::npos; }),
      0);
  EXPECT_FALSE(std::filesystem::exists(dir.path() / "lake" / "k=3"));
}

// Datasets written before manifests (or by other tools) keep their files on append.
TEST(PartitionedWrites, ADatasetWithoutAManifestKeepsItsRowsOnAppend) {
  testing::TempDir dir;
  dir.write("legacy/k=1/part-0.csv", "v\n1\n");
  dir.write("legacy/k=2/part-0.csv", "v\n2\n");
  auto connector = dataset(dir.path() / "legacy");
  EXPECT_EQ(connector->read().num_rows(), 2);
  engine::Table more =
      engine::Table::from_columns({{"k", testing::int64s({1})}, {"v", testing::int64s({3})}});
  connector->write(more, SaveMode::kAppend);
  EXPECT_THAT(cells(connector->read().sort({engine::asc("v")}), "v"), ElementsAre("1", "2", "3"));
}

}  // namespace
}  // namespace setl::storage
