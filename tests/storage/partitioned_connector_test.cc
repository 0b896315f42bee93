#include "setl/storage/partitioned_connector.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "setl/core/error.h"
#include "setl/storage/csv_connector.h"
#include "testing/columns.h"
#include "testing/table_matchers.h"
#include "testing/temp_dir.h"

namespace setl::storage {
namespace {

using engine::Table;
using testing::cells;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using testing::message_of;

Table sales() {
  return Table::from_columns({
      {"id", testing::int64s({1, 2, 3, 4, 5})},
      {"year", testing::int64s({2023, 2024, 2024, 2023, std::nullopt})},
      {"city", testing::strings({"NYC", "LA", "NYC", "a/b=c%", "LA"})},
      {"amount", testing::float64s({1.5, 2.5, 3.5, 4.5, 5.5})},
  });
}

class PartitionedConnectorTest : public ::testing::TestWithParam<PartitionFormat> {};

TEST_P(PartitionedConnectorTest, WritesHiveDirectoriesAndReadsPartitionColumnsBack) {
  testing::TempDir dir;
  auto connector = make_connector<PartitionedConnector>(dir.path() / "sales", GetParam(),
                                                        std::vector<std::string>{"year", "city"});
  connector->write(sales(), SaveMode::kOverwrite);
  std::string extension = GetParam() == PartitionFormat::kCsv         ? ".csv"
                          : GetParam() == PartitionFormat::kJsonLines ? ".jsonl"
                          : GetParam() == PartitionFormat::kParquet   ? ".parquet"
                                                                      : ".arrow";
  // One part file per partition, named for the write that made it.
  std::vector<std::string> parts;
  for (const auto& entry :
       std::filesystem::directory_iterator(dir.path() / "sales" / "year=2024" / "city=NYC")) {
    parts.push_back(entry.path().filename().string());
  }
  ASSERT_EQ(parts.size(), 1u);
  EXPECT_TRUE(parts[0].starts_with("part-") && parts[0].ends_with(extension)) << parts[0];
  EXPECT_TRUE(std::filesystem::exists(dir.path() / "sales" / "_setl_manifest.json"));
  EXPECT_TRUE(std::filesystem::exists(dir.path() / "sales" / "year=2023" / "city=a%2Fb%3Dc%25"));
  EXPECT_TRUE(std::filesystem::exists(dir.path() / "sales" / "year=__HIVE_DEFAULT_PARTITION__"));
  EXPECT_EQ(connector->schema()->to_string(),
            "id: int64, amount: float64, year: int64, city: string");
  Table back = connector->read().sort({engine::asc("id")});
  EXPECT_THAT(cells(back, "year"), ElementsAre("2023", "2024", "2024", "2023", "null"));
  EXPECT_THAT(cells(back, "city"), ElementsAre("NYC", "LA", "NYC", "a/b=c%", "LA"));
  EXPECT_THAT(cells(back, "amount"), ElementsAre("1.5", "2.5", "3.5", "4.5", "5.5"));
}

TEST_P(PartitionedConnectorTest, PrunesPartitionsFromPushedDownFilters) {
  testing::TempDir dir;
  auto connector = make_connector<PartitionedConnector>(dir.path() / "sales", GetParam(),
                                                        std::vector<std::string>{"year", "city"});
  connector->write(sales(), SaveMode::kOverwrite);
  Table result = connector->lazy().filter("year = 2024 and amount > 3").select({"id"}).collect();
  EXPECT_THAT(cells(result, "id"), ElementsAre("3"));
  engine::ScanStats stats = connector->scan({{"id"}, engine::parse_expr("year = 2024")}).stats;
  EXPECT_EQ(stats.units_read, 2);  // year=2024 has two cities
  EXPECT_GT(stats.units_total, stats.units_read);
  EXPECT_EQ(connector->scan({{"id"}, engine::parse_expr("year is null")}).stats.units_read, 1);
}

TEST_P(PartitionedConnectorTest, StreamsPartitionByPartitionLikeTheWholeScan) {
  testing::TempDir dir;
  auto connector = make_connector<PartitionedConnector>(dir.path() / "sales", GetParam(),
                                                        std::vector<std::string>{"year", "city"});
  connector->write(sales(), SaveMode::kOverwrite);
  for (const engine::ScanRequest& request :
       {engine::ScanRequest{},
        engine::ScanRequest{{"city", "id"}, engine::parse_expr("year = 2024")},
        engine::ScanRequest{{"year"}, std::nullopt}}) {
    Table whole = connector->scan(request).table;
    Table streamed = engine::collect_stream(*connector->scan_stream(request, 1));
    EXPECT_THAT(streamed, testing::SameTableAs(whole));
  }
}

TEST_P(PartitionedConnectorTest, SaveModes) {
  testing::TempDir dir;
  auto connector = make_connector<PartitionedConnector>(dir.path() / "sales", GetParam(),
                                                        std::vector<std::string>{"year"});
  connector->write(sales(), SaveMode::kErrorIfExists);
  EXPECT_THROW(connector->write(sales(), SaveMode::kErrorIfExists), IoError);
  connector->write(sales(), SaveMode::kIgnore);
  EXPECT_EQ(connector->read().num_rows(), 5);
  connector->write(sales(), SaveMode::kAppend);
  EXPECT_EQ(connector->read().num_rows(), 10);
  connector->write(sales().filter("year = 2023"), SaveMode::kOverwrite);
  EXPECT_EQ(connector->read().num_rows(), 2);
  EXPECT_FALSE(std::filesystem::exists(dir.path() / "sales" / "year=2024"));
}

INSTANTIATE_TEST_SUITE_P(Formats, PartitionedConnectorTest,
                         ::testing::Values(PartitionFormat::kCsv, PartitionFormat::kJsonLines,
                                           PartitionFormat::kParquet, PartitionFormat::kArrowIpc),
                         [](const auto& info) {
                           return info.param == PartitionFormat::kCsv         ? "Csv"
                                  : info.param == PartitionFormat::kJsonLines ? "JsonLines"
                                  : info.param == PartitionFormat::kParquet   ? "Parquet"
                                                                              : "ArrowIpc";
                         });

TEST(PartitionedConnector, ClearErrors) {
  testing::TempDir dir;
  auto missing = make_connector<PartitionedConnector>(dir.path() / "none", PartitionFormat::kCsv);
  EXPECT_THAT(message_of<IoError>([&] { return missing->read(); }), HasSubstr("does not exist"));
  EXPECT_THROW(missing->write(sales(), SaveMode::kOverwrite), ConfigError);
  dir.write("bad/notkeyvalue/part.csv", "a\n1\n");
  auto bad = make_connector<PartitionedConnector>(dir.path() / "bad", PartitionFormat::kCsv);
  EXPECT_THAT(message_of<IoError>([&] { return bad->read(); }), HasSubstr("'notkeyvalue'"));
  auto unknown = make_connector<PartitionedConnector>(dir.path() / "x", PartitionFormat::kCsv,
                                                      std::vector<std::string>{"region"});
  EXPECT_THAT(message_of<SchemaError>([&] { unknown->write(sales(), SaveMode::kOverwrite); }),
              HasSubstr("no column \"region\""));
  auto everything = make_connector<PartitionedConnector>(
      dir.path() / "y", PartitionFormat::kParquet,
      std::vector<std::string>{"id", "year", "city", "amount"});
  EXPECT_THAT(message_of<ConfigError>([&] { everything->write(sales(), SaveMode::kOverwrite); }),
              HasSubstr("partition_by names every column"));
}

}  // namespace
}  // namespace setl::storage

namespace setl::storage {
namespace {

TEST(ConnectorFingerprint, ChangesWhenTheDataChanges) {
  testing::TempDir dir;
  auto csv = make_connector<CsvConnector>(dir.path() / "t.csv");
  EXPECT_THAT(*csv->fingerprint(), HasSubstr("missing:"));
  csv->write(sales(), SaveMode::kOverwrite);
  std::string first = *csv->fingerprint();
  EXPECT_EQ(*csv->fingerprint(), first);
  std::string content = *csv->fingerprint(true);
  csv->write(sales().limit(2), SaveMode::kOverwrite);
  EXPECT_NE(*csv->fingerprint(), first);
  EXPECT_NE(*csv->fingerprint(true), content);

  auto lake = make_connector<PartitionedConnector>(dir.path() / "lake", PartitionFormat::kParquet,
                                                   std::vector<std::string>{"year"});
  lake->write(sales(), SaveMode::kOverwrite);
  std::string before = *lake->fingerprint(true);
  lake->write(sales(), SaveMode::kAppend);
  EXPECT_NE(*lake->fingerprint(true), before);
}

}  // namespace
}  // namespace setl::storage
