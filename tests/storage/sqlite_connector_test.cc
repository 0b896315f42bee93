#include "setl/storage/sqlite_connector.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "setl/core/connection_pool.h"
#include "setl/core/error.h"
#include "testing/columns.h"
#include "testing/stream_reading.h"
#include "testing/temp_dir.h"

namespace setl::storage {
namespace {

using engine::Table;
using testing::cells;
using ::testing::ElementsAre;
using testing::expect_streams_in_small_batches;
using ::testing::HasSubstr;
using testing::message_of;
using testing::wide_rows;

Table sample() {
  engine::ColumnBuilder stamps(engine::DataType::timestamp());
  stamps.append_int(1'700'000'000'123'456);
  stamps.append_null();
  stamps.append_int(0);
  return Table::from_columns({
      {"id", testing::int64s({1, 2, 3})},
      {"small", testing::int32s({std::nullopt, 5, -7})},
      {"price", testing::float64s({1.5, std::nullopt, -0.25})},
      {"name", testing::strings({"ünï", "", std::nullopt})},
      {"ok", testing::bools({true, std::nullopt, false})},
      {"day", testing::dates({"2024-02-29", std::nullopt, "1970-01-01"})},
      {"at", stamps.finish()},
      {"amount",
       testing::decimals(engine::DataType::decimal(12, 2), {"19.99", std::nullopt, "-0.05"})},
      {"big", testing::decimals(engine::DataType::decimal(30, 4),
                                {"12345678901234567890123456.7891", "-0.0001", std::nullopt})},
  });
}

TEST(SqliteConnector, StreamsATableLargerThanABatchPieceByPiece) {
  testing::TempDir dir;
  auto connector = make_connector<SqliteConnector>(dir.path() / "big.db", "rows");
  connector->write(wide_rows(200'000), SaveMode::kOverwrite);
  expect_streams_in_small_batches(*connector, 200'000);
  EXPECT_EQ(connector->read().num_rows(), 200'000);
}

TEST(SqliteConnector, RoundTripsEveryTypeWithNulls) {
  testing::TempDir dir;
  auto connector = make_connector<SqliteConnector>(dir.path() / "w.db", "sales");
  EXPECT_FALSE(connector->exists());
  connector->write(sample(), SaveMode::kOverwrite);
  EXPECT_TRUE(connector->exists());
  Table back = connector->read();
  EXPECT_EQ(back.schema()->to_string(),
            "id: int64, small: int64, price: float64, name: string, ok: bool, day: date32, "
            "at: timestamp[us], amount: decimal(12,2), big: decimal(30,4)");
  EXPECT_THAT(cells(back, "amount"), ElementsAre("19.99", "null", "-0.05"));
  EXPECT_THAT(cells(back, "big"),
              ElementsAre("12345678901234567890123456.7891", "-0.0001", "null"));
  EXPECT_THAT(cells(back, "small"), ElementsAre("null", "5", "-7"));
  EXPECT_THAT(cells(back, "name"), ElementsAre("ünï", "", "null"));
  EXPECT_THAT(cells(back, "ok"), ElementsAre("true", "null", "false"));
  EXPECT_THAT(cells(back, "day"), ElementsAre("2024-02-29", "null", "1970-01-01"));
  EXPECT_THAT(cells(back, "at"),
              ElementsAre("2023-11-14 22:13:20.123456", "null", "1970-01-01 00:00:00"));
}

TEST(SqliteConnector, SaveModes) {
  testing::TempDir dir;
  auto connector = make_connector<SqliteConnector>(dir.path() / "w.db", "t");
  Table one = Table::from_columns({{"v", testing::int64s({1})}});
  Table two = Table::from_columns({{"v", testing::int64s({2, 3})}});
  connector->write(one, SaveMode::kErrorIfExists);
  EXPECT_THAT(message_of<IoError>([&] { connector->write(two, SaveMode::kErrorIfExists); }),
              HasSubstr("already exists"));
  connector->write(two, SaveMode::kIgnore);
  EXPECT_EQ(connector->read().num_rows(), 1);
  connector->write(two, SaveMode::kAppend);
  EXPECT_THAT(cells(connector->read(), "v"), ElementsAre("1", "2", "3"));
  connector->write(two, SaveMode::kOverwrite);
  EXPECT_THAT(cells(connector->read(), "v"), ElementsAre("2", "3"));
  EXPECT_EQ(parse_save_mode("ErrorIfExists"), SaveMode::kErrorIfExists);
  EXPECT_THROW(parse_save_mode("upsert"), ConfigError);
}

TEST(SqliteConnector, FailedWriteLeavesThePreviousTable) {
  testing::TempDir dir;
  auto connector = make_connector<SqliteConnector>(dir.path() / "w.db", "t");
  connector->write(Table::from_columns({{"v", testing::int64s({1})}}), SaveMode::kOverwrite);
  Table wrong = Table::from_columns({{"w", testing::int64s({9})}});
  EXPECT_THAT(message_of<SchemaError>([&] { connector->write(wrong, SaveMode::kAppend); }),
              HasSubstr("has no column \"w\""));
  EXPECT_THAT(cells(connector->read(), "v"), ElementsAre("1"));
}

// A retried append never duplicates rows: an append that fails on its third row (a NOT
// NULL column) leaves none of its rows behind, so the retry's rows are the only ones.
TEST(SqliteConnector, AFailedAppendAddsNoRowsSoARetryDoesNotDuplicate) {
  testing::TempDir dir;
  auto connector = make_connector<SqliteConnector>(dir.path() / "a.db", "t");
  auto required = std::make_shared<engine::Schema>(
      std::vector<engine::Field>{{"v", engine::DataType::int64(), false}});
  connector->write(Table(required, {engine::RecordBatch(required, {testing::int64s({1})})}),
                   SaveMode::kOverwrite);
  Table broken = Table::from_columns({{"v", testing::int64s({2, 3, std::nullopt})}});
  EXPECT_THROW(connector->write(broken, SaveMode::kAppend), IoError);
  connector->write(Table::from_columns({{"v", testing::int64s({2, 3})}}), SaveMode::kAppend);
  EXPECT_THAT(cells(connector->read().sort({engine::asc("v")}), "v"), ElementsAre("1", "2", "3"));
}

// Connections come from the file's pool; a database deleted and made again is not written
// through a connection to the old, unlinked file.
TEST(SqliteConnector, PooledConnectionsAreReusedAndDroppedWhenTheFileIsReplaced) {
  testing::TempDir dir;
  std::filesystem::path path = dir.path() / "pooled.db";
  auto connector = make_connector<SqliteConnector>(path, "t");
  connector->write(Table::from_columns({{"v", testing::int64s({1})}}), SaveMode::kOverwrite);
  EXPECT_EQ(connector->read().num_rows(), 1);
  auto stats = [&] {
    for (const PoolStats& pool : PoolRegistry::global().stats()) {
      if (pool.endpoint == "sqlite:" + std::filesystem::canonical(path).string()) {
        return pool;
      }
    }
    return PoolStats{};
  };
  EXPECT_GE(stats().reused, 1);
  EXPECT_EQ(stats().in_use, 0);
  std::filesystem::remove(path);
  connector->write(Table::from_columns({{"v", testing::int64s({5, 6})}}), SaveMode::kOverwrite);
  EXPECT_GE(stats().broken, 1);
  auto fresh = make_connector<SqliteConnector>(path, "t");  // reads the file on disk
  EXPECT_THAT(cells(fresh->read(), "v"), ElementsAre("5", "6"));
}

TEST(SqliteConnector, ReadsQueriesAndPushesProjectionsAndFilters) {
  testing::TempDir dir;
  auto sales = make_connector<SqliteConnector>(dir.path() / "w.db", "sales");
  sales->write(sample(), SaveMode::kOverwrite);
  auto report = make_connector<SqliteConnector>(
      dir.path() / "w.db", SqlQuery{"SELECT name, price * 2 AS double_price FROM sales"});
  Table result = report->read();
  EXPECT_EQ(result.schema()->to_string(), "name: string, double_price: float64");
  EXPECT_THROW(report->write(result, SaveMode::kAppend), StateError);

  engine::LazyFrame lazy = sales->lazy().filter("price > 0").select({"id", "name"});
  EXPECT_THAT(lazy.explain(), HasSubstr("Scan sqlite"));
  EXPECT_THAT(lazy.explain(), HasSubstr("columns=[id, price, name]"));
  EXPECT_THAT(cells(lazy.collect(), "id"), ElementsAre("1"));
}

TEST(SqliteConnector, ClearErrorsForMissingThings) {
  testing::TempDir dir;
  auto missing_file = make_connector<SqliteConnector>(dir.path() / "none.db", "t");
  EXPECT_THAT(message_of<IoError>([&] { return missing_file->read(); }),
              HasSubstr("does not exist"));
  // Every connector comes from make_connector, so lazy() always works; the scan reports.
  EXPECT_THAT(message_of<IoError>([&] { return missing_file->lazy().collect(); }),
              HasSubstr("does not exist"));
  auto connector = make_connector<SqliteConnector>(dir.path() / "w.db", "t");
  connector->write(Table::from_columns({{"v", testing::int64s({1})}}), SaveMode::kOverwrite);
  auto other = make_connector<SqliteConnector>(dir.path() / "w.db", "u");
  EXPECT_THAT(message_of<IoError>([&] { return other->read(); }),
              HasSubstr("has no table 'u' (tables: t)"));
}

TEST(SqliteConnector, EmptyTablesRoundTrip) {
  testing::TempDir dir;
  auto connector = make_connector<SqliteConnector>(dir.path() / "w.db", "empty");
  connector->write(sample().filter("false"), SaveMode::kOverwrite);
  Table back = connector->read();
  EXPECT_EQ(back.num_rows(), 0);
  EXPECT_EQ(back.schema()->to_string(),
            "id: int64, small: int64, price: float64, name: string, ok: bool, day: date32, "
            "at: timestamp[us], amount: decimal(12,2), big: decimal(30,4)");
}

}  // namespace
}  // namespace setl::storage
