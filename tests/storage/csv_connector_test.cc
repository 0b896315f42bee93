#include "setl/storage/csv_connector.h"

#include <fstream>

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <zlib.h>
#include <zstd.h>

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

Table sample() {
  engine::ColumnBuilder stamps(DataType::timestamp());
  stamps.append_int(1'700'000'000'123'456);
  stamps.append_null();
  stamps.append_int(0);
  return Table::from_columns({
      {"id", testing::int64s({1, 2, 3})},
      {"price", testing::float64s({1.5, std::nullopt, -0.1})},
      {"name", testing::strings({"plain", "comma, \"quote\"\nnewline", ""})},
      {"note", testing::strings({std::nullopt, " padded ", "ünï"})},
      {"ok", testing::bools({true, std::nullopt, false})},
      {"day", testing::dates({"2024-02-29", std::nullopt, "1970-01-01"})},
      {"at", stamps.finish()},
  });
}

TEST(CsvConnector, RoundTripsEveryTypeNullsAndTrickyStrings) {
  testing::TempDir dir;
  auto connector = make_connector<CsvConnector>(dir.path() / "t.csv");
  connector->write(sample(), SaveMode::kOverwrite);
  engine::ScanResult scanned = connector->scan({});
  const Table& back = scanned.table;
  EXPECT_EQ(back.schema()->to_string(),
            "id: int64, price: float64, name: string, note: string, ok: bool, day: date32, "
            "at: timestamp[us]");
  EXPECT_EQ(back.to_string(), sample().to_string());
  EXPECT_EQ(back.at(1, "name").as_string(), "comma, \"quote\"\nnewline");
  EXPECT_EQ(back.at(2, "name").as_string(), "");  // an empty string is not NULL
  EXPECT_TRUE(back.at(0, "note").is_null());
  EXPECT_EQ(scanned.stats.rows, 3);
  EXPECT_EQ(scanned.stats.rejected_rows, 0);
}

TEST(CsvConnector, InfersTypesByTheDocumentedRules) {
  testing::TempDir dir;
  auto path = dir.write("t.csv",
                        "b,i,f,d,ts,s,empty\n"
                        "true,1,1,2024-01-01,2024-01-01 10:00:00,x,\n"
                        "FALSE,-2,2.5,2024-12-31,2024-01-02,7,\n"
                        ",,,,,,\n");
  auto connector = make_connector<CsvConnector>(path);
  EXPECT_EQ(
      connector->schema()->to_string(),
      "b: bool, i: int64, f: float64, d: date32, ts: timestamp[us], s: string, empty: string");
  Table table = connector->read();
  EXPECT_THAT(cells(table, "i"), ElementsAre("1", "-2", "null"));
  EXPECT_THAT(cells(table, "ts"),
              ElementsAre("2024-01-01 10:00:00", "2024-01-02 00:00:00", "null"));
}

TEST(CsvConnector, OptionsForDialects) {
  testing::TempDir dir;
  auto path = dir.write("t.tsv", "1;'a;b';NA\n2;'it\\'s';x\n");
  CsvOptions options;
  options.header = false;
  options.delimiter = ';';
  options.quote = '\'';
  options.escape = '\\';
  options.null_values = {"NA"};
  auto connector = make_connector<CsvConnector>(path, options);
  Table table = connector->read();
  EXPECT_EQ(table.schema()->names(),
            (std::vector<std::string>{"column_1", "column_2", "column_3"}));
  EXPECT_THAT(cells(table, "column_2"), ElementsAre("a;b", "it's"));
  EXPECT_THAT(cells(table, "column_3"), ElementsAre("null", "x"));
}

TEST(CsvConnector, TrailingDelimitersOfDbgenFilesCloseTheRecord) {
  testing::TempDir dir;
  // dbgen's .tbl dialect: '|' after every field, the last included; CRLF works as well.
  auto path = dir.write("region.tbl", "0|AFRICA|lar deposits|\n1|AMERICA||\r\n2|ASIA|\"a|b\"|\n");
  CsvOptions options;
  options.header = false;
  options.delimiter = '|';
  options.trailing_delimiter = true;
  options.column_names = {"r_regionkey", "r_name", "r_comment"};
  auto connector = make_connector<CsvConnector>(path, options);
  EXPECT_EQ(connector->schema()->to_string(),
            "r_regionkey: int64, r_name: string, r_comment: string");
  Table table = connector->read();
  EXPECT_THAT(cells(table, "r_name"), ElementsAre("AFRICA", "AMERICA", "ASIA"));
  EXPECT_THAT(cells(table, "r_comment"), ElementsAre("lar deposits", "null", "a|b"));

  // Without the option the same file has one field too many on every line.
  CsvOptions plain = options;
  plain.trailing_delimiter = false;
  plain.column_names.clear();
  EXPECT_EQ(make_connector<CsvConnector>(path, plain)->schema()->num_fields(), 4U);
  plain.column_names = options.column_names;
  EXPECT_THAT(
      message_of<ParseError>([&] { return make_connector<CsvConnector>(path, plain)->read(); }),
      HasSubstr("expected 3 fields, found 4"));

  // Written files keep the dialect, and read back the same.
  auto copy = make_connector<CsvConnector>(dir.path() / "copy.tbl", options);
  copy->write(table, SaveMode::kOverwrite);
  std::ifstream in(dir.path() / "copy.tbl");
  std::string first_line;
  std::getline(in, first_line);
  EXPECT_EQ(first_line, "0|AFRICA|lar deposits|");
  EXPECT_EQ(copy->read().to_string(), table.to_string());
}

TEST(CsvConnector, ColumnNamesWithoutTypesNameTheColumnsAndKeepInference) {
  testing::TempDir dir;
  auto headerless = dir.write("h.csv", "1,2024-01-05,x\n2,2024-02-05,y\n");
  CsvOptions options;
  options.header = false;
  options.column_names = {"id", "day", "tag"};
  EXPECT_EQ(make_connector<CsvConnector>(headerless, options)->schema()->to_string(),
            "id: int64, day: date32, tag: string");

  // With a header, the names replace it; a count that differs is refused.
  auto with_header = dir.write("w.csv", "a,b,c\n1,2,3\n");
  options.header = true;
  EXPECT_EQ(make_connector<CsvConnector>(with_header, options)->schema()->names(),
            (std::vector<std::string>{"id", "day", "tag"}));
  options.column_names = {"id", "day"};
  EXPECT_THAT(message_of<SchemaError>(
                  [&] { return make_connector<CsvConnector>(with_header, options)->schema(); }),
              HasSubstr("the header has 3 columns but 2 column names were given"));
  options.header = false;
  EXPECT_THAT(message_of<ParseError>(
                  [&] { return make_connector<CsvConnector>(headerless, options)->read(); }),
              HasSubstr("expected 2 fields, found 3"));

  // Names and a schema together are ambiguous.
  options.schema = std::make_shared<engine::Schema>(
      std::vector<engine::Field>{{"a", DataType::int32(), true}, {"b", DataType::string(), true}});
  EXPECT_THAT(
      message_of<ConfigError>([&] { return make_connector<CsvConnector>(headerless, options); }),
      HasSubstr("both a schema and column_names"));
}

TEST(CsvConnector, ExplicitSchemaAndCrLf) {
  testing::TempDir dir;
  auto path = dir.write("t.csv", "a,b\r\n1,x\r\n2,y\r\n");
  CsvOptions options;
  options.schema = std::make_shared<engine::Schema>(
      std::vector<engine::Field>{{"a", DataType::int32(), true}, {"b", DataType::string(), true}});
  Table table = make_connector<CsvConnector>(path, options)->read();
  EXPECT_EQ(table.schema()->field(0).type, DataType::int32());
  EXPECT_THAT(cells(table, "b"), ElementsAre("x", "y"));
}

TEST(CsvConnector, DecimalColumnsReadAndWriteEveryDigit) {
  testing::TempDir dir;
  auto path = dir.write("money.csv",
                        "id,amount\n1,19.99\n2,-0.05\n3,\n4,12345678901234567890.1234\n5,1e2\n");
  CsvOptions options;
  options.schema = std::make_shared<engine::Schema>(std::vector<engine::Field>{
      {"id", DataType::int64(), true}, {"amount", DataType::decimal(24, 4), true}});
  auto connector = make_connector<CsvConnector>(path, options);
  Table table = connector->read();
  EXPECT_THAT(cells(table, "amount"),
              ElementsAre("19.9900", "-0.0500", "null", "12345678901234567890.1234", "100.0000"));
  auto copy = make_connector<CsvConnector>(dir.path() / "copy.csv", options);
  copy->write(table, SaveMode::kOverwrite);
  EXPECT_EQ(copy->read().to_string(), table.to_string());

  auto bad = dir.write("bad.csv", "id,amount\n1,123456789012345678901.5\n");
  EXPECT_THAT(
      message_of<ParseError>([&] { return make_connector<CsvConnector>(bad, options)->read(); }),
      HasSubstr("expected decimal(24,4), found \"123456789012345678901.5\""));
}

TEST(CsvConnector, ParallelRangesAgreeWithOneRangeAcrossQuotedNewlines) {
  testing::TempDir dir;
  std::string text = "id,text\n";
  for (int i = 0; i < 5'000; ++i) {
    text += std::to_string(i) +
            (i % 7 == 0 ? ",\"multi\nline, " + std::to_string(i) + "\"\n" : ",plain\n");
  }
  auto path = dir.write("big.csv", text);
  CsvOptions many;
  many.batch_rows = 10;  // hundreds of ranges, many cut near quoted newlines
  Table split = make_connector<CsvConnector>(path, many)->read();
  Table whole = make_connector<CsvConnector>(path)->read();
  EXPECT_GT(split.batches().size(), 100u);
  EXPECT_EQ(split.num_rows(), 5'000);
  EXPECT_EQ(split.combine().column(1)->string_value(4'998),
            whole.combine().column(1)->string_value(4'998));
  EXPECT_EQ(split.at(4'998, "text").as_string(), "multi\nline, 4998");
  EXPECT_EQ(split.aggregate({engine::fn::sum(engine::col("id")).alias("s")}).at(0, "s").as_int(),
            4'999 * 5'000 / 2);
}

TEST(CsvConnector, MalformedInputNamesFileLineAndColumn) {
  testing::TempDir dir;
  auto count = dir.write("count.csv", "a,b\n1,2\n3\n");
  EXPECT_THAT(message_of<ParseError>([&] { return make_connector<CsvConnector>(count)->read(); }),
              HasSubstr("count.csv:3: expected 2 fields, found 1"));
  auto number = dir.write("number.csv", "a,b\n1,2\n3,x4\n");
  CsvOptions typed;
  typed.schema = std::make_shared<engine::Schema>(
      std::vector<engine::Field>{{"a", DataType::int64(), true}, {"b", DataType::int64(), true}});
  EXPECT_THAT(
      message_of<ParseError>([&] { return make_connector<CsvConnector>(number, typed)->read(); }),
      HasSubstr("number.csv:3: column 2 (\"b\"): expected int64, found \"x4\""));
  auto quote = dir.write("quote.csv", "a\n\"open\n");
  EXPECT_THAT(message_of<ParseError>([&] { return make_connector<CsvConnector>(quote)->read(); }),
              HasSubstr("quote.csv:2: a quoted field is not closed"));
  auto utf8 = dir.write("utf8.csv", std::string("a\nok\nbad\xff\n"));
  EXPECT_THAT(message_of<ParseError>([&] { return make_connector<CsvConnector>(utf8)->read(); }),
              HasSubstr("utf8.csv:3: column 1 (\"a\"): invalid UTF-8"));
  EXPECT_THAT(message_of<IoError>(
                  [&] { return make_connector<CsvConnector>(dir.path() / "none.csv")->read(); }),
              HasSubstr("no such file"));
}

TEST(CsvConnector, PermissiveModeSendsBadRecordsToTheRejectsFile) {
  testing::TempDir dir;
  auto path = dir.write("t.csv", "a,b\n1,2\n3\n4,x\n5,6\n");
  CsvOptions options;
  options.permissive = true;
  options.schema = std::make_shared<engine::Schema>(
      std::vector<engine::Field>{{"a", DataType::int64(), true}, {"b", DataType::int64(), true}});
  auto connector = make_connector<CsvConnector>(path, options);
  engine::ScanResult scanned = connector->scan({});
  EXPECT_THAT(cells(scanned.table, "a"), ElementsAre("1", "5"));
  EXPECT_EQ(scanned.stats.rejected_rows, 2);
  EXPECT_EQ(scanned.stats.rows, 2);
  std::string rejects = testing::read_file(dir.path() / "t.csv.rejects.tsv");
  EXPECT_THAT(rejects, HasSubstr("3\texpected 2 fields, found 1\t3\n"));
  EXPECT_THAT(rejects, HasSubstr("4\tcolumn 2 (\"b\"): expected int64, found \"x\"\t4,x\n"));
}

TEST(CsvConnector, ReadsGzipAndZstdFiles) {
  testing::TempDir dir;
  std::string text = "a,b\n1,x\n2,y\n";
  gzFile gz = gzopen((dir.path() / "t.csv.gz").c_str(), "wb");
  gzwrite(gz, text.data(), static_cast<unsigned>(text.size()));
  gzclose(gz);
  std::string compressed(ZSTD_compressBound(text.size()), '\0');
  compressed.resize(
      ZSTD_compress(compressed.data(), compressed.size(), text.data(), text.size(), 3));
  dir.write("t.csv.zst", compressed);
  EXPECT_THAT(cells(make_connector<CsvConnector>(dir.path() / "t.csv.gz")->read(), "b"),
              ElementsAre("x", "y"));
  EXPECT_THAT(cells(make_connector<CsvConnector>(dir.path() / "t.csv.zst")->read(), "b"),
              ElementsAre("x", "y"));
  dir.write("bad.csv.gz", "not gzip at all");
  EXPECT_THAT(message_of<IoError>(
                  [&] { return make_connector<CsvConnector>(dir.path() / "bad.csv.gz")->read(); }),
              HasSubstr("is not valid gzip data"));
  dir.write("cut.csv.zst", compressed.substr(0, compressed.size() / 2));
  EXPECT_THAT(message_of<IoError>(
                  [&] { return make_connector<CsvConnector>(dir.path() / "cut.csv.zst")->read(); }),
              HasSubstr("truncated"));
}

TEST(CsvConnector, WritesAndAppendsGzipAndZstdFiles) {
  testing::TempDir dir;
  Table first =
      Table::from_columns({{"n", testing::int64s({1, 2})}, {"s", testing::strings({"a,b", "ü"})}});
  Table second = Table::from_columns({{"n", testing::int64s({3})}, {"s", testing::strings({"c"})}});
  for (const char* name : {"t.csv.gz", "t.csv.zst"}) {
    auto connector = make_connector<CsvConnector>(dir.path() / name);
    connector->write(first, SaveMode::kOverwrite);
    connector->write(second, SaveMode::kAppend);
    Table back = connector->read();
    EXPECT_THAT(cells(back, "n"), ElementsAre("1", "2", "3")) << name;
    EXPECT_THAT(cells(back, "s"), ElementsAre("a,b", "ü", "c")) << name;
  }
  // The file really is compressed: zlib reads it back by itself.
  gzFile gz = gzopen((dir.path() / "t.csv.gz").c_str(), "rb");
  char buffer[64] = {};
  int got = gzread(gz, buffer, sizeof(buffer) - 1);
  gzclose(gz);
  EXPECT_EQ(std::string(buffer, static_cast<size_t>(got)), "n,s\n1,\"a,b\"\n2,ü\n3,c\n");
}

TEST(CsvConnector, SaveModesAndFailedAppendsLeaveTheFile) {
  testing::TempDir dir;
  auto connector = make_connector<CsvConnector>(dir.path() / "t.csv");
  Table one = Table::from_columns({{"v", testing::int64s({1})}});
  connector->write(one, SaveMode::kErrorIfExists);
  EXPECT_THROW(connector->write(one, SaveMode::kErrorIfExists), IoError);
  connector->write(Table::from_columns({{"v", testing::int64s({9})}}), SaveMode::kIgnore);
  connector->write(Table::from_columns({{"v", testing::int64s({2, 3})}}), SaveMode::kAppend);
  EXPECT_THAT(cells(connector->read(), "v"), ElementsAre("1", "2", "3"));
  std::string before = testing::read_file(dir.path() / "t.csv");
  EXPECT_THAT(
      message_of<SchemaError>([&] {
        connector->write(Table::from_columns({{"w", testing::int64s({4})}}), SaveMode::kAppend);
      }),
      HasSubstr("its header is 'v'"));
  EXPECT_EQ(testing::read_file(dir.path() / "t.csv"), before);
  for (const auto& entry : std::filesystem::directory_iterator(dir.path())) {
    EXPECT_THAT(entry.path().filename().string(), ::testing::Not(HasSubstr(".tmp")));
  }
}

TEST(CsvConnector, LazyScansReadOnlyTheNeededColumns) {
  testing::TempDir dir;
  auto connector = make_connector<CsvConnector>(dir.path() / "t.csv");
  connector->write(sample(), SaveMode::kOverwrite);
  engine::LazyFrame lazy = connector->lazy().filter("id > 1").select({"name"});
  EXPECT_THAT(lazy.explain(), HasSubstr("columns=[id, name]"));
  EXPECT_EQ(lazy.collect().num_rows(), 2);
}

}  // namespace
}  // namespace setl::storage
