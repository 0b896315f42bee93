// The ODBC connector against two real drivers: SQLite (libsqliteodbc) and PostgreSQL
// (odbc-postgresql, against a throwaway server): types both ways, save modes in one
// transaction, queries with parameters, clear errors.
#include "setl/storage/odbc_connector.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "postgres_fixture.h"
#include "setl/core/error.h"
#include "setl/storage/connector_builder.h"
#include "setl/storage/repository.h"
#include "testing/columns.h"
#include "testing/temp_dir.h"

namespace shop {
struct Item {
  int64_t id = 0;
  std::string name;
  std::optional<double> price;
};
}  // namespace shop
SETL_SCHEMA(shop::Item, id, name, price)

namespace setl::storage {
namespace {

using engine::Table;
using testing::cells;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using testing::message_of;

testing::PostgresServer* server = nullptr;
testing::TempDir* sqlite_dir = nullptr;

struct Backend {
  const char* name;
  std::function<std::string()> connection_string;
  // How the driver describes a DECIMAL(12,2) column: sqliteodbc says text.
  const char* decimal_as;
};

class OdbcConnectorTest : public ::testing::TestWithParam<Backend> {
 protected:
  static void SetUpTestSuite() {
    server = new testing::PostgresServer();
    sqlite_dir = new testing::TempDir();
  }
  static void TearDownTestSuite() {
    delete server;
    delete sqlite_dir;
  }
  void SetUp() override {
    if (std::string(GetParam().name) == "postgres" && !server->started()) {
      GTEST_SKIP() << server->skip_reason();
    }
  }
  OdbcConnection connection() const { return {GetParam().connection_string(), ""}; }
  std::shared_ptr<OdbcConnector> table(const std::string& name) const {
    return make_connector<OdbcConnector>(connection(), name);
  }
};

Table sample() {
  engine::ColumnBuilder stamps(engine::DataType::timestamp());
  stamps.append_int(1'709'296'215'250'000);
  stamps.append_null();
  stamps.append_int(0);
  return Table::from_columns({
      {"id", testing::int64s({1, 2, 3})},
      {"name", testing::strings({"Zoë", std::nullopt, "it's \"quoted\""})},
      {"price", testing::float64s({0.1, std::nullopt, -2.5e10})},
      {"day", testing::dates({"2024-02-29", std::nullopt, "1970-01-01"})},
      {"at", stamps.finish()},
      {"amount", testing::decimals(engine::DataType::decimal(12, 2),
                                   {"1234567890.12", std::nullopt, "-0.01"})},
  });
}

TEST_P(OdbcConnectorTest, RoundTripsTypesThroughTheDriver) {
  auto sales = table("sales");
  sales->write(sample(), SaveMode::kOverwrite);
  EXPECT_TRUE(sales->exists());
  Table back = sales->read().sort({engine::asc("id")});
  EXPECT_EQ(back.schema()->to_string(),
            "id: int64, name: string, price: float64, day: date32, at: timestamp[us], amount: " +
                std::string(GetParam().decimal_as));
  Table typed =
      back.select({engine::col("id"), engine::col("name"), engine::col("price"), engine::col("day"),
                   engine::col("at"),
                   engine::col("amount").cast(engine::DataType::decimal(12, 2)).alias("amount")});
  EXPECT_EQ(typed.to_string(), sample().to_string());
  // Only the requested columns are selected.
  EXPECT_EQ(sales->scan({{"name"}, std::nullopt}).table.num_columns(), 1u);
}

TEST_P(OdbcConnectorTest, SaveModesRunInOneTransaction) {
  auto modes = table("modes");
  Table one = Table::from_columns({{"v", testing::int64s({1})}});
  modes->write(one, SaveMode::kOverwrite);
  EXPECT_THAT(message_of<IoError>([&] { modes->write(one, SaveMode::kErrorIfExists); }),
              HasSubstr("already exists"));
  modes->write(Table::from_columns({{"v", testing::int64s({9})}}), SaveMode::kIgnore);
  modes->write(Table::from_columns({{"v", testing::int64s({2, 3})}}), SaveMode::kAppend);
  EXPECT_THAT(cells(modes->read().sort({engine::asc("v")}), "v"), ElementsAre("1", "2", "3"));
  // A failing append (a column the table lacks) leaves the table as it was.
  EXPECT_THROW(
      modes->write(Table::from_columns({{"v", testing::int64s({4})}, {"w", testing::int64s({4})}}),
                   SaveMode::kAppend),
      IoError);
  EXPECT_EQ(modes->read().num_rows(), 3);
  modes->drop();
  EXPECT_FALSE(modes->exists());
  modes->drop();  // absent: nothing to do
}

TEST_P(OdbcConnectorTest, QueriesTakeBoundParameters) {
  table("items")->write(
      Table::from_columns({{"id", testing::int64s({1, 2, 3})},
                           {"name", testing::strings({"apple", "x' OR '1'='1", "pear"})},
                           {"price", testing::float64s({1.5, 2.0, std::nullopt})}}),
      SaveMode::kOverwrite);
  auto query = make_connector<OdbcConnector>(
      connection(), OdbcQuery{"SELECT id, name FROM items WHERE id >= ? AND name <> ?",
                              {engine::Scalar::int64(2), engine::Scalar::string("pear")}});
  EXPECT_THAT(cells(query->read(), "name"), ElementsAre("x' OR '1'='1"));
  EXPECT_THAT(message_of<StateError>([&] { query->write(Table(), SaveMode::kAppend); }),
              HasSubstr("reads a query and cannot be written to"));
  // A typed repository over the same table, its condition pushed into the scan.
  Repository<shop::Item> items(table("items"));
  EXPECT_EQ(items.find_by("price > 1.6").collect().at(0).id, 2);
}

TEST_P(OdbcConnectorTest, ClearErrors) {
  EXPECT_THAT(message_of<IoError>([&] { (void)table("missing")->read(); }), HasSubstr("odbc "));
  EXPECT_FALSE(table("missing")->exists());
  OdbcConnection secret = connection();
  secret.password_env = "SETL_TEST_UNSET_ODBC_PASSWORD";
  EXPECT_THAT(
      message_of<ConfigError>([&] { (void)make_connector<OdbcConnector>(secret, "t")->read(); }),
      HasSubstr("SETL_TEST_UNSET_ODBC_PASSWORD is not set"));
}

TEST_P(OdbcConnectorTest, ConfiguredAsAStorage) {
  table("configured")
      ->write(Table::from_columns({{"v", testing::int64s({7})}}), SaveMode::kOverwrite);
  Config config = Config::from_yaml(
      "db: {storage: ODBC, connection_string: \"" + GetParam().connection_string() +
          "\", query: \"SELECT v FROM configured WHERE v = ?\", parameters: [\"7\"]}\n",
      "app.yaml");
  EXPECT_THAT(cells(build_connector(config.section("db"))->read(), "v"), ElementsAre("7"));
}

INSTANTIATE_TEST_SUITE_P(
    Drivers, OdbcConnectorTest,
    ::testing::Values(Backend{"sqlite",
                              [] {
                                return "Driver=SQLite3;Database=" +
                                       (sqlite_dir->path() / "shop.db").string() + ";";
                              },
                              "string"},
                      Backend{"postgres",
                              [] {
                                return "Driver={PostgreSQL ANSI};Server=127.0.0.1;Port=" +
                                       std::to_string(server->connection().port) +
                                       ";Database=postgres;Uid=setl;";
                              },
                              "decimal(12,2)"}),
    [](const ::testing::TestParamInfo<Backend>& info) { return std::string(info.param.name); });

TEST(OdbcConnectorErrors, AnUnknownDriverIsAConnectionError) {
  auto nowhere = make_connector<OdbcConnector>(OdbcConnection{"Driver={No Such Driver};", ""}, "t");
  EXPECT_THAT(message_of<IoError>([&] { (void)nowhere->read(); }), HasSubstr("cannot connect"));
}

}  // namespace
}  // namespace setl::storage
