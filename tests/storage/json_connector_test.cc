#include "setl/storage/json_connector.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "setl/core/config.h"
#include "setl/core/error.h"
#include "setl/storage/connector_builder.h"
#include "setl/storage/json_lines_connector.h"
#include "testing/columns.h"
#include "testing/temp_dir.h"

namespace setl::storage {
namespace {

using engine::Table;
using testing::cells;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using testing::message_of;

TEST(JsonConnector, ReadsAnArrayOfObjectsOverManyLines) {
  testing::TempDir dir;
  auto path = dir.write("orders.json", R"([
  {
    "id": 1,
    "customer": {"name": "Ada", "tier": 2},
    "amount": 12.5,
    "when": "2024-01-31"
  },
  {"id": 2, "amount": 3, "when": "2024-02-01", "note": "late"},
  {"id": 3, "amount": null}
]
)");
  auto connector = make_connector<JsonConnector>(path);
  EXPECT_EQ(connector->schema()->to_string(),
            "id: int64, customer: string, amount: float64, when: date32, note: string");
  Table table = connector->read();
  EXPECT_THAT(cells(table, "id"), ElementsAre("1", "2", "3"));
  EXPECT_THAT(cells(table, "customer"),
              ElementsAre("{\"name\":\"Ada\",\"tier\":2}", "null", "null"));
  EXPECT_THAT(cells(table, "amount"), ElementsAre("12.5", "3", "null"));
  // Only the columns asked for.
  engine::ScanRequest request;
  request.columns = {"note"};
  EXPECT_THAT(cells(connector->scan(request).table, "note"), ElementsAre("null", "late", "null"));
}

TEST(JsonConnector, AnObjectIsOneRowAndAnEmptyArrayNone) {
  testing::TempDir dir;
  auto one = dir.write("one.json", "{\n  \"name\": \"settings\",\n  \"version\": 3\n}\n");
  EXPECT_THAT(cells(make_connector<JsonConnector>(one)->read(), "version"), ElementsAre("3"));
  auto none = dir.write("none.json", "[]");
  EXPECT_EQ(make_connector<JsonConnector>(none)->read().num_rows(), 0);
  // Editors on Windows start UTF-8 files with a byte-order mark.
  auto marked = dir.write("marked.json", "\xEF\xBB\xBF[{\"id\": 7}]");
  EXPECT_THAT(cells(make_connector<JsonConnector>(marked)->read(), "id"), ElementsAre("7"));
}

TEST(JsonConnector, WritesAnArrayThatReadsBackAndAppendsAtomically) {
  testing::TempDir dir;
  auto path = dir.path() / "out.json";
  auto connector = make_connector<JsonConnector>(path);
  Table rows = Table::from_columns(
      {{"id", testing::int64s({1, std::nullopt})}, {"name", testing::strings({"a\nb", "c\"d"})}});
  connector->write(rows, SaveMode::kOverwrite);
  EXPECT_EQ(testing::read_file(path),
            "[\n{\"id\":1,\"name\":\"a\\nb\"},\n{\"id\":null,\"name\":\"c\\\"d\"}\n]\n");
  connector->write(rows, SaveMode::kAppend);
  Table back = connector->read();
  EXPECT_THAT(cells(back, "id"), ElementsAre("1", "null", "1", "null"));
  EXPECT_THAT(cells(back, "name"), ElementsAre("a\nb", "c\"d", "a\nb", "c\"d"));
  std::string before = testing::read_file(path);
  EXPECT_THAT(
      message_of<SchemaError>([&] {
        connector->write(Table::from_columns({{"other", testing::int64s({1})}}), SaveMode::kAppend);
      }),
      HasSubstr("its objects have the keys id: int64, name: string"));
  EXPECT_EQ(testing::read_file(path), before);
  for (const auto& entry : std::filesystem::directory_iterator(dir.path())) {
    EXPECT_THAT(entry.path().filename().string(), ::testing::Not(HasSubstr(".tmp")));
  }
}

TEST(JsonConnector, MalformedDocumentsAreRefusedWithTheReason) {
  testing::TempDir dir;
  auto truncated = dir.write("truncated.json", "[{\"id\": 1}, {\"id\": ");
  EXPECT_THAT(
      message_of<ParseError>([&] { return make_connector<JsonConnector>(truncated)->read(); }),
      HasSubstr("truncated.json: invalid JSON document"));
  auto scalars = dir.write("scalars.json", "[{\"id\": 1}, 2]");
  EXPECT_THAT(
      message_of<ParseError>([&] { return make_connector<JsonConnector>(scalars)->read(); }),
      HasSubstr("element 2 of the array is not an object"));
  auto number = dir.write("number.json", "42");
  EXPECT_THAT(message_of<ParseError>([&] { return make_connector<JsonConnector>(number)->read(); }),
              HasSubstr("not a number"));
  auto mixed = dir.write("mixed.json", "[{\"id\": 1}, {\"id\": \"x\"}]");
  auto typed = make_connector<JsonConnector>(
      mixed,
      JsonOptions{.schema = engine::Table::from_columns({{"id", testing::int64s({1})}}).schema()});
  EXPECT_THAT(message_of<ParseError>([&] { typed->read().num_rows(); }),
              HasSubstr("mixed.json element:2: key \"id\""));
  std::string deep = std::string(5000, '[') + std::string(5000, ']');
  auto nested = dir.write("nested.json", deep);
  EXPECT_THAT(message_of<ParseError>([&] { return make_connector<JsonConnector>(nested)->read(); }),
              HasSubstr("invalid JSON document"));
}

TEST(JsonConnector, JsonStorageReadsLinesUnlessMultiLineAsSparkDoes) {
  testing::TempDir dir;
  auto document = dir.write("doc.json", "[\n{\"id\": 1},\n{\"id\": 2}\n]\n");
  auto lines = dir.write("lines.json", "{\"id\": 1}\n{\"id\": 2}\n{\"id\": 3}\n");
  Config config = Config::from_hocon("doc { storage = JSON, path = \"" + document.string() +
                                     "\", multiLine = \"true\" }\n"
                                     "lines { storage = JSON, path = \"" +
                                     lines.string() + "\" }\n");
  auto doc = build_connector(config.section("doc"));
  EXPECT_NE(dynamic_cast<JsonConnector*>(doc.get()), nullptr);
  EXPECT_EQ(doc->read().num_rows(), 2);
  auto by_line = build_connector(config.section("lines"));
  EXPECT_NE(dynamic_cast<JsonLinesConnector*>(by_line.get()), nullptr);
  EXPECT_EQ(by_line->read().num_rows(), 3);
}

}  // namespace
}  // namespace setl::storage
