#include "setl/storage/json_lines_connector.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "setl/core/error.h"
#include "testing/columns.h"
#include "testing/temp_dir.h"

namespace setl::storage {
namespace {

using engine::DataType;
using engine::Table;
using testing::cells;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using testing::message_of;

TEST(JsonLinesConnector, InfersTypesAndReadsMissingKeysAsNull) {
  testing::TempDir dir;
  auto path = dir.write(
      "t.jsonl",
      "{\"id\": 1, \"price\": 2, \"name\": \"a\\\"b\", \"ok\": true, \"day\": \"2024-01-31\", "
      "\"tags\": [1, 2]}\n"
      "{\"id\": 2, \"price\": 2.5, \"ok\": null, \"day\": \"2024-02-01\", \"extra\": \"x\"}\n"
      "\n"
      "{\"id\": 3, \"name\": \"ünï\", \"day\": null}\n");
  auto connector = make_connector<JsonLinesConnector>(path);
  EXPECT_EQ(connector->schema()->to_string(),
            "id: int64, price: float64, name: string, ok: bool, day: date32, tags: string, extra: "
            "string");
  Table table = connector->read();
  EXPECT_THAT(cells(table, "price"), ElementsAre("2", "2.5", "null"));
  EXPECT_THAT(cells(table, "name"), ElementsAre("a\"b", "null", "ünï"));
  EXPECT_THAT(cells(table, "tags"), ElementsAre("[1,2]", "null", "null"));
  EXPECT_THAT(cells(table, "day"), ElementsAre("2024-01-31", "2024-02-01", "null"));
}

TEST(JsonLinesConnector, RoundTripsEveryType) {
  testing::TempDir dir;
  Table table = Table::from_columns({
      {"i", testing::int64s({1, std::nullopt, -3})},
      {"f", testing::float64s({1.0, 2.5, std::nullopt})},
      {"s", testing::strings({"tab\there", "quote\"\nnewline", std::nullopt})},
      {"b", testing::bools({true, false, std::nullopt})},
      {"d", testing::dates({"2024-02-29", std::nullopt, "1970-01-01"})},
  });
  auto connector = make_connector<JsonLinesConnector>(dir.path() / "t.jsonl");
  connector->write(table, SaveMode::kOverwrite);
  EXPECT_EQ(connector->read().to_string(), table.to_string());
  connector->write(table, SaveMode::kAppend);
  EXPECT_EQ(connector->read().num_rows(), 6);
  EXPECT_THROW(connector->write(table, SaveMode::kErrorIfExists), IoError);
}

TEST(JsonLinesConnector, DecimalsKeepEveryDigitAsNumbersOrStrings) {
  testing::TempDir dir;
  Table table = Table::from_columns({
      {"price",
       testing::decimals(engine::DataType::decimal(12, 2), {"19.99", std::nullopt, "-0.05"})},
      {"total", testing::decimals(engine::DataType::decimal(38, 4),
                                  {"1234567890123456789012345678.9012", "0.0000", std::nullopt})},
  });
  JsonLinesOptions options;
  options.schema = table.schema();
  auto connector = make_connector<JsonLinesConnector>(dir.path() / "t.jsonl", options);
  connector->write(table, SaveMode::kOverwrite);
  EXPECT_EQ(connector->read().to_string(), table.to_string());
  // Narrow decimals are JSON numbers; wide ones strings, which no JSON reader rounds.
  std::string text = testing::read_file(dir.path() / "t.jsonl");
  EXPECT_THAT(text, HasSubstr("\"price\":19.99,"));
  EXPECT_THAT(text, HasSubstr("\"total\":\"1234567890123456789012345678.9012\""));

  auto odd = dir.write("odd.jsonl", "{\"price\": 7, \"total\": 2.5}\n{\"price\": \"x\"}\n");
  auto reader = make_connector<JsonLinesConnector>(odd, options);
  EXPECT_THAT(message_of<ParseError>([&] { return reader->read(); }),
              HasSubstr("expected decimal(12,2)"));
}

TEST(JsonLinesConnector, ManyRangesInParallel) {
  testing::TempDir dir;
  std::string text;
  for (int i = 0; i < 3'000; ++i) {
    text += "{\"v\": " + std::to_string(i) + "}\n";
  }
  JsonLinesOptions options;
  options.batch_rows = 10;
  auto connector = make_connector<JsonLinesConnector>(dir.write("t.jsonl", text), options);
  Table table = connector->read();
  EXPECT_GT(table.batches().size(), 50u);
  EXPECT_EQ(table.aggregate({engine::fn::sum(engine::col("v")).alias("s")}).at(0, "s").as_int(),
            2'999 * 3'000 / 2);
}

TEST(JsonLinesConnector, ErrorsNameTheLineAndKey) {
  testing::TempDir dir;
  JsonLinesOptions typed;
  typed.schema =
      std::make_shared<engine::Schema>(std::vector<engine::Field>{{"v", DataType::int64(), true}});
  auto wrong = dir.write("wrong.jsonl", "{\"v\": 1}\n{\"v\": \"two\"}\n");
  EXPECT_THAT(message_of<ParseError>(
                  [&] { return make_connector<JsonLinesConnector>(wrong, typed)->read(); }),
              HasSubstr("wrong.jsonl:2: key \"v\": expected int64, found \"two\""));
  auto array = dir.write("array.jsonl", "{\"v\": 1}\n[1, 2]\n");
  EXPECT_THAT(message_of<ParseError>(
                  [&] { return make_connector<JsonLinesConnector>(array, typed)->read(); }),
              HasSubstr("array.jsonl:2: expected a JSON object per line"));
  auto cut = dir.write("cut.jsonl", "{\"v\": 1}\n{\"v\": ");
  EXPECT_THROW(make_connector<JsonLinesConnector>(cut, typed)->read(), ParseError);
}

}  // namespace
}  // namespace setl::storage
