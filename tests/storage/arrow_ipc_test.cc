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

#include "setl/core/error.h"
#include "setl/core/memory.h"
#include "setl/engine/builder.h"
#include "setl/engine/column.h"
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

TEST(ArrowIpc, DictionaryEncodedStringsAreWrittenDecoded) {
  ColumnPtr dictionary = testing::strings({"red", "green"});
  engine::BufferPtr codes = engine::Buffer::allocate(4 * sizeof(int32_t));
  auto* code = reinterpret_cast<int32_t*>(codes->mutable_data());
  code[0] = 1, code[1] = 0, code[2] = 1, code[3] = 1;
  Table table =
      Table::from_columns({{"colour", engine::Column::dictionary_encoded(dictionary, 4, codes)}});
  EXPECT_THAT(through_stream(table),
              testing::TableIs({"colour"}, {{"green"}, {"red"}, {"green"}, {"green"}}));
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
TEST(ArrowIpc, DamagedBytesOnlyEverRaiseSetlErrors) {
  testing::TempDir dir;
  Table table = every_type();
  write_arrow_ipc_file(table, dir.path() / "good.arrow");
  std::string file = testing::read_file(dir.path() / "good.arrow");
  std::stringstream stream_bytes;
  write_arrow_ipc_stream(table, stream_bytes);
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

}  // namespace
}  // namespace setl::storage
