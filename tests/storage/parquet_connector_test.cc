#include "setl/storage/parquet_connector.h"

#include <cstdlib>
#include <cstring>
#include <fstream>
#include <random>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "setl/core/error.h"
#include "setl/core/memory.h"
#include "setl/core/memory_context.h"
#include "setl/engine/builder.h"
#include "setl/storage/csv_connector.h"
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

// The shared interop files: $SETL_SHARED_TESTDATA at run time, else the directory CMake
// was configured with (beside the checkout by default). Absent, these tests skip; the
// DuckDB oracle (tests/oracle) covers files of an independent writer in any clone.
std::filesystem::path testdata(const std::string& name) {
  const char* from_environment = std::getenv("SETL_SHARED_TESTDATA");
  std::filesystem::path root = from_environment != nullptr && *from_environment != '\0'
                                   ? std::filesystem::path(from_environment)
                                   : std::filesystem::path(SETL_SHARED_TESTDATA);
  if (std::filesystem::exists(root / "parquet")) {
    return root / "parquet" / name;
  }
  return {};
}

#define REQUIRE_TESTDATA()                                                           \
  if (testdata("").empty()) {                                                        \
    GTEST_SKIP() << "shared Parquet test data not found (set SETL_SHARED_TESTDATA)"; \
  }

engine::ColumnPtr timestamps(const std::vector<std::optional<int64_t>>& micros,
                             const std::string& zone) {
  engine::ColumnBuilder builder(DataType::timestamp(zone));
  for (const auto& value : micros) {
    value ? builder.append_int(*value) : builder.append_null();
  }
  return builder.finish();
}

void expect_same(const Table& actual, const Table& expected) {
  ASSERT_EQ(actual.schema()->names(), expected.schema()->names());
  ASSERT_EQ(actual.num_rows(), expected.num_rows());
  for (const engine::Field& field : expected.schema()->fields()) {
    const engine::Field& got = actual.schema()->field(actual.schema()->index_of(field.name));
    EXPECT_EQ(got.type, field.type) << field.name;
    EXPECT_EQ(cells(actual, field.name), cells(expected, field.name)) << field.name;
  }
}

Table every_type(int64_t rows) {
  engine::ColumnBuilder b(DataType::boolean()), i32(DataType::int32()), i64(DataType::int64()),
      f(DataType::float64()), s(DataType::string()), d(DataType::date32()),
      t(DataType::timestamp("UTC")), naive(DataType::timestamp()), money(DataType::decimal(12, 2)),
      wide(DataType::decimal(30, 5)), cents(DataType::decimal(18, 2));
  for (int64_t r = 0; r < rows; ++r) {
    bool null = r % 7 == 3;
    null ? b.append_null() : b.append_bool(r % 3 == 0);
    null ? i32.append_null() : i32.append_int(static_cast<int32_t>(r * 37 % 1000 - 500));
    r % 11 == 5 ? i64.append_null() : i64.append_int(r * 1'000'000'007LL - (int64_t{1} << 40));
    null ? f.append_null() : f.append_double(static_cast<double>(r) / 8.0 - 3.25);
    // Few distinct strings: dictionary-encoded; includes an empty string and UTF-8.
    r % 13 == 1 ? s.append_null()
                : s.append_string(r % 5 == 0 ? "" : "ünï-" + std::to_string(r % 9));
    null ? d.append_null() : d.append_int(static_cast<int32_t>(19000 + r));
    null ? t.append_null() : t.append_int(1'700'000'000'000'000 + r * 1'000'001);
    naive.append_int(-r * 86'400'000'000LL);
    // INT64 and 16-byte BYTE_ARRAY decimals, negative ones included.
    null ? money.append_null() : money.append_decimal((r - 1000) * 2'537);
    wide.append_decimal(engine::int128{r - 1000} * engine::pow10_int128(24) + r);
    cents.append_decimal((r - 1000) * 999'999'999'999LL);  // no NULLs: the bulk page path
  }
  return Table::from_columns({{"b", b.finish()},
                              {"i32", i32.finish()},
                              {"i64", i64.finish()},
                              {"f", f.finish()},
                              {"s", s.finish()},
                              {"d", d.finish()},
                              {"t", t.finish()},
                              {"naive", naive.finish()},
                              {"money", money.finish()},
                              {"wide", wide.finish()},
                              {"cents", cents.finish()}});
}

struct Variant {
  ParquetCompression compression;
  int page_version;
  bool dictionary;
};

class ParquetRoundTrip : public ::testing::TestWithParam<Variant> {};

TEST_P(ParquetRoundTrip, EveryTypeWithNullsAcrossRowGroupsAndPages) {
  testing::TempDir dir;
  ParquetOptions options;
  options.compression = GetParam().compression;
  options.data_page_version = GetParam().page_version;
  options.dictionary = GetParam().dictionary;
  options.row_group_rows = 700;
  options.page_rows = 128;
  Table table = every_type(2000);
  auto connector = make_connector<ParquetConnector>(dir.path() / "t.parquet", options);
  connector->write(table, SaveMode::kOverwrite);
  expect_same(connector->read(), table);

  ParquetFileInfo info = inspect_parquet(dir.path() / "t.parquet");
  ASSERT_EQ(info.row_groups.size(), 3u);
  EXPECT_EQ(info.row_groups[2].num_rows, 600);
  const ParquetColumnChunkInfo& strings = info.row_groups[0].columns[4];
  EXPECT_EQ(strings.column, "s");
  EXPECT_EQ(
      strings.codec, std::string(to_string(options.compression)) == "none" ? "UNCOMPRESSED" : [&] {
        std::string name(to_string(options.compression));
        for (char& c : name)
          c = static_cast<char>(std::toupper(c));
        return name;
      }());
  EXPECT_EQ(std::count(strings.encodings.begin(), strings.encodings.end(), "RLE_DICTIONARY"),
            options.dictionary ? 1 : 0);
}

TEST_P(ParquetRoundTrip, AHugeRowGroupIsReadPageByPageNeverWhole) {
  // One row group of 60,000 rows (about 2.5 MiB decoded) streamed under a 4 MiB budget:
  // past an eighth of the budget a group is decoded page by page, a batch at a time.
  testing::TempDir dir;
  ParquetOptions options;
  options.compression = GetParam().compression;
  options.data_page_version = GetParam().page_version;
  options.dictionary = GetParam().dictionary;
  options.row_group_rows = 1'000'000;
  options.page_rows = 4096;
  const int64_t rows = 60'000;
  auto connector = make_connector<ParquetConnector>(dir.path() / "big.parquet", options);
  connector->write(every_type(rows), SaveMode::kOverwrite);
  ASSERT_EQ(inspect_parquet(dir.path() / "big.parquet").row_groups.size(), 1u);

  MemoryContextScope scope({.budget = memory::MemoryBudget::create(4 << 20)});
  int64_t baseline = memory::bytes_allocated();
  int64_t most = 0;
  std::vector<engine::RecordBatch> batches;
  std::unique_ptr<engine::BatchStream> stream = connector->scan_stream({}, 32 << 10);
  while (std::optional<engine::RecordBatch> batch = stream->next()) {
    most = std::max(most, memory::bytes_allocated() - baseline);
    baseline += batch->memory_size();  // kept for the comparison below, not the scan's
    batches.push_back(std::move(*batch));
  }
  EXPECT_GT(batches.size(), 40u);
  EXPECT_LT(most, int64_t{1} << 20) << "the scan held more than a few pages per column";
  EXPECT_EQ(stream->stats().rows, rows);
  EXPECT_EQ(stream->stats().units_read, 1);
  expect_same(Table(stream->schema(), std::move(batches)), every_type(rows));
}

INSTANTIATE_TEST_SUITE_P(Codecs, ParquetRoundTrip,
                         ::testing::Values(Variant{ParquetCompression::kNone, 1, true},
                                           Variant{ParquetCompression::kSnappy, 1, true},
                                           Variant{ParquetCompression::kGzip, 1, false},
                                           Variant{ParquetCompression::kZstd, 2, true},
                                           Variant{ParquetCompression::kSnappy, 2, false},
                                           Variant{ParquetCompression::kLz4Raw, 2, true}));

TEST(ParquetConnector, RoundTripsEmptyTablesAllNullColumnsAndZones) {
  testing::TempDir dir;
  auto connector = make_connector<ParquetConnector>(dir.path() / "t.parquet");
  Table empty = Table::empty(every_type(1).schema());
  connector->write(empty, SaveMode::kOverwrite);
  Table back = connector->read();
  EXPECT_EQ(back.num_rows(), 0);
  EXPECT_EQ(back.schema()->to_string(), empty.schema()->to_string());

  Table odd = Table::from_columns({
      {"nothing", engine::Column::nulls(DataType::null(), 3)},
      {"paris", timestamps({0, std::nullopt, 1'000'000}, "Europe/Paris")},
      {"utc", timestamps({5, 6, 7}, "UTC")},
  });
  connector->write(odd, SaveMode::kOverwrite);
  expect_same(connector->read(), odd);
}

TEST(ParquetConnector, StatisticsSkipRowGroupsAndProjectionReadsOnlyNeededChunks) {
  testing::TempDir dir;
  engine::ColumnBuilder id(DataType::int64()), day(DataType::date32()), name(DataType::string()),
      maybe(DataType::float64()), price(DataType::decimal(12, 2));
  for (int64_t r = 0; r < 10'000; ++r) {
    id.append_int(r);
    price.append_decimal(r);  // r cents: 0.00 to 99.99
    day.append_int(static_cast<int32_t>(18000 + r / 1000));
    name.append_string("name-" + std::to_string(r / 1000));
    r < 1000 ? maybe.append_null() : maybe.append_double(static_cast<double>(r));
  }
  Table table = Table::from_columns({{"id", id.finish()},
                                     {"day", day.finish()},
                                     {"name", name.finish()},
                                     {"maybe", maybe.finish()},
                                     {"price", price.finish()}});
  auto connector = make_connector<ParquetConnector>(dir.path() / "t.parquet",
                                                    ParquetOptions{.row_group_rows = 1000});
  connector->write(table, SaveMode::kOverwrite);

  auto expect_pruned = [&](const std::string& filter, int64_t groups) {
    engine::ScanResult scanned = connector->scan({{}, engine::parse_expr(filter)});
    EXPECT_EQ(scanned.stats.units_total, 10) << filter;
    EXPECT_EQ(scanned.stats.units_read, groups) << filter;
    Table lazy = connector->lazy().filter(filter).collect();  // the filter pushed down
    EXPECT_THAT(connector->lazy().filter(filter).explain(), HasSubstr("filter=")) << filter;
    Table eager = table.filter(filter);
    EXPECT_EQ(lazy.num_rows(), eager.num_rows()) << filter;
    EXPECT_EQ(cells(lazy, "id"), cells(eager, "id")) << filter;
  };
  expect_pruned("id >= 9500", 1);
  expect_pruned("id = 4321 or id < 10", 2);
  expect_pruned("1000 > id", 1);
  expect_pruned("day = date '2019-04-17'", 1);  // 18003 days
  expect_pruned("name in ('name-3', 'name-7')", 2);
  expect_pruned("name > 'name-8'", 1);
  expect_pruned("maybe is null", 1);
  expect_pruned("maybe is not null and id < 3000", 2);
  expect_pruned("id != 5", 10);
  expect_pruned("id + 1 > 9000", 10);  // not understood: nothing skipped, still correct
  // Decimal bounds against constants as written, exactly at the row group's edges.
  expect_pruned("price >= 95.00", 1);
  expect_pruned("price between 0.05 and 9.99", 1);
  expect_pruned("price = 10", 1);
  expect_pruned("price < 10.001", 2);

  int64_t all_bytes =
      connector->scan({{"id", "day", "name", "maybe"}, std::nullopt}).stats.bytes_read;
  engine::ScanResult only_day = connector->scan({{"day"}, std::nullopt});
  EXPECT_EQ(only_day.table.schema()->names(), std::vector<std::string>{"day"});
  EXPECT_LT(only_day.stats.bytes_read * 4, all_bytes);
  EXPECT_EQ(only_day.table.num_rows(), 10'000);
  EXPECT_EQ(only_day.stats.rows, 10'000);
}

TEST(ParquetConnector, SaveModes) {
  testing::TempDir dir;
  auto path = dir.path() / "t.parquet";
  auto connector = make_connector<ParquetConnector>(path);
  Table first = Table::from_columns({{"x", testing::int64s({1, 2})}});
  Table second = Table::from_columns({{"x", testing::int64s({3})}});
  connector->write(first, SaveMode::kErrorIfExists);
  EXPECT_THAT(message_of<IoError>([&] { connector->write(second, SaveMode::kErrorIfExists); }),
              HasSubstr("already exists"));
  connector->write(second, SaveMode::kIgnore);
  EXPECT_THAT(cells(connector->read(), "x"), ElementsAre("1", "2"));
  connector->write(second, SaveMode::kAppend);
  EXPECT_THAT(cells(connector->read(), "x"), ElementsAre("1", "2", "3"));
  Table other = Table::from_columns({{"y", testing::int64s({3})}});
  EXPECT_THAT(message_of<SchemaError>([&] { connector->write(other, SaveMode::kAppend); }),
              HasSubstr("cannot append"));
  // A failed overwrite leaves the previous file in place.
  auto broken = make_connector<ParquetConnector>(path, ParquetOptions{.row_group_rows = 0});
  EXPECT_THROW(broken->write(second, SaveMode::kOverwrite), ConfigError);
  EXPECT_THAT(cells(connector->read(), "x"), ElementsAre("1", "2", "3"));
  std::vector<std::string> names;
  for (const auto& entry : std::filesystem::directory_iterator(dir.path())) {
    names.push_back(entry.path().filename().string());
  }
  // The file, and the lock file appends meet at: no temporary left behind.
  EXPECT_THAT(names, ::testing::UnorderedElementsAre(path.filename().string(),
                                                     "." + path.filename().string() + ".lock"));
}

TEST(ParquetConnector, ParsesCompressionNames) {
  EXPECT_EQ(parse_parquet_compression("ZSTD"), ParquetCompression::kZstd);
  EXPECT_EQ(parse_parquet_compression("uncompressed"), ParquetCompression::kNone);
  EXPECT_THAT(message_of<ConfigError>([] { parse_parquet_compression("brotli"); }),
              HasSubstr("expected none, snappy, gzip, zstd or lz4_raw"));
}

// --- Files written by other implementations --------------------------------------------

TEST(ParquetInterop, AllTypesPlainFromImpala) {
  REQUIRE_TESTDATA();
  for (const char* name :
       {"alltypes_plain.parquet", "alltypes_dictionary.parquet", "alltypes_plain.snappy.parquet"}) {
    auto connector = make_connector<ParquetConnector>(testdata(name));
    Table table = connector->read();
    EXPECT_EQ(table.schema()->to_string(),
              "id: int32, bool_col: bool, tinyint_col: int32, smallint_col: int32, int_col: int32, "
              "bigint_col: int64, float_col: float64, double_col: float64, date_string_col: "
              "string, string_col: string, timestamp_col: timestamp[us]")
        << name;
  }
  Table plain = make_connector<ParquetConnector>(testdata("alltypes_plain.parquet"))->read();
  EXPECT_THAT(cells(plain, "id"), ElementsAre("4", "5", "6", "7", "2", "3", "0", "1"));
  EXPECT_THAT(cells(plain, "bool_col"),
              ElementsAre("true", "false", "true", "false", "true", "false", "true", "false"));
  EXPECT_THAT(cells(plain, "bigint_col"), ElementsAre("0", "10", "0", "10", "0", "10", "0", "10"));
  EXPECT_THAT(cells(plain, "date_string_col"),
              ElementsAre("03/01/09", "03/01/09", "04/01/09", "04/01/09", "02/01/09", "02/01/09",
                          "01/01/09", "01/01/09"));
  EXPECT_EQ(plain.at(1, "timestamp_col").to_display(), "2009-03-01 00:01:00");  // INT96
  EXPECT_EQ(plain.at(1, "double_col").as_double(), 10.1);
  EXPECT_FLOAT_EQ(static_cast<float>(plain.at(1, "float_col").as_double()), 1.1f);
  Table snappy =
      make_connector<ParquetConnector>(testdata("alltypes_plain.snappy.parquet"))->read();
  EXPECT_THAT(cells(snappy, "id"), ElementsAre("6", "7"));
}

TEST(ParquetInterop, TinyPagesWithDictionaryAndPlainAgree) {
  REQUIRE_TESTDATA();
  Table dictionary =
      make_connector<ParquetConnector>(testdata("alltypes_tiny_pages.parquet"))->read();
  Table plain =
      make_connector<ParquetConnector>(testdata("alltypes_tiny_pages_plain.parquet"))->read();
  EXPECT_EQ(dictionary.num_rows(), 7300);
  expect_same(dictionary, plain);
  EXPECT_EQ(dictionary.filter("id = 3650").num_rows(), 1);
}

// The delta-encoded files come with the content other readers produce, as CSV.
TEST(ParquetInterop, DeltaEncodingsMatchTheirExpectedCsv) {
  REQUIRE_TESTDATA();
  for (const char* stem : {"delta_binary_packed", "delta_byte_array",
                           "delta_encoding_optional_column", "delta_encoding_required_column"}) {
    Table actual =
        make_connector<ParquetConnector>(testdata(std::string(stem) + ".parquet"))->read();
    std::vector<engine::Field> fields;
    for (size_t c = 0; c < actual.num_columns(); ++c) {
      fields.push_back({"c" + std::to_string(c), DataType::string(), true});
    }
    CsvOptions csv;
    csv.schema = std::make_shared<engine::Schema>(fields);
    Table expected =
        make_connector<CsvConnector>(testdata(std::string(stem) + "_expect.csv"), csv)->read();
    ASSERT_EQ(actual.num_rows(), expected.num_rows()) << stem;
    ASSERT_EQ(actual.num_columns(), expected.num_columns()) << stem;
    for (size_t c = 0; c < actual.num_columns(); ++c) {
      EXPECT_EQ(cells(*actual.column(actual.schema()->field(c).name)),
                cells(*expected.column("c" + std::to_string(c))))
          << stem << " column " << actual.schema()->field(c).name;
    }
  }
  Table lengths =
      make_connector<ParquetConnector>(testdata("delta_length_byte_array.parquet"))->read();
  EXPECT_EQ(lengths.num_rows(), 1000);
  EXPECT_EQ(lengths.at(0, "FRUIT").as_string(), "apple_banana_mango0");
  EXPECT_EQ(lengths.at(999, "FRUIT").as_string(), "apple_banana_mango998001");  // 999²
}

TEST(ParquetInterop, CodecsEncodingsAndPageKinds) {
  REQUIRE_TESTDATA();
  for (const char* name : {"hadoop_lz4_compressed.parquet", "lz4_raw_compressed.parquet",
                           "non_hadoop_lz4_compressed.parquet"}) {
    Table table = make_connector<ParquetConnector>(testdata(name))->read();
    EXPECT_THAT(cells(table, "c1"), ElementsAre("abc", "def", "abc", "def")) << name;
    EXPECT_THAT(cells(table, "v11"), ElementsAre("42", "7.7", "42.125", "7.7")) << name;
  }
  Table gzip =
      make_connector<ParquetConnector>(testdata("concatenated_gzip_members.parquet"))->read();
  ASSERT_EQ(gzip.num_rows(), 513);
  EXPECT_EQ(gzip.at(0, "long_col").as_int(), 1);
  EXPECT_EQ(gzip.at(512, "long_col").as_int(), 513);

  Table split =
      make_connector<ParquetConnector>(testdata("byte_stream_split.zstd.parquet"))->read();
  ASSERT_EQ(split.num_rows(), 300);
  EXPECT_NEAR(split.at(0, "f32").as_double(), 1.7640524, 1e-6);  // numpy seed 0 normals
  EXPECT_NEAR(split.at(1, "f32").as_double(), 0.4001572, 1e-6);

  Table booleans =
      make_connector<ParquetConnector>(testdata("rle_boolean_encoding.parquet"))->read();
  EXPECT_EQ(booleans.num_rows(), 68);
  std::vector<std::string> flags = cells(booleans, "datatype_boolean");
  EXPECT_THAT(std::vector<std::string>(flags.begin(), flags.begin() + 4),
              ElementsAre("true", "false", "null", "true"));

  Table decimals32 = make_connector<ParquetConnector>(testdata("int32_decimal.parquet"))->read();
  Table decimals64 = make_connector<ParquetConnector>(testdata("int64_decimal.parquet"))->read();
  for (const Table* decimals : {&decimals32, &decimals64}) {
    ASSERT_EQ(decimals->num_rows(), 24);
    for (int64_t r = 0; r < 24; ++r) {
      EXPECT_DOUBLE_EQ(decimals->at(r, "value").as_double(), static_cast<double>(r + 1));
    }
  }

  Table v2 = make_connector<ParquetConnector>(testdata("page_v2_empty_compressed.parquet"))->read();
  EXPECT_EQ(v2.num_rows(), 10);
  EXPECT_EQ(v2.column("integer_column")->null_count(), 10);
  Table empty_page =
      make_connector<ParquetConnector>(testdata("datapage_v2_empty_datapage.snappy.parquet"))
          ->read();
  EXPECT_EQ(empty_page.num_rows(), 1);

  Table offset_zero =
      make_connector<ParquetConnector>(testdata("dict-page-offset-zero.parquet"))->read();
  EXPECT_EQ(offset_zero.num_rows(), 39);
  EXPECT_EQ(offset_zero.at(0, "l_partkey").as_int(), 1552);

  Table null_pages =
      make_connector<ParquetConnector>(testdata("int32_with_null_pages.parquet"))->read();
  EXPECT_EQ(null_pages.num_rows(), 1000);
  EXPECT_GT(null_pages.column("int32_field")->null_count(), 0);

  // Spark's file ends with a timestamp ~294,000 years BC: beyond what microseconds since
  // 1970 in 64 bits can hold, so the reader says so instead of wrapping around.
  auto int96 = make_connector<ParquetConnector>(testdata("int96_from_spark.parquet"));
  std::string message = message_of<ParseError>([&] { return int96->read(); });
  EXPECT_THAT(message, HasSubstr("out of range for microsecond timestamps"));
  EXPECT_THAT(message, HasSubstr("column 'a'"));

  Table sorted = make_connector<ParquetConnector>(testdata("sort_columns.parquet"))->read();
  EXPECT_EQ(sorted.num_rows(), 6);
  EXPECT_EQ(inspect_parquet(testdata("sort_columns.parquet")).row_groups.size(), 2u);
}

TEST(ParquetInterop, NanInStatisticsDoesNotPruneRows) {
  REQUIRE_TESTDATA();
  auto connector = make_connector<ParquetConnector>(testdata("nan_in_stats.parquet"));
  EXPECT_EQ(connector->lazy().filter("x > 0.5").collect().num_rows(), 1);
  EXPECT_EQ(connector->lazy().filter("x < 2").collect().num_rows(), 1);
}

TEST(ParquetInterop, PageChecksumsAreVerified) {
  REQUIRE_TESTDATA();
  for (const char* name :
       {"datapage_v1-uncompressed-checksum.parquet",
        "datapage_v1-snappy-compressed-checksum.parquet",
        "plain-dict-uncompressed-checksum.parquet", "rle-dict-snappy-checksum.parquet"}) {
    EXPECT_GT(make_connector<ParquetConnector>(testdata(name))->read().num_rows(), 0) << name;
  }
  for (const char* name :
       {"datapage_v1-corrupt-checksum.parquet", "rle-dict-uncompressed-corrupt-checksum.parquet"}) {
    auto connector = make_connector<ParquetConnector>(testdata(name));
    std::string message = message_of<ParseError>([&] { return connector->read(); });
    EXPECT_THAT(message, HasSubstr("checksum mismatch")) << name;
    EXPECT_THAT(message, HasSubstr(name));
    EXPECT_THAT(message, HasSubstr("row group 0, page"));
    auto unchecked =
        make_connector<ParquetConnector>(testdata(name), ParquetOptions{.verify_checksums = false});
    EXPECT_GT(unchecked->read().num_rows(), 0) << name;
  }
}

TEST(ParquetInterop, NestedColumnsGiveAClearErrorAndFlatOnesStillRead) {
  REQUIRE_TESTDATA();
  auto v2 = make_connector<ParquetConnector>(testdata("datapage_v2.snappy.parquet"));
  EXPECT_EQ(v2->schema()->to_string(),
            "a: string, b: int32 not null, c: float64 not null, d: bool not null");
  std::string message = message_of<SchemaError>([&] { return v2->read(); });
  EXPECT_THAT(message, HasSubstr("e: nested group"));
  EXPECT_THAT(message, HasSubstr("select the flat columns"));
  Table flat = v2->lazy().select({"a", "b"}).collect();
  EXPECT_THAT(cells(flat, "a"), ElementsAre("abc", "abc", "abc", "null", "abc"));
  EXPECT_THAT(cells(flat, "b"), ElementsAre("1", "2", "3", "4", "5"));
  EXPECT_THAT(message_of<SchemaError>([&] {
                return v2->scan({{"e"}, std::nullopt});
              }),
              HasSubstr("column 'e' of"));

  auto impala = make_connector<ParquetConnector>(testdata("nullable.impala.parquet"));
  EXPECT_THAT(message_of<SchemaError>([&] { return impala->read(); }),
              HasSubstr("int_map: nested"));
  EXPECT_THAT(cells(impala->scan({{"id"}, std::nullopt}).table, "id"),
              ElementsAre("1", "2", "3", "4", "5", "6", "7"));
  for (const char* name :
       {"list_columns.parquet", "nested_structs.rust.parquet", "nulls.snappy.parquet"}) {
    auto nested = make_connector<ParquetConnector>(testdata(name));
    EXPECT_THAT(message_of<SchemaError>([&] { return nested->read(); }),
                HasSubstr("no flat columns"))
        << name;
  }
}

TEST(ParquetInterop, MalformedDictionaryIsAClearError) {
  REQUIRE_TESTDATA();
  auto connector = make_connector<ParquetConnector>(testdata("nation.dict-malformed.parquet"));
  std::string message = message_of<ParseError>([&] { return connector->read(); });
  // Several chunks are damaged; whichever the parallel reader meets first is named.
  EXPECT_THAT(message, HasSubstr("nation.dict-malformed.parquet: column '"));
  EXPECT_THAT(message, HasSubstr("row group 0, page"));
}

TEST(ParquetInterop, EveryTestFileReadsOrFailsWithASetlError) {
  REQUIRE_TESTDATA();
  int files = 0;
  for (const auto& entry : std::filesystem::directory_iterator(testdata(""))) {
    if (entry.path().extension() != ".parquet") {
      continue;
    }
    ++files;
    auto connector = make_connector<ParquetConnector>(entry.path());
    try {
      engine::SchemaPtr schema = connector->schema();
      if (schema->num_fields() > 0) {
        static_cast<void>(connector->scan({schema->names(), std::nullopt}).table);
      }
    } catch (const Error& error) {
      EXPECT_THAT(std::string(error.what()), HasSubstr(entry.path().filename().string()));
    }
  }
  EXPECT_GE(files, 39);
}

// --- Malformed input -------------------------------------------------------------------

std::string bytes_of(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

// Reads a damaged copy whole and, under a tiny budget, page by page (every row group
// larger than an eighth of it); success or a setl::Error are both fine, anything else is
// a bug.
void read_damaged(const std::filesystem::path& path, const std::string& bytes) {
  {
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  }
  auto connector =
      make_connector<ParquetConnector>(path, ParquetOptions{.verify_checksums = false});
  try {
    engine::SchemaPtr schema = connector->schema();
    if (schema->num_fields() > 0) {
      static_cast<void>(connector->scan({schema->names(), std::nullopt}));
    }
  } catch (const Error&) {
  }
  try {
    MemoryContextScope scope({.budget = memory::MemoryBudget::create(64 << 10)});
    std::unique_ptr<engine::BatchStream> stream = connector->scan_stream({}, 4 << 10);
    while (stream->next()) {
    }
  } catch (const Error&) {
  }
}

TEST(ParquetMalformed, TruncatedFilesFailClearly) {
  testing::TempDir dir;
  auto good = dir.path() / "good.parquet";
  make_connector<ParquetConnector>(good, ParquetOptions{.row_group_rows = 300, .page_rows = 50})
      ->write(every_type(600), SaveMode::kOverwrite);
  std::string bytes = bytes_of(good);
  EXPECT_THAT(message_of<ParseError>([&] {
                std::ofstream(dir.path() / "cut.parquet", std::ios::binary)
                    .write(bytes.data(), static_cast<std::streamsize>(bytes.size() / 2));
                return make_connector<ParquetConnector>(dir.path() / "cut.parquet")->read();
              }),
              HasSubstr("not a Parquet file"));
  for (size_t length = 0; length < bytes.size(); length += std::max<size_t>(1, bytes.size() / 97)) {
    read_damaged(dir.path() / "cut.parquet", bytes.substr(0, length));
  }
  EXPECT_THAT(message_of<IoError>([&] {
                return make_connector<ParquetConnector>(dir.path() / "missing.parquet")->read();
              }),
              HasSubstr("missing.parquet"));
  dir.write("text.parquet", "id,name\n1,a\n");
  EXPECT_THAT(message_of<ParseError>([&] {
                return make_connector<ParquetConnector>(dir.path() / "text.parquet")->read();
              }),
              HasSubstr("not a Parquet file"));
}

TEST(ParquetMalformed, CorruptedFootersAndPagesNeverCrash) {
  testing::TempDir dir;
  auto good = dir.path() / "good.parquet";
  for (ParquetCompression compression : {ParquetCompression::kNone, ParquetCompression::kSnappy}) {
    ParquetOptions options{.compression = compression, .row_group_rows = 300, .page_rows = 50};
    make_connector<ParquetConnector>(good, options)->write(every_type(600), SaveMode::kOverwrite);
    std::string bytes = bytes_of(good);
    uint32_t footer_size = 0;
    std::memcpy(&footer_size, bytes.data() + bytes.size() - 8, 4);
    size_t footer_start = bytes.size() - 8 - footer_size;
    std::mt19937 random(42);
    for (int round = 0; round < 400; ++round) {
      std::string damaged = bytes;
      // Half the rounds hit the footer, half the pages; 1-4 bytes each.
      bool footer = round % 2 == 0;
      size_t begin = footer ? footer_start : 4;
      size_t end = footer ? bytes.size() - 8 : footer_start;
      int flips = 1 + static_cast<int>(random() % 4);
      for (int f = 0; f < flips; ++f) {
        size_t at = begin + random() % (end - begin);
        damaged[at] = static_cast<char>(random() % 256);
      }
      read_damaged(dir.path() / "damaged.parquet", damaged);
    }
  }
  // A footer length pointing before the start of the file.
  std::string bytes = bytes_of(good);
  uint32_t huge = 0x7FFFFFF0;
  std::memcpy(bytes.data() + bytes.size() - 8, &huge, 4);
  std::ofstream(dir.path() / "bad.parquet", std::ios::binary)
      .write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  EXPECT_THAT(message_of<ParseError>([&] {
                return make_connector<ParquetConnector>(dir.path() / "bad.parquet")->read();
              }),
              HasSubstr("corrupt Parquet footer length"));
}

TEST(ParquetConnector, FooterRowCountsSteerTheJoinBuildSide) {
  testing::TempDir dir;
  auto numbers = [](int64_t rows) {
    engine::ColumnBuilder id(DataType::int64());
    for (int64_t r = 0; r < rows; ++r) {
      id.append_int(r % 50);
    }
    return Table::from_columns({{"id", id.finish()}});
  };
  auto small = make_connector<ParquetConnector>(dir.path() / "small.parquet");
  auto large = make_connector<ParquetConnector>(dir.path() / "large.parquet");
  EXPECT_EQ(large->estimated_rows(), std::nullopt);  // no file yet
  small->write(numbers(50), SaveMode::kOverwrite);
  large->write(numbers(5'000), SaveMode::kOverwrite);
  EXPECT_EQ(small->estimated_rows(), 50);
  EXPECT_EQ(large->estimated_rows(), 5'000);
  // The large file goes to the probe side (first input) although it was written right.
  engine::LazyFrame joined = small->lazy().join(large->lazy(), "id");
  EXPECT_THAT(joined.explain(), ::testing::StartsWith("Join inner on id = id\n  Scan parquet"));
  EXPECT_THAT(joined.explain(), HasSubstr("large.parquet"));
  EXPECT_LT(joined.explain().find("large.parquet"), joined.explain().find("small.parquet"));
  EXPECT_EQ(joined.collect().num_rows(), 5'000);
}

}  // namespace
}  // namespace setl::storage
