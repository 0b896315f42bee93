// Directories and glob patterns read as one table: columns united by name, the source
// file as an optional column, configuration paths that name many files.
#include "setl/storage/file_set_connector.h"

#include <fstream>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "setl/core/error.h"
#include "setl/storage/arrow_ipc.h"
#include "setl/storage/connector_builder.h"
#include "testing/columns.h"
#include "testing/temp_dir.h"

namespace setl::storage {
namespace {

using engine::Table;
using testing::cells;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using testing::message_of;

void write_text(const std::filesystem::path& path, const std::string& text) {
  std::filesystem::create_directories(path.parent_path());
  std::ofstream(path) << text;
}

class FileSet : public ::testing::Test {
 protected:
  void SetUp() override {
    write_text(dir() / "orders" / "a.csv", "id,amount\n1,10\n2,20\n");
    // Another column, and amounts with decimals: the column becomes float64.
    write_text(dir() / "orders" / "b.csv", "id,amount,city\n3,2.5,Paris\n");
    write_text(dir() / "orders" / "_SUCCESS.csv", "not,data\n");  // skipped as Spark does
    write_text(dir() / "orders" / ".hidden.csv", "id\n99\n");
    write_text(dir() / "orders" / "notes.txt", "ignored\n");
    write_text(dir() / "orders" / "old" / "c.csv", "id,amount\n4,40\n");  // only if recursive
  }
  std::filesystem::path dir() const { return tmp_.path(); }
  testing::TempDir tmp_;
};

TEST_F(FileSet, ADirectoryIsOneTableWithItsColumnsUnitedByName) {
  auto orders = make_connector<FileSetConnector>(
      dir() / "orders", FileSetOptions{.format = FileFormat::kCsv, .source_column = "file"});
  EXPECT_EQ(orders->schema()->to_string(),
            "id: int64, amount: float64, city: string, file: string not null");
  Table table = orders->read().sort({engine::asc("id")});
  EXPECT_THAT(cells(table, "id"), ElementsAre("1", "2", "3"));
  EXPECT_THAT(cells(table, "amount"), ElementsAre("10", "20", "2.5"));
  EXPECT_THAT(cells(table, "city"), ElementsAre("null", "null", "Paris"));
  EXPECT_EQ(table.at(2, "file").as_string(), (dir() / "orders" / "b.csv").string());
  // Lazy queries push columns and filters into every file.
  Table paris = orders->lazy().filter("city = 'Paris'").select({"id"}).collect();
  EXPECT_THAT(cells(paris, "id"), ElementsAre("3"));
  EXPECT_EQ(orders->scan({{"file"}, std::nullopt}).table.num_rows(), 3);

  auto everything = make_connector<FileSetConnector>(
      dir() / "orders", FileSetOptions{.format = FileFormat::kCsv, .recursive = true});
  EXPECT_EQ(everything->read().num_rows(), 4);
  EXPECT_EQ(everything->files().size(), 3u);
}

TEST_F(FileSet, APatternMatchesFilesAcrossDirectories) {
  write_text(dir() / "landing" / "2024-01" / "orders-1.jsonl", "{\"id\": 1}\n");
  write_text(dir() / "landing" / "2024-02" / "orders-2.jsonl", "{\"id\": 2, \"x\": true}\n");
  write_text(dir() / "landing" / "2023-12" / "orders-0.jsonl", "{\"id\": 0}\n");
  auto orders = make_connector<FileSetConnector>(dir() / "landing" / "2024-*" / "orders-*.jsonl",
                                                 FileSetOptions{.format = FileFormat::kJsonLines});
  EXPECT_THAT(cells(orders->read().sort({engine::asc("id")}), "id"), ElementsAre("1", "2"));
  EXPECT_EQ(orders->schema()->to_string(), "id: int64, x: bool");
}

TEST_F(FileSet, ParquetFilesAreReadInParallelWithTheirFilters) {
  for (int part = 0; part < 6; ++part) {
    make_connector<ParquetConnector>(dir() / "facts" /
                                     ("part-" + std::to_string(part) + ".parquet"))
        ->write(Table::from_columns({{"part", testing::int64s({part, part})},
                                     {"v", testing::int64s({part * 10, part * 10 + 1})}}),
                SaveMode::kOverwrite);
  }
  auto facts = make_connector<FileSetConnector>(
      dir() / "facts", FileSetOptions{.format = FileFormat::kParquet, .threads = 3});
  engine::ScanResult all = facts->scan({});
  EXPECT_EQ(all.table.num_rows(), 12);
  EXPECT_EQ(all.stats.units_total, 6);
  EXPECT_THAT(cells(facts->lazy().filter("v = 41").collect(), "part"), ElementsAre("4"));
}

TEST_F(FileSet, ArrowIpcFilesOfADirectoryAreOneTable) {
  write_arrow_ipc_file(Table::from_columns({{"id", testing::int64s({1, 2})}}),
                       dir() / "feeds" / "a.arrow");
  write_arrow_ipc_file(
      Table::from_columns({{"id", testing::int64s({3})}, {"city", testing::strings({"Oslo"})}}),
      dir() / "feeds" / "b.feather");
  Config config = Config::from_yaml(
      "feeds: {storage: ARROW, path: " + (dir() / "feeds").string() + ", source_column: file}\n",
      "app.yaml");
  std::shared_ptr<Connector> feeds = build_connector(config.section("feeds"));
  ASSERT_NE(dynamic_cast<FileSetConnector*>(feeds.get()), nullptr);
  EXPECT_EQ(feeds->schema()->to_string(), "id: int64, city: string, file: string not null");
  Table table = feeds->read().sort({engine::asc("id")});
  EXPECT_THAT(cells(table, "city"), ElementsAre("null", "null", "Oslo"));
  EXPECT_EQ(table.at(2, "file").as_string(), (dir() / "feeds" / "b.feather").string());
}

TEST_F(FileSet, ChangesToTheFilesChangeTheFingerprint) {
  auto orders = make_connector<FileSetConnector>(dir() / "orders",
                                                 FileSetOptions{.format = FileFormat::kCsv});
  std::optional<std::string> before = orders->fingerprint();
  write_text(dir() / "orders" / "d.csv", "id,amount\n5,50\n");
  EXPECT_NE(orders->fingerprint(), before);
  EXPECT_EQ(orders->read().num_rows(), 4);  // the cached layout noticed the new file
}

TEST_F(FileSet, ClearErrors) {
  auto nothing = make_connector<FileSetConnector>(dir() / "orders" / "*.parquet",
                                                  FileSetOptions{.format = FileFormat::kParquet});
  EXPECT_FALSE(nothing->exists());
  EXPECT_THAT(message_of<IoError>([&] { (void)nothing->read(); }),
              HasSubstr("no file matches the pattern"));
  auto few = make_connector<FileSetConnector>(
      dir() / "orders", FileSetOptions{.format = FileFormat::kCsv, .max_files = 1});
  EXPECT_THAT(message_of<ResourceError>([&] { (void)few->read(); }),
              HasSubstr("2 files match, more than max_files (1)"));
  auto clash = make_connector<FileSetConnector>(
      dir() / "orders", FileSetOptions{.format = FileFormat::kCsv, .source_column = "city"});
  EXPECT_THAT(message_of<SchemaError>([&] { (void)clash->schema(); }),
              HasSubstr("the files have a column 'city'"));
  auto orders = make_connector<FileSetConnector>(dir() / "orders",
                                                 FileSetOptions{.format = FileFormat::kCsv});
  EXPECT_THAT(message_of<StateError>([&] { orders->write(Table(), SaveMode::kOverwrite); }),
              HasSubstr("reads many files and cannot be written to"));
  // A malformed file is named.
  write_text(dir() / "orders" / "e.csv", "id,amount\n\"unterminated\n");
  EXPECT_THAT(message_of<Error>([&] { (void)orders->read(); }), HasSubstr("e.csv"));
}

TEST_F(FileSet, ConfigurationPathsThatNameManyFilesBuildOne) {
  Config config =
      Config::from_yaml("dir: {storage: CSV, path: " + (dir() / "orders").string() +
                            ", source_column: file, recursive: true}\n"
                            "glob: {storage: CSV, path: \"" +
                            (dir() / "orders" / "?.csv").string() +
                            "\"}\n"
                            "one: {storage: CSV, path: " +
                            (dir() / "orders" / "a.csv").string() + ", source_column: file}\n",
                        "app.yaml");
  std::shared_ptr<Connector> many = build_connector(config.section("dir"));
  ASSERT_NE(dynamic_cast<FileSetConnector*>(many.get()), nullptr);
  EXPECT_EQ(many->read().num_rows(), 4);
  EXPECT_EQ(build_connector(config.section("glob"))->read().num_rows(), 3);
  EXPECT_THAT(message_of<ConfigError>([&] { return build_connector(config.section("one")); }),
              HasSubstr("'source_column' applies when 'path' is a directory or a pattern"));
}

}  // namespace
}  // namespace setl::storage
