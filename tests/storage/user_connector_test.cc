// A connector of a user's own, built on FileConnector and registered as a storage type:
// it gets the save modes, locking, fingerprints and configuration of the built-in ones.
#include <fstream>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "setl/core/error.h"
#include "setl/engine/builder.h"
#include "setl/storage/connector_builder.h"
#include "setl/storage/file_connector.h"
#include "testing/columns.h"
#include "testing/temp_dir.h"

namespace setl::storage {
namespace {

using testing::cells;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using testing::message_of;

// One string column "line", one value per line of a text file.
class LinesConnector : public FileConnector {
 public:
  LinesConnector(ConnectorKey key, std::filesystem::path path)
      : FileConnector(key, std::move(path), "lines") {}

  engine::SchemaPtr schema() const override {
    return std::make_shared<engine::Schema>(
        std::vector<engine::Field>{{"line", engine::DataType::string(), true}});
  }
  engine::ScanResult scan(const engine::ScanRequest&) const override {
    std::ifstream in(path());
    if (!in) {
      throw IoError(path().string() + " does not exist");
    }
    engine::ColumnBuilder lines(engine::DataType::string());
    std::string line;
    int64_t bytes = 0;
    while (std::getline(in, line)) {
      bytes += static_cast<int64_t>(line.size()) + 1;
      lines.append_string(line);
    }
    engine::Table table = engine::Table::from_columns({{"line", lines.finish()}});
    return {table, {.rows = table.num_rows(), .bytes_read = bytes}};
  }

 protected:
  void write_file(const engine::Table& table, bool append) const override {
    std::ofstream out(path(), append ? std::ios::app : std::ios::trunc);
    for (const engine::RecordBatch& batch : table.batches()) {
      for (int64_t row = 0; row < batch.num_rows(); ++row) {
        out << batch.column(0)->string_value(row) << '\n';
      }
    }
  }
};

engine::Table lines(std::vector<std::optional<std::string>> values) {
  return engine::Table::from_columns({{"line", testing::strings(values)}});
}

TEST(UserConnector, InheritsTheSaveModesAndFingerprintOfTheFileBase) {
  testing::TempDir dir;
  auto connector = make_connector<LinesConnector>(dir.path() / "notes.txt");
  EXPECT_FALSE(connector->exists());
  EXPECT_EQ(connector->describe(), "lines " + (dir.path() / "notes.txt").string());
  connector->write(lines({"a", "b"}), SaveMode::kOverwrite);
  std::optional<std::string> before = connector->fingerprint(true);
  connector->write(lines({"c"}), SaveMode::kAppend);
  connector->write(lines({"ignored"}), SaveMode::kIgnore);
  EXPECT_THAT(
      message_of<IoError>([&] { connector->write(lines({"x"}), SaveMode::kErrorIfExists); }),
      HasSubstr("already exists"));
  engine::ScanResult scanned = connector->scan({});
  EXPECT_THAT(cells(scanned.table, "line"), ElementsAre("a", "b", "c"));
  EXPECT_EQ(scanned.stats.rows, 3);
  EXPECT_EQ(scanned.stats.bytes_read, 6);
  EXPECT_NE(connector->fingerprint(true), before);
  // lazy() works on every connector: make_connector is the only way to build one.
  EXPECT_EQ(connector->lazy().filter("line != 'b'").collect().num_rows(), 2);
}

TEST(UserConnector, IsConfiguredLikeTheBuiltInOnesOnceRegistered) {
  testing::TempDir dir;
  register_storage({"LINES",
                    {"TEXT_LINES"},
                    {"path"},
                    "one string per line",
                    [](const Config& section) -> std::shared_ptr<Connector> {
                      return make_connector<LinesConnector>(section.get_string("path"));
                    }});
  Config config =
      Config::from_yaml("notes: {storage: lines, path: " + (dir.path() / "n.txt").string() +
                            "}\n"
                            "alias: {storage: text_lines, path: x.txt}\n"
                            "typo: {storage: LINES, path: x.txt, pth: y}\n",
                        "app.yaml");
  auto notes = build_connector(config.section("notes"));
  notes->write(lines({"hello"}), SaveMode::kOverwrite);
  EXPECT_THAT(cells(notes->read(), "line"), ElementsAre("hello"));
  EXPECT_NE(dynamic_cast<LinesConnector*>(build_connector(config.section("alias")).get()), nullptr);
  EXPECT_THAT(message_of<ConfigError>([&] { return build_connector(config.section("typo")); }),
              HasSubstr("unknown key 'pth' for storage LINES; did you mean 'path'?"));

  EXPECT_THAT(message_of<ConfigError>([] {
                register_storage({"csv", {}, {}, "", [](const Config&) {
                                    return std::shared_ptr<Connector>();
                                  }});
              }),
              HasSubstr("'CSV' is already registered"));
  std::vector<std::string> names;
  for (const StorageType& type : storage_types()) {
    names.push_back(type.name);
  }
  EXPECT_THAT(
      names, ElementsAre("ARROW", "ARROW_STREAM", "CSV", "DELTA", "EXCEL", "JSON", "JSONL", "LINES",
                         "ODBC", "OTHER", "PARQUET", "PARTITIONED", "POSTGRES", "SQLITE"));
}

TEST(UserConnector, StorageOtherBuildsARegisteredClassAsSetlDoes) {
  testing::TempDir dir;
  register_connector_class({"com.example.LinesConnector",
                            {},
                            {"path"},
                            "one string per line",
                            [](const Config& section) -> std::shared_ptr<Connector> {
                              return make_connector<LinesConnector>(section.get_string("path"));
                            }});
  Config config = Config::from_yaml(
      "notes: {storage: OTHER, class: com.example.LinesConnector, saveMode: Append, path: " +
          (dir.path() / "n.txt").string() +
          "}\n"
          "typo: {storage: other, class: com.example.LineConnector, path: x}\n"
          "no_class: {storage: OTHER, path: x}\n"
          "extra: {storage: OTHER, class: com.example.LinesConnector, path: x, topic: t}\n",
      "app.yaml");
  auto notes = build_connector(config.section("notes"));
  ASSERT_NE(dynamic_cast<LinesConnector*>(notes.get()), nullptr);
  EXPECT_EQ(notes->save_mode(), SaveMode::kAppend);
  notes->save(lines({"a"}));
  notes->save(lines({"b"}));
  EXPECT_THAT(cells(notes->read(), "line"), ElementsAre("a", "b"));

  EXPECT_THAT(message_of<ConfigError>([&] { return build_connector(config.section("typo")); }),
              HasSubstr("no connector class 'com.example.LineConnector' is registered; did you "
                        "mean 'com.example.LinesConnector'?"));
  EXPECT_THAT(message_of<ConfigError>([&] { return build_connector(config.section("no_class")); }),
              HasSubstr("storage OTHER needs 'class'"));
  EXPECT_THAT(
      message_of<ConfigError>([&] { return build_connector(config.section("extra")); }),
      HasSubstr("unknown key 'topic' for storage OTHER (class com.example.LinesConnector)"));
  EXPECT_THAT(
      message_of<ConfigError>([] {
        register_connector_class({"com.example.LinesConnector", {}, {}, "", [](const Config&) {
                                    return std::shared_ptr<Connector>();
                                  }});
      }),
      HasSubstr("'com.example.LinesConnector' is already registered"));
  std::vector<std::string> classes;
  for (const StorageType& type : connector_classes()) {
    classes.push_back(type.name);
  }
  EXPECT_THAT(classes, ElementsAre("com.example.LinesConnector"));
}

}  // namespace
}  // namespace setl::storage
