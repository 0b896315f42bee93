// Arrow IPC files and streams written by setlpp and read back through the public API:
// every engine type with NULLs, slices and dictionary-encoded strings, empty tables,
// metadata; reads that outlive the file they map; and damaged input, which may only
// ever raise a setl::Error.
#include "setl/storage/arrow_ipc.h"

#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "setl/core/config.h"
#include "setl/core/error.h"
#include "setl/core/memory.h"
#include "setl/engine/builder.h"
#include "setl/engine/column.h"
#include "setl/engine/decimal.h"
#include "setl/storage/arrow_ipc_connector.h"
#include "setl/storage/connector.h"
#include "setl/storage/connector_builder.h"
#include "testing/columns.h"
#include "testing/table_matchers.h"
#include "testing/temp_dir.h"

namespace setl::storage {
namespace {

using engine::ColumnPtr;
using engine::DataType;
using engine::Table;
using ::testing::HasSubstr;
using testing::SameTableAs;

ColumnPtr timestamps(const DataType& type, const std::vector<std::optional<int64_t>>& micros) {
  engine::ColumnBuilder builder(type);
  for (const auto& value : micros) {
    value ? builder.append_int(*value) : builder.append_null();
  }
  return builder.finish();
}

// Every engine type, NULLs in each nullable column, two batches.
Table every_type() {
  DataType money = DataType::decimal(18, 2);
  Table first = Table::from_columns({
      {"flag", testing::bools({true, std::nullopt, false})},
      {"small", testing::int32s({1, std::nullopt, -2147483647 - 1})},
      {"big", testing::int64s({std::nullopt, 9'000'000'000'000'000'000, -1})},
      {"real", testing::float64s({0.5, std::nullopt, -1e300})},
      {"text", testing::strings({"héllo", std::nullopt, ""})},
      {"day", testing::dates({"2024-02-29", std::nullopt, "1969-12-31"})},
      {"at", timestamps(DataType::timestamp(), {1, std::nullopt, -1'000'000})},
      {"at_utc", timestamps(DataType::timestamp("UTC"), {std::nullopt, 0, 1'700'000'000'000'000})},
      {"amount", testing::decimals(money, {"-12.50", std::nullopt, "9999999999999999.99"})},
      {"nothing", engine::Column::nulls(DataType::null(), 3)},
  });
  Table second = first.slice(1, 2);  // a slice: columns with offset 1
  std::vector<engine::RecordBatch> batches = first.batches();
  for (const engine::RecordBatch& batch : second.batches()) {
    batches.push_back(batch);
  }
  return Table(first.schema(), std::move(batches));
}

Table through_stream(const Table& table, const ArrowIpcWriteOptions& options = {}) {
  std::stringstream bytes;
  write_arrow_ipc_stream(table, bytes, options);
  return read_arrow_ipc_stream(bytes).table;
}

TEST(ArrowIpc, EveryEngineTypeRoundTripsThroughFileAndStream) {
  testing::TempDir dir;
  Table table = every_type();
  write_arrow_ipc_file(table, dir.path() / "every.arrow");
  ArrowIpcData read = read_arrow_ipc_file(dir.path() / "every.arrow");
  EXPECT_THAT(read.table, SameTableAs(table));
  EXPECT_EQ(read.table.batches().size(), 2u);
  EXPECT_THAT(through_stream(table), SameTableAs(table));
}

// A table that compresses well: long runs and repeated strings.
Table compressible(int64_t rows) {
  engine::ColumnBuilder ids(DataType::int64()), names(DataType::string());
  for (int64_t r = 0; r < rows; ++r) {
    ids.append_int(r / 100);
    r % 17 == 0 ? names.append_null() : names.append_string(r % 2 == 0 ? "north" : "south");
  }
  return Table::from_columns({{"id", ids.finish()}, {"region", names.finish()}});
}

TEST(ArrowIpc, Lz4AndZstdBodiesRoundTripAndAreSmaller) {
  testing::TempDir dir;
  Table table = compressible(20000);
  write_arrow_ipc_file(table, dir.path() / "plain.arrow");
  auto plain_bytes = std::filesystem::file_size(dir.path() / "plain.arrow");
  for (ArrowIpcCompression codec : {ArrowIpcCompression::kLz4Frame, ArrowIpcCompression::kZstd}) {
    SCOPED_TRACE(codec == ArrowIpcCompression::kZstd ? "zstd" : "lz4");
    ArrowIpcWriteOptions options{.compression = codec};
    write_arrow_ipc_file(table, dir.path() / "packed.arrow", options);
    EXPECT_LT(std::filesystem::file_size(dir.path() / "packed.arrow"), plain_bytes / 2);
    EXPECT_THAT(read_arrow_ipc_file(dir.path() / "packed.arrow").table, SameTableAs(table));
    EXPECT_THAT(through_stream(table, options), SameTableAs(table));
    // Buffers that do not shrink (random doubles, a one-row batch) are stored as they are.
    EXPECT_THAT(through_stream(every_type(), options), SameTableAs(every_type()));
  }
}

// A compressed buffer may not expand past the process's decompression limits: its declared
// length is checked before anything is allocated for it.
TEST(ArrowIpc, DecompressionStaysWithinTheLimits) {
  std::stringstream bytes;
  write_arrow_ipc_stream(compressible(200000), bytes, {.compression = ArrowIpcCompression::kZstd});
  DecompressionLimits saved = decompression_limits();
  set_decompression_limits({.max_bytes = int64_t{1} << 30, .max_ratio = 2, .ratio_floor = 1024});
  EXPECT_THAT(testing::message_of<ResourceError>([&] { return read_arrow_ipc_stream(bytes); }),
              HasSubstr("a decompression bomb?"));
  set_decompression_limits(saved);
}

TEST(ArrowIpc, DictionaryEncodedStringsRoundTripEncodedOrDecoded) {
  ColumnPtr dictionary = testing::strings({"red", "green"});
  engine::BufferPtr codes = engine::Buffer::allocate(4 * sizeof(int32_t));
  auto* code = reinterpret_cast<int32_t*>(codes->mutable_data());
  code[0] = 1, code[1] = 0, code[2] = 1, code[3] = 1;
  Table table =
      Table::from_columns({{"colour", engine::Column::dictionary_encoded(dictionary, 4, codes)}});
  std::stringstream kept;
  write_arrow_ipc_stream(table, kept);
  std::stringstream decoded;
  write_arrow_ipc_stream(table, decoded, {.keep_dictionaries = false});
  EXPECT_GT(kept.str().size(), decoded.str().size());  // four rows: the dictionary costs more
  EXPECT_THAT(kept.str(), HasSubstr("green"));
  EXPECT_EQ(kept.str().find("green"), kept.str().rfind("green"));  // sent once
  for (std::stringstream* bytes : {&kept, &decoded}) {
    EXPECT_THAT(read_arrow_ipc_stream(*bytes).table,
                testing::TableIs({"colour"}, {{"green"}, {"red"}, {"green"}, {"green"}}));
  }
}

TEST(ArrowIpc, EmptyTablesKeepTheirSchema) {
  Table empty = every_type().slice(0, 0);
  Table read = through_stream(empty);
  EXPECT_EQ(read.num_rows(), 0);
  EXPECT_EQ(read.schema()->to_string(), empty.schema()->to_string());
  testing::TempDir dir;
  write_arrow_ipc_file(empty, dir.path() / "empty.arrow");
  EXPECT_EQ(read_arrow_ipc_file(dir.path() / "empty.arrow").table.schema()->to_string(),
            empty.schema()->to_string());
}

TEST(ArrowIpc, SchemaAndColumnMetadataAreKept) {
  Table table =
      Table::from_columns({{"id", testing::int64s({1})}, {"name", testing::strings({"a"})}});
  ArrowIpcWriteOptions options;
  options.metadata = {{"pandas", "{\"index\": []}"}, {"origin", "setlpp"}};
  options.column_metadata["name"] = {{"comment", "who"}};
  std::stringstream bytes;
  write_arrow_ipc_stream(table, bytes, options);
  ArrowIpcData read = read_arrow_ipc_stream(bytes);
  EXPECT_EQ(read.metadata, options.metadata);
  ASSERT_EQ(read.column_metadata.size(), 2u);
  EXPECT_TRUE(read.column_metadata[0].empty());
  EXPECT_EQ(read.column_metadata[1], options.column_metadata["name"]);
}

// The columns point into a private mapping of the file, which outlives its name and is
// counted as mapped, not allocated, memory until the last column goes.
TEST(ArrowIpc, AMappedReadOutlivesTheFileAndCountsAsMapped) {
  testing::TempDir dir;
  Table table = every_type();
  write_arrow_ipc_file(table, dir.path() / "gone.arrow");
  int64_t file_bytes = static_cast<int64_t>(std::filesystem::file_size(dir.path() / "gone.arrow"));
  int64_t mapped_before = memory::mapped_bytes();
  {
    Table read = read_arrow_ipc_file(dir.path() / "gone.arrow").table;
    EXPECT_EQ(memory::mapped_bytes() - mapped_before, file_bytes);
    std::filesystem::remove(dir.path() / "gone.arrow");
    EXPECT_THAT(read, SameTableAs(table));
  }
  EXPECT_EQ(memory::mapped_bytes(), mapped_before);
}

// The buffers setlpp writes start on 64 bytes, so every engine type (decimal128 needs 16)
// is wrapped in place when mapped: reading allocates next to nothing, whatever the size.
TEST(ArrowIpc, WhatSetlppWritesIsReadWithoutCopying) {
  testing::TempDir dir;
  engine::ColumnBuilder money(DataType::decimal(18, 2)), count(DataType::int64()),
      label(DataType::string()), day(DataType::date32());
  for (int64_t row = 0; row < 200'001; ++row) {
    money.append_decimal(engine::int128{row * 7});
    count.append_int(row);
    row % 9 == 0 ? label.append_null() : label.append_string("row " + std::to_string(row));
    day.append_int(row % 20'000);
  }
  Table table = Table::from_columns({{"day", day.finish()},  // 4 bytes: the next is unaligned
                                     {"money", money.finish()},
                                     {"count", count.finish()},
                                     {"label", label.finish()}});
  write_arrow_ipc_file(table, dir.path() / "wide.arrow");
  int64_t allocated_before = memory::bytes_allocated();
  Table read = read_arrow_ipc_file(dir.path() / "wide.arrow").table;
  EXPECT_LT(memory::bytes_allocated() - allocated_before, 64 << 10);
  EXPECT_THAT(read, SameTableAs(table));
}

TEST(ArrowIpc, WhatIsNotArrowIsRefusedByName) {
  testing::TempDir dir;
  std::filesystem::path csv = dir.write("orders.csv", "id,amount\n1,2\n");
  EXPECT_THAT(testing::message_of<IoError>([&] { return read_arrow_ipc_file(csv); }),
              HasSubstr("is not an Arrow IPC file"));
  EXPECT_THAT(
      testing::message_of<IoError>([&] { return read_arrow_ipc_file(dir.path() / "none"); }),
      HasSubstr("cannot open"));
  std::istringstream text("id,amount\n1,2\n");
  EXPECT_THROW(read_arrow_ipc_stream(text), IoError);
  std::istringstream nothing;
  EXPECT_THAT(testing::message_of<IoError>([&] { return read_arrow_ipc_stream(nothing); }),
              HasSubstr("no schema message"));
}

// Every prefix of a file and of a stream, and bytes flipped anywhere: a setl::Error or a
// table, never a crash (run under the sanitizers).
class DamagedArrowIpc : public ::testing::TestWithParam<ArrowIpcCompression> {};

TEST_P(DamagedArrowIpc, DamagedBytesOnlyEverRaiseSetlErrors) {
  testing::TempDir dir;
  Table table = every_type();
  // With a dictionary column, so that damaged dictionary messages are read too.
  ArrowIpcWriteOptions options{.compression = GetParam(), .dictionary_columns = {"text"}};
  write_arrow_ipc_file(table, dir.path() / "good.arrow", options);
  std::string file = testing::read_file(dir.path() / "good.arrow");
  std::stringstream stream_bytes;
  write_arrow_ipc_stream(table, stream_bytes, options);
  std::string stream = stream_bytes.str();
  auto read_both = [&](const std::string& file_bytes, const std::string& stream_text) {
    std::filesystem::path path = dir.write("bad.arrow", file_bytes);
    try {
      static_cast<void>(read_arrow_ipc_file(path));
    } catch (const Error&) {
    }
    std::istringstream in(stream_text);
    try {
      static_cast<void>(read_arrow_ipc_stream(in));
    } catch (const Error&) {
    }
  };
  for (size_t size = 0; size < file.size(); size += 7) {
    read_both(file.substr(0, size), stream.substr(0, std::min(size, stream.size())));
  }
  std::mt19937 random(20261204);
  for (int trial = 0; trial < 400; ++trial) {
    std::string bad_file = file;
    std::string bad_stream = stream;
    for (int flips = 0; flips < 3; ++flips) {
      bad_file[random() % bad_file.size()] ^= static_cast<char>(1 << (random() % 8));
      bad_stream[random() % bad_stream.size()] ^= static_cast<char>(1 << (random() % 8));
    }
    read_both(bad_file, bad_stream);
  }
}

// The connector: save modes, projection, and `storage: ARROW` in a configuration.
TEST(ArrowIpcConnector, SavesAppendsAndScansOnlyTheColumnsAsked) {
  testing::TempDir dir;
  auto orders = make_connector<ArrowIpcConnector>(
      dir.path() / "orders.arrow", ArrowIpcOptions{.compression = ArrowIpcCompression::kZstd});
  EXPECT_FALSE(orders->exists());
  Table first = Table::from_columns(
      {{"id", testing::int64s({1, 2})}, {"city", testing::strings({"Oslo", "Lima"})}});
  orders->write(first, SaveMode::kOverwrite);
  orders->write(Table::from_columns(
                    {{"id", testing::int64s({3})}, {"city", testing::strings({std::nullopt})}}),
                SaveMode::kAppend);
  EXPECT_THAT(orders->read(),
              testing::TableIs({"id", "city"}, {{"1", "Oslo"}, {"2", "Lima"}, {"3", "null"}}));
  EXPECT_THAT(orders->scan({.columns = {"city"}}).table,
              testing::TableIs({"city"}, {{"Oslo"}, {"Lima"}, {"null"}}));
  EXPECT_THROW(orders->write(first, SaveMode::kErrorIfExists), IoError);
  orders->write(first, SaveMode::kIgnore);
  EXPECT_EQ(orders->read().num_rows(), 3);
  EXPECT_THAT(
      testing::message_of<SchemaError>([&] {
        orders->write(Table::from_columns({{"other", testing::int64s({1})}}), SaveMode::kAppend);
      }),
      HasSubstr("cannot append"));
  EXPECT_EQ(orders->schema()->to_string(), first.schema()->to_string());
  EXPECT_THAT(orders->lazy().filter("id > 1").select({"id"}).collect(),
              testing::TableIs({"id"}, {{"2"}, {"3"}}));
}

TEST(ArrowIpcConnector, IsBuiltFromConfiguration) {
  testing::TempDir dir;
  std::string path = (dir.path() / "t.arrow").string();
  auto built = build_connector(Config::from_json(R"({"storage": "ARROW", "path": ")" + path +
                                                 R"(", "compression": "lz4"})"));
  ASSERT_NE(std::dynamic_pointer_cast<ArrowIpcConnector>(built), nullptr);
  built->write(every_type(), SaveMode::kOverwrite);
  EXPECT_THAT(read_arrow_ipc_file(path).table, SameTableAs(every_type()));
  EXPECT_NE(std::dynamic_pointer_cast<ArrowIpcConnector>(build_connector(
                Config::from_json(R"({"storage": "FEATHER", "path": ")" + path + R"("})"))),
            nullptr);
  EXPECT_THAT(testing::message_of<ConfigError>([&] {
                return build_connector(Config::from_json(R"({"storage": "ARROW", "path": ")" +
                                                         path + R"(", "compression": "brotli"})"));
              }),
              HasSubstr("expected none, lz4 or zstd"));
}

INSTANTIATE_TEST_SUITE_P(Bodies, DamagedArrowIpc,
                         ::testing::Values(ArrowIpcCompression::kNone,
                                           ArrowIpcCompression::kLz4Frame,
                                           ArrowIpcCompression::kZstd));

}  // namespace
}  // namespace setl::storage
