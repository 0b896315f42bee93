#include "setl/storage/postgres_connector.h"

#include <thread>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "postgres_fixture.h"
#include "setl/core/connection_pool.h"
#include "setl/core/error.h"
#include "setl/workflow/pipeline.h"
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

class PostgresConnectorTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { server_ = new testing::PostgresServer(); }
  static void TearDownTestSuite() {
    delete server_;
    server_ = nullptr;
  }
  void SetUp() override {
    if (!server_->started()) {
      GTEST_SKIP() << server_->skip_reason();
    }
  }
  static testing::PostgresServer* server_;
};
testing::PostgresServer* PostgresConnectorTest::server_ = nullptr;

Table sample() {
  engine::ColumnBuilder stamps(engine::DataType::timestamp());
  stamps.append_int(1'700'000'000'123'456);
  stamps.append_null();
  stamps.append_int(0);
  return Table::from_columns({
      {"id", testing::int64s({1, 2, 3})},
      {"price", testing::float64s({0.1, std::nullopt, -2.5e10})},
      {"name", testing::strings({"tab\there", "new\nline \\ back", std::nullopt})},
      {"ok", testing::bools({true, std::nullopt, false})},
      {"day", testing::dates({"2024-02-29", std::nullopt, "1970-01-01"})},
      {"at", stamps.finish()},
      {"amount", testing::decimals(engine::DataType::decimal(30, 4),
                                   {"12345678901234567890123456.7891", std::nullopt, "-0.0001"})},
  });
}

TEST_F(PostgresConnectorTest, StreamsATableLargerThanABatchPieceByPiece) {
  auto connector = make_connector<PostgresConnector>(server_->connection(), "big_rows");
  connector->write(wide_rows(200'000), SaveMode::kOverwrite);
  expect_streams_in_small_batches(*connector, 200'000);
  // Stopping early closes the COPY with the connection; the next scan works.
  {
    std::unique_ptr<engine::BatchStream> stream = connector->scan_stream({}, 64 << 10);
    ASSERT_TRUE(stream->next().has_value());
  }
  EXPECT_EQ(connector->read().num_rows(), 200'000);
}

TEST_F(PostgresConnectorTest, RoundTripsEveryTypeThroughCopy) {
  auto connector = make_connector<PostgresConnector>(server_->connection(), "sales");
  connector->write(sample(), SaveMode::kOverwrite);
  EXPECT_TRUE(connector->exists());
  Table back = connector->read();
  EXPECT_EQ(back.schema()->to_string(),
            "id: int64, price: float64, name: string, ok: bool, day: date32, at: timestamp[us], "
            "amount: decimal(30,4)");
  EXPECT_EQ(back.to_string(), sample().to_string());
}

TEST_F(PostgresConnectorTest, SaveModesRunInOneTransaction) {
  auto connector = make_connector<PostgresConnector>(server_->connection(), "modes");
  Table one = Table::from_columns({{"v", testing::int64s({1})}});
  connector->write(one, SaveMode::kOverwrite);
  EXPECT_THROW(connector->write(one, SaveMode::kErrorIfExists), IoError);
  connector->write(Table::from_columns({{"v", testing::int64s({9})}}), SaveMode::kIgnore);
  connector->write(Table::from_columns({{"v", testing::int64s({2, 3})}}), SaveMode::kAppend);
  EXPECT_THAT(cells(connector->read().sort({engine::asc("v")}), "v"), ElementsAre("1", "2", "3"));
  // A failing append (unknown column) leaves the table as it was.
  EXPECT_THROW(
      connector->write(Table::from_columns({{"w", testing::int64s({4})}}), SaveMode::kAppend),
      IoError);
  EXPECT_EQ(connector->read().num_rows(), 3);
}

TEST_F(PostgresConnectorTest, QueriesAndLazyScans) {
  auto sales = make_connector<PostgresConnector>(server_->connection(), "scan");
  sales->write(sample(), SaveMode::kOverwrite);
  auto report = make_connector<PostgresConnector>(
      server_->connection(),
      SqlQuery{"SELECT id, price * 2 AS double_price FROM scan WHERE id < 3"});
  EXPECT_THAT(cells(report->read(), "id"), ElementsAre("1", "2"));
  Table lazy = sales->lazy().filter("ok").select({"name"}).collect();
  EXPECT_THAT(cells(lazy, "name"), ElementsAre("tab\there"));
}

TEST_F(PostgresConnectorTest, ClearErrors) {
  PostgresConnection wrong = server_->connection();
  wrong.port = 1;
  EXPECT_THAT(
      message_of<IoError>([&] { return make_connector<PostgresConnector>(wrong, "t")->read(); }),
      HasSubstr("cannot connect to PostgreSQL setl@127.0.0.1:1/postgres"));
  EXPECT_THAT(message_of<IoError>([&] {
                return make_connector<PostgresConnector>(server_->connection(), "missing")->read();
              }),
              HasSubstr("relation \"public.missing\" does not exist"));
  PostgresConnection secret = server_->connection();
  secret.password_env = "SETL_TEST_UNSET_PASSWORD";
  EXPECT_THROW(make_connector<PostgresConnector>(secret, "t")->read(), ConfigError);
}

// The server restarts in the middle of a run: the pooled connection it cut is found
// broken at the next checkout, closed and replaced, and the run goes on.
TEST_F(PostgresConnectorTest, APooledConnectionCutByARestartIsReplacedMidRun) {
  auto connector = make_connector<PostgresConnector>(server_->connection(), "restarted");
  connector->write(Table::from_columns({{"v", testing::int64s({1, 2, 3})}}), SaveMode::kOverwrite);
  workflow::Pipeline pipeline("restart");
  pipeline.add_function("Before", [&] { return connector->read().num_rows(); });
  pipeline.add_function("Restart",
                        [&](const int64_t& rows) {
                          if (!server_->restart()) {
                            throw IoError("the test server did not restart");
                          }
                          return std::to_string(rows);
                        },
                        {{.producer = "Before"}});
  pipeline.add_function("After", [&](const std::string&) { return connector->read().num_rows(); },
                        {{.producer = "Restart"}});
  workflow::RunResult result = pipeline.run();
  EXPECT_EQ(result.output<int64_t>("After"), 3);
  std::string endpoint =
      "postgres:setl@127.0.0.1:" + std::to_string(server_->connection().port) + "/postgres";
  bool found = false;
  for (const PoolStats& pool : result.pools()) {
    if (pool.endpoint == endpoint) {
      found = true;
      EXPECT_GE(pool.broken, 1) << pool.endpoint;
      EXPECT_GE(pool.reused, 1) << pool.endpoint;
      EXPECT_EQ(pool.in_use, 0) << pool.endpoint;
    }
  }
  EXPECT_TRUE(found);
  EXPECT_THAT(result.summary(), HasSubstr("pool " + endpoint + ": "));
}

}  // namespace
}  // namespace setl::storage

namespace setl::storage {
namespace {

Table stock(std::vector<std::optional<std::string>> items,
            std::vector<std::optional<int64_t>> qty) {
  return Table::from_columns({{"item", testing::strings(items)}, {"qty", testing::int64s(qty)}});
}

std::vector<std::string> stock_rows(const PostgresConnector& connector) {
  Table table = connector.read().sort({engine::asc("item")});
  std::vector<std::string> out;
  for (int64_t row = 0; row < table.num_rows(); ++row) {
    out.push_back(table.at(row, "item").to_display() + "=" + table.at(row, "qty").to_display());
  }
  return out;
}

TEST_F(PostgresConnectorTest, UpsertReplacesRowsByKeyOnTheServer) {
  auto connector = make_connector<PostgresConnector>(server_->connection(), "stock_upsert");
  connector->drop();
  connector->upsert(stock({"apple", "pear"}, {1, 2}), {"item"});  // creates the table
  connector->upsert(stock({"pear", "plum"}, {20, 30}), {"item"});
  EXPECT_THAT(stock_rows(*connector), ElementsAre("apple=1", "pear=20", "plum=30"));

  // Refused before anything is sent, or rolled back: the table is unchanged.
  EXPECT_THAT(
      message_of<SchemaError>([&] { connector->upsert(stock({std::nullopt}, {5}), {"item"}); }),
      HasSubstr("a key column is NULL"));
  EXPECT_THAT(message_of<SchemaError>([&] {
                connector->upsert(Table::from_columns({{"item", testing::strings({"apple"})},
                                                       {"price", testing::int64s({5})}}),
                                  {"item"});
              }),
              HasSubstr("it holds the columns item, qty"));
  EXPECT_THAT(message_of<SchemaError>([&] { connector->upsert(stock({"x"}, {1}), {}); }),
              HasSubstr("no key columns"));
  EXPECT_THAT(stock_rows(*connector), ElementsAre("apple=1", "pear=20", "plum=30"));
}

TEST_F(PostgresConnectorTest, ConcurrentUpsertsLoseNoRows) {
  auto connector = make_connector<PostgresConnector>(server_->connection(), "stock_concurrent");
  connector->drop();
  connector->write(stock({"seed"}, {0}), SaveMode::kOverwrite);
  constexpr int kWriters = 4;
  std::vector<std::thread> writers;
  for (int w = 0; w < kWriters; ++w) {
    writers.emplace_back([&, w] {
      for (int i = 0; i < 5; ++i) {
        connector->upsert(stock({"w" + std::to_string(w) + "-" + std::to_string(i)}, {i}),
                          {"item"});
      }
    });
  }
  for (std::thread& writer : writers) {
    writer.join();
  }
  EXPECT_EQ(connector->read().num_rows(), 1 + kWriters * 5);
}

TEST_F(PostgresConnectorTest, DeleteTestsOurConditionAndDeletesOnlyMatchingRows) {
  auto connector = make_connector<PostgresConnector>(server_->connection(), "stock_delete");
  connector->write(stock({"apple", "apricot", "pear", std::nullopt}, {1, 2, 3, 4}),
                   SaveMode::kOverwrite);
  // starts_with is our function, not PostgreSQL's; a NULL result keeps the row.
  connector->delete_where(engine::parse_expr("starts_with(item, 'ap') and qty > 1"));
  EXPECT_THAT(stock_rows(*connector), ElementsAre("null=4", "apple=1", "pear=3"));
  connector->delete_where(engine::parse_expr("qty > 100"));  // nothing matches
  EXPECT_EQ(connector->read().num_rows(), 3);
  connector->drop();
  EXPECT_FALSE(connector->exists());
  connector->drop();  // absent: nothing to do
  connector->delete_where(engine::parse_expr("qty > 0"));
}

TEST_F(PostgresConnectorTest, AQueryConnectorCannotBeEdited) {
  auto query = make_connector<PostgresConnector>(server_->connection(), SqlQuery{"SELECT 1 AS x"});
  EXPECT_THAT(message_of<StateError>([&] { query->upsert(stock({"a"}, {1}), {"item"}); }),
              HasSubstr("reads a query; an upsert needs a table"));
  EXPECT_THAT(message_of<StateError>([&] { query->drop(); }), HasSubstr("a drop needs a table"));
}

}  // namespace
}  // namespace setl::storage
