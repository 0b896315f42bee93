// The CSV scan as a stream: blocks cut records anywhere (inside quotes, in a CRLF, in a
// multi-line field), batches stay near the requested size, and the rows equal a whole read.
#include <fstream>

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <zlib.h>
#include <zstd.h>

#include "setl/core/error.h"
#include "setl/core/memory_context.h"
#include "setl/storage/csv_connector.h"
#include "testing/stream_reading.h"
#include "testing/table_matchers.h"
#include "testing/temp_dir.h"

namespace setl::storage {
namespace {

using ::testing::HasSubstr;
using testing::read_stream;

// ~3 MiB of records with quoted commas, doubled quotes and newlines inside fields, so
// 1 MiB blocks end inside every kind of token somewhere.
std::string tricky_csv(int rows) {
  std::string text = "id,name,amount\r\n";
  for (int i = 0; i < rows; ++i) {
    std::string name = "name " + std::to_string(i);
    if (i % 7 == 0) {
      name = "\"line one\nline \"\"two\"\", " + std::to_string(i) + "\"";
    } else if (i % 5 == 0) {
      name = "\"comma, " + std::to_string(i) + "\"";
    }
    text += std::to_string(i) + "," + name + "," + std::to_string(i % 1000) + ".25\r\n";
  }
  return text;
}

void write_text(const std::filesystem::path& path, const std::string& text) {
  std::ofstream(path, std::ios::binary) << text;
}

int64_t expected_id_sum(int rows) {
  return int64_t{rows} * (rows - 1) / 2;
}

TEST(CsvStream, EqualsTheWholeReadAcrossBlockBoundaries) {
  testing::TempDir dir;
  const int rows = 120'000;
  write_text(dir.path() / "t.csv", tricky_csv(rows));
  auto csv = make_connector<CsvConnector>(dir.path() / "t.csv");
  int64_t batches = 0;
  engine::Table streamed = read_stream(*csv, 64 << 10, &batches);
  EXPECT_EQ(streamed.num_rows(), rows);
  EXPECT_GT(batches, 30);  // 64 KiB batches of a 3 MiB file
  engine::Table whole = csv->read();
  EXPECT_THAT(streamed, testing::SameTableAs(whole));
  engine::Table total = streamed.aggregate({engine::fn::sum(engine::col("id"))});
  EXPECT_EQ(total.batches()[0].column(0)->values<int64_t>()[0], expected_id_sum(rows));
  // The multi-line field of row 7 survived, wherever the blocks were cut.
  EXPECT_EQ(streamed.combine().column(1)->string_value(7), "line one\nline \"two\", 7");
}

TEST(CsvStream, BatchesStayNearTheRequestedSize) {
  testing::TempDir dir;
  write_text(dir.path() / "t.csv", tricky_csv(100'000));
  auto csv = make_connector<CsvConnector>(dir.path() / "t.csv");
  std::unique_ptr<engine::BatchStream> stream = csv->scan_stream({}, 256 << 10);
  while (std::optional<engine::RecordBatch> batch = stream->next()) {
    EXPECT_LT(batch->memory_size(), 1 << 20) << "a batch of " << batch->num_rows() << " rows";
  }
  EXPECT_EQ(stream->stats().rows, 100'000);
  EXPECT_GT(stream->stats().bytes_read, 2 << 20);
}

// The bytes `budget` has reserved for holders whose name contains `part`.
int64_t reserved_for(const memory::MemoryBudget& budget, const std::string& part) {
  int64_t bytes = 0;
  for (const auto& [holder, held] : budget.holders()) {
    if (holder.find(part) != std::string::npos) {
      bytes += held;
    }
  }
  return bytes;
}

TEST(CsvStream, UnderABudgetItsBlockIsASmallReservedShare) {
  testing::TempDir dir;
  write_text(dir.path() / "big.csv", tricky_csv(400'000));  // ~10 MiB
  auto budget = memory::MemoryBudget::create(int64_t{32} << 20);
  MemoryContextScope scope({.budget = budget, .owner = "Loader"});
  auto csv = make_connector<CsvConnector>(dir.path() / "big.csv");
  std::unique_ptr<engine::BatchStream> stream = csv->scan_stream({}, 256 << 10);
  int64_t rows = 0;
  int64_t most = 0;
  while (std::optional<engine::RecordBatch> batch = stream->next()) {
    rows += batch->num_rows();
    int64_t held = reserved_for(*budget, "CSV scan big.csv (Loader)");
    EXPECT_GT(held, 0) << "the block and the parsed batches are reserved";
    most = std::max(most, held);
  }
  EXPECT_EQ(rows, 400'000);
  // A block of at most 1/16 of the budget (2 MiB) plus the batches parsed from it.
  EXPECT_LE(most, int64_t{6} << 20);
  stream.reset();
  EXPECT_EQ(budget->used(), 0);
}

std::string gzip_text(const std::string& text) {
  z_stream stream{};
  deflateInit2(&stream, Z_DEFAULT_COMPRESSION, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY);
  std::string out(deflateBound(&stream, text.size()), '\0');
  stream.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(text.data()));
  stream.avail_in = static_cast<uInt>(text.size());
  stream.next_out = reinterpret_cast<Bytef*>(out.data());
  stream.avail_out = static_cast<uInt>(out.size());
  deflate(&stream, Z_FINISH);
  out.resize(stream.total_out);
  deflateEnd(&stream);
  return out;
}

TEST(CsvStream, OpenedWithoutABudgetItReservesNothingWhereverItIsRead) {
  testing::TempDir dir;
  write_text(dir.path() / "t.csv", tricky_csv(50'000));
  auto csv = make_connector<CsvConnector>(dir.path() / "t.csv");
  std::unique_ptr<engine::BatchStream> stream = csv->scan_stream({}, 64 << 10);
  auto budget = memory::MemoryBudget::create(int64_t{32} << 20);
  MemoryContextScope scope({.budget = budget});
  int64_t rows = 0;
  while (std::optional<engine::RecordBatch> batch = stream->next()) {
    rows += batch->num_rows();
  }
  EXPECT_EQ(rows, 50'000);
  EXPECT_EQ(budget->peak(), 0);
}

TEST(CsvStream, DecompressesGzipAndZstdPieceByPiece) {
  testing::TempDir dir;
  const int rows = 90'000;
  std::string text = tricky_csv(rows);
  write_text(dir.path() / "t.csv.gz", gzip_text(text));
  std::string zst(ZSTD_compressBound(text.size()), '\0');
  zst.resize(ZSTD_compress(zst.data(), zst.size(), text.data(), text.size(), 3));
  write_text(dir.path() / "t.csv.zst", zst);
  write_text(dir.path() / "t.csv", text);
  engine::Table plain = make_connector<CsvConnector>(dir.path() / "t.csv")->read();
  for (const char* name : {"t.csv.gz", "t.csv.zst"}) {
    auto csv = make_connector<CsvConnector>(dir.path() / name);
    int64_t batches = 0;
    EXPECT_THAT(read_stream(*csv, 64 << 10, &batches), testing::SameTableAs(plain)) << name;
    EXPECT_GT(batches, 10) << name;
  }
  // A truncated compressed file is an error, not a short table.
  std::string cut = gzip_text(text);
  cut.resize(cut.size() / 2);
  write_text(dir.path() / "cut.csv.gz", cut);
  auto truncated = make_connector<CsvConnector>(dir.path() / "cut.csv.gz");
  EXPECT_THROW((void)truncated->read(), IoError);
}

TEST(CsvStream, ErrorsInLaterBlocksNameTheirLine) {
  testing::TempDir dir;
  std::string text = "id,amount\n";
  for (int i = 0; i < 200'000; ++i) {
    text += std::to_string(i) + "," + (i == 150'000 ? "abc" : std::to_string(i)) + "\n";
  }
  write_text(dir.path() / "t.csv", text);
  CsvOptions options;
  options.schema = std::make_shared<engine::Schema>(std::vector<engine::Field>{
      {"id", engine::DataType::int64(), true}, {"amount", engine::DataType::int64(), true}});
  auto csv = make_connector<CsvConnector>(dir.path() / "t.csv", options);
  try {
    int64_t batches = 0;
    (void)read_stream(*csv, 64 << 10, &batches);
    FAIL() << "expected a ParseError";
  } catch (const ParseError& error) {
    EXPECT_THAT(error.what(), HasSubstr(":150002:"));
  }
}

TEST(CsvStream, AnUnclosedQuoteIsAnErrorNotAnEndlessBuffer) {
  testing::TempDir dir;
  std::string text = "id,name\n1,\"never closed\n";
  text += std::string(3 << 20, 'x');
  write_text(dir.path() / "t.csv", text);
  auto csv = make_connector<CsvConnector>(dir.path() / "t.csv");
  EXPECT_THROW((void)csv->read(), ParseError);
}

}  // namespace
}  // namespace setl::storage
