#include "setl/storage/connector_builder.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "setl/core/error.h"
#include "setl/storage/csv_connector.h"
#include "setl/storage/parquet_connector.h"
#include "testing/columns.h"
#include "testing/temp_dir.h"

namespace setl::storage {
namespace {

using ::testing::HasSubstr;
using testing::message_of;

TEST(ConnectorBuilder, BuildsCsvAndSqliteConnectorsFromConfig) {
  Config config = Config::from_yaml(R"(
connectors:
  orders: {storage: CSV, path: orders.tsv, delimiter: "\\t", null_values: [NA], permissive: true}
  warehouse: {storage: sqlite, path: w.db, table: revenue}
  report: {storage: SQLITE, path: w.db, query: "SELECT 1"}
  by_year: {storage: PARTITIONED, path: out/sales, format: jsonl, partition_by: [year]}
  lake: {storage: PARTITIONED, path: out/lake, format: parquet, partition_by: [year]}
  facts: {storage: PARQUET, path: out/facts.parquet, compression: zstd, row_group_rows: 1000, data_page_version: 2}
  pg: {storage: POSTGRES, host: db.local, port: 6543, database: sales, user: etl, password_env: PGPASS, table: orders}
)",
                                    "app.yaml");
  auto orders = build_connector(config.section("connectors.orders"));
  EXPECT_EQ(orders->describe(), "csv orders.tsv");
  auto* csv = dynamic_cast<CsvConnector*>(orders.get());
  ASSERT_NE(csv, nullptr);
  EXPECT_EQ(csv->options().delimiter, '\t');
  EXPECT_EQ(csv->options().null_values, std::vector<std::string>{"NA"});
  EXPECT_TRUE(csv->options().permissive);
  EXPECT_EQ(build_connector(config.section("connectors.warehouse"))->describe(),
            "sqlite w.db table revenue");
  EXPECT_EQ(build_connector(config.section("connectors.report"))->describe(), "sqlite w.db query");
  EXPECT_EQ(build_connector(config.section("connectors.by_year"))->describe(),
            "partitioned jsonl out/sales");
  EXPECT_EQ(build_connector(config.section("connectors.lake"))->describe(),
            "partitioned parquet out/lake");
  auto facts = build_connector(config.section("connectors.facts"));
  EXPECT_EQ(facts->describe(), "parquet out/facts.parquet");
  testing::TempDir dir;
  auto round_trip = build_connector(
      config.section("connectors.facts").with_value("path", (dir.path() / "f.parquet").string()));
  round_trip->write(engine::Table::from_columns(
                        {{"x", engine::Column::constant(engine::Scalar::int64(7), 2500)}}),
                    SaveMode::kOverwrite);
  ParquetFileInfo info = inspect_parquet(dir.path() / "f.parquet");
  EXPECT_EQ(info.row_groups.size(), 3u);
  EXPECT_EQ(info.row_groups[0].columns[0].codec, "ZSTD");
  EXPECT_EQ(build_connector(config.section("connectors.pg"))->describe(),
            "postgres etl@db.local:6543/sales table orders");
}

TEST(ConnectorBuilder, ErrorsNameTheBadKey) {
  Config config = Config::from_yaml(R"(
bad_key: {storage: CSV, path: a.csv, delimeter: ";"}
bad_storage: {storage: ICEBERG, path: lake/t}
bad_codec: {storage: PARQUET, path: a.parquet, compression: brotli}
bad_parquet_key: {storage: PARQUET, path: a.parquet, row_groups_rows: 5}
no_path: {storage: CSV}
both: {storage: SQLITE, path: w.db, table: t, query: "SELECT 1"}
long_delimiter: {storage: CSV, path: a.csv, delimiter: "::"}
)",
                                    "app.yaml");
  EXPECT_THAT(message_of<ConfigError>([&] { build_connector(config.section("bad_key")); }),
              HasSubstr("app.yaml: section 'bad_key': unknown key 'delimeter' for storage CSV; did "
                        "you mean 'delimiter'?"));
  EXPECT_THAT(message_of<ConfigError>([&] { build_connector(config.section("bad_storage")); }),
              HasSubstr("unknown storage 'ICEBERG'; supported: ARROW, ARROW_STREAM, CSV, DELTA, "
                        "EXCEL, JSON, JSONL, ODBC, OTHER, PARQUET, PARTITIONED, POSTGRES, SQLITE"));
  EXPECT_THAT(message_of<ConfigError>([&] { build_connector(config.section("bad_codec")); }),
              HasSubstr("unknown Parquet compression 'brotli'"));
  EXPECT_THAT(message_of<ConfigError>([&] { build_connector(config.section("bad_parquet_key")); }),
              HasSubstr("unknown key 'row_groups_rows' for storage PARQUET; did you mean "
                        "'row_group_rows'?"));
  EXPECT_THAT(message_of<ConfigError>([&] { build_connector(config.section("no_path")); }),
              HasSubstr("key 'no_path.path' is missing"));
  EXPECT_THAT(message_of<ConfigError>([&] { build_connector(config.section("both")); }),
              HasSubstr("exactly one of 'table' and 'query'"));
  EXPECT_THAT(message_of<ConfigError>([&] { build_connector(config.section("long_delimiter")); }),
              HasSubstr("key 'delimiter' must be one character"));
}

// A connector section as a SETL application.conf writes it (in YAML here): Spark's option
// names, booleans as strings, a save mode that Connector::save and Repository::save honour.
TEST(ConnectorBuilder, AcceptsTheOriginalsOptionNamesAndHonoursTheirSaveMode) {
  testing::TempDir dir;
  std::string path = (dir.path() / "orders.csv").string();
  Config config = Config::from_yaml("orders: {storage: CSV, path: \"" + path +
                                        "\", inferSchema: \"false\", sep: \";\", header: "
                                        "\"true\", saveMode: Append}\n"
                                        "both: {storage: CSV, path: a.csv, sep: \";\", "
                                        "delimiter: \",\"}\n"
                                        "bad_mode: {storage: CSV, path: a.csv, saveMode: Upsert}\n",
                                    "application.yaml");
  auto orders = build_connector(config.section("orders"));
  auto* csv = dynamic_cast<CsvConnector*>(orders.get());
  ASSERT_NE(csv, nullptr);
  EXPECT_EQ(csv->options().delimiter, ';');
  EXPECT_FALSE(csv->options().infer_types);
  EXPECT_EQ(orders->save_mode(), SaveMode::kAppend);

  engine::Table rows = engine::Table::from_columns({{"id", testing::int64s({1, 2})}});
  orders->save(rows);
  orders->save(rows);  // appended, as the configuration says
  engine::Table back = orders->read();
  EXPECT_EQ(back.num_rows(), 4);
  EXPECT_EQ(back.schema()->to_string(), "id: string");  // inferSchema: false

  EXPECT_THAT(message_of<ConfigError>([&] { build_connector(config.section("both")); }),
              HasSubstr("'both.sep' and 'both.delimiter' are the same option"));
  EXPECT_THAT(message_of<ConfigError>([&] { build_connector(config.section("bad_mode")); }),
              HasSubstr("unknown save mode 'Upsert'"));
}

}  // namespace
}  // namespace setl::storage
