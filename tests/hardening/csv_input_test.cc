// CSV input that once corrupted memory or gave silently wrong rows.
#include <thread>

#include <fcntl.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zstd.h>

#include "setl/core/error.h"
#include "setl/storage/csv_connector.h"
#include "setl/storage/json_lines_connector.h"
#include "testing/columns.h"
#include "testing/temp_dir.h"

namespace setl::storage {
namespace {

using testing::cells;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using testing::message_of;

engine::Table read_csv(const std::filesystem::path& path, CsvOptions options = {}) {
  return make_connector<CsvConnector>(path, options)->read();
}

// Finding: after a malformed record, the next one was mapped through stale field indexes.
TEST(CsvInput, ARecordAfterAMalformedOneKeepsItsOwnFields) {
  testing::TempDir dir;
  // The bad record fails on its second field, after the first was already recorded.
  auto path =
      dir.write("people.csv", "name,city\nAl,\"Paris\"x\n\"Bob\",Berlin\n\"Eve\",\"Rome\"\n");
  CsvOptions options;
  options.permissive = true;
  engine::Table table = read_csv(path, options);
  EXPECT_THAT(cells(table, "name"), ElementsAre("Bob", "Eve"));
  EXPECT_THAT(cells(table, "city"), ElementsAre("Berlin", "Rome"));
}

// Finding: a quote inside an unquoted field flipped the parallel splitter's state, so a
// later quoted multi-line field was cut in two. Checked at every split granularity.
TEST(CsvInput, SplitPointsAgreeWithTheTokenizerOnQuotes) {
  testing::TempDir dir;
  std::string text = "id,item,note\n";
  for (int i = 0; i < 200; ++i) {
    text += std::to_string(i) + ",5\" screen,\"line one\nline \"\"two\"\"\"\n";
  }
  auto path = dir.write("items.csv", text);
  for (int64_t batch_rows : {1, 2, 3, 7, 64, 100000}) {
    for (bool permissive : {false, true}) {
      CsvOptions options;
      options.batch_rows = batch_rows;
      options.permissive = permissive;
      auto connector = make_connector<CsvConnector>(path, options);
      engine::ScanResult scanned = connector->scan({});
      const engine::Table& table = scanned.table;
      ASSERT_EQ(table.num_rows(), 200) << "batch_rows " << batch_rows;
      EXPECT_EQ(scanned.stats.rejected_rows, 0);
      EXPECT_EQ(table.at(199, "item").as_string(), "5\" screen");
      EXPECT_EQ(table.at(199, "note").as_string(), "line one\nline \"two\"");
    }
  }
}

// Finding: the UTF-8 byte order mark stayed in the first column's name.
TEST(CsvInput, AByteOrderMarkIsNotPartOfTheFirstName) {
  testing::TempDir dir;
  auto path = dir.write("bom.csv", "\xEF\xBB\xBFid,name\n1,a\n");
  EXPECT_EQ(read_csv(path).schema()->to_string(), "id: int64, name: string");
  CsvOptions headerless;
  headerless.header = false;
  EXPECT_EQ(read_csv(path, headerless).at(0, "column_1").as_string(), "id");
  auto json = dir.write("bom.jsonl", "\xEF\xBB\xBF{\"id\":1}\n");
  EXPECT_EQ(make_connector<JsonLinesConnector>(json)->read().schema()->to_string(), "id: int64");
}

// Finding: one row with 100,000 columns took 19 s and 2 GB (per-column capacity and a
// linear name lookup per column).
TEST(CsvInput, AVeryWideRowReadsCorrectly) {
  testing::TempDir dir;
  std::string header;
  std::string row;
  for (int c = 0; c < 100000; ++c) {
    header += (c ? "," : "") + std::string("c") + std::to_string(c);
    row += (c ? "," : "") + std::to_string(c);
  }
  auto path = dir.write("wide.csv", header + "\n" + row + "\n");
  engine::Table table = read_csv(path);
  EXPECT_EQ(table.num_columns(), 100000u);
  EXPECT_EQ(table.at(0, "c99999").as_int(), 99999);
  EXPECT_EQ(table.schema()->index_of("c54321"), 54321u);
}

// Finding: a directory or a pipe was sized with tellg(): std::bad_alloc / length_error.
TEST(CsvInput, ADirectoryIsAnIoErrorAndAPipeIsRead) {
  testing::TempDir dir;
  std::filesystem::create_directory(dir.path() / "not_a_file.csv");
  EXPECT_THAT(message_of<IoError>([&] { return read_csv(dir.path() / "not_a_file.csv"); }),
              HasSubstr("is a directory"));
  std::filesystem::path fifo = dir.path() / "pipe.csv";
  ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
  std::thread writer([&] {
    int fd = ::open(fifo.c_str(), O_WRONLY);
    std::string text = "a,b\n1,2\n3,4\n";
    EXPECT_EQ(::write(fd, text.data(), text.size()), static_cast<ssize_t>(text.size()));
    ::close(fd);
  });
  CsvOptions options;
  options.infer_rows = 0;
  options.schema = std::make_shared<engine::Schema>(std::vector<engine::Field>{
      {"a", engine::DataType::int64(), true}, {"b", engine::DataType::int64(), true}});
  engine::Table table = read_csv(fifo, options);
  writer.join();
  EXPECT_THAT(cells(table, "b"), ElementsAre("2", "4"));
}

// Finding: a 7.9 KB .zst inflated to 256 MB before parsing. The limits apply while
// decompressing (small ones here, so the test stays small).
TEST(CsvInput, DecompressionStopsAtTheExpansionLimit) {
  testing::TempDir dir;
  std::string plain = "a\n" + std::string(size_t{8} << 20, '1') + "\n";
  std::string packed(ZSTD_compressBound(plain.size()), '\0');
  packed.resize(ZSTD_compress(packed.data(), packed.size(), plain.data(), plain.size(), 1));
  auto path = dir.write("bomb.csv.zst", packed);
  DecompressionLimits saved = decompression_limits();
  EXPECT_EQ(saved.max_ratio, 1000);  // the defaults
  set_decompression_limits(
      {.max_bytes = saved.max_bytes, .max_ratio = 100, .ratio_floor = 1 << 20});
  EXPECT_THAT(message_of<ResourceError>([&] { return read_csv(path); }),
              HasSubstr("decompression bomb"));
  set_decompression_limits({.max_bytes = 4 << 20, .max_ratio = 1e9, .ratio_floor = 0});
  EXPECT_THAT(message_of<ResourceError>([&] { return read_csv(path); }),
              HasSubstr("exceeds the limit"));
  set_decompression_limits({.max_bytes = saved.max_bytes, .max_ratio = 1e9, .ratio_floor = 0});
  EXPECT_EQ(read_csv(path).num_rows(), 1);
  set_decompression_limits(saved);
  EXPECT_THROW(set_decompression_limits({.max_bytes = 0}), ConfigError);
}

}  // namespace
}  // namespace setl::storage
