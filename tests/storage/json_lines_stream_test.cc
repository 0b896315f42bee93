// The JSON Lines scan as a stream: blocks end anywhere (inside strings, escapes, a line
// longer than a block), the rows equal a whole read, gzip streams too, and errors name
// the line in the file, not in the block.
#include <fstream>

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <zlib.h>

#include "setl/core/error.h"
#include "setl/storage/json_lines_connector.h"
#include "testing/stream_reading.h"
#include "testing/table_matchers.h"
#include "testing/temp_dir.h"

namespace setl::storage {
namespace {

using ::testing::HasSubstr;
using testing::read_stream;

// About 4 MiB of objects with escapes, unicode, nulls, nested values and, every so often,
// a line of 1.5 MiB (longer than one block).
std::string tricky_lines(int rows) {
  std::string text = "\xEF\xBB\xBF";  // a byte order mark
  for (int i = 0; i < rows; ++i) {
    std::string note = "note \\\"" + std::to_string(i) + "\\\"\\n\\u00e9";
    if (i % 40'000 == 1) {
      note = std::string(size_t{3} << 19, 'x');
    }
    text += "{\"id\": " + std::to_string(i) + ", \"note\": \"" + note + "\", \"amount\": " +
            (i % 9 == 0 ? std::string("null") : std::to_string(i % 1000) + ".5") + ", \"tags\": [" +
            std::to_string(i % 3) + "]}";
    if (i + 1 < rows) {
      text += "\n";  // no newline after the last line
    }
  }
  return text;
}

TEST(JsonLinesStream, EqualsTheWholeReadAcrossBlockBoundaries) {
  testing::TempDir dir;
  const int rows = 60'000;
  std::ofstream(dir.path() / "t.jsonl", std::ios::binary) << tricky_lines(rows);
  auto jsonl = make_connector<JsonLinesConnector>(dir.path() / "t.jsonl");
  int64_t batches = 0;
  engine::Table streamed = read_stream(*jsonl, 4096, &batches);
  EXPECT_GT(batches, 4);
  EXPECT_EQ(streamed.num_rows(), rows);
  EXPECT_THAT(streamed, testing::SameTableAs(jsonl->read()));
}

TEST(JsonLinesStream, GzipStreamsToo) {
  testing::TempDir dir;
  std::string text = tricky_lines(20'000);
  gzFile out = gzopen((dir.path() / "t.jsonl.gz").c_str(), "wb");
  ASSERT_NE(out, nullptr);
  ASSERT_EQ(gzwrite(out, text.data(), static_cast<unsigned>(text.size())),
            static_cast<int>(text.size()));
  gzclose(out);
  std::ofstream(dir.path() / "t.jsonl", std::ios::binary) << text;
  int64_t batches = 0;
  engine::Table streamed =
      read_stream(*make_connector<JsonLinesConnector>(dir.path() / "t.jsonl.gz"), 4096, &batches);
  EXPECT_THAT(streamed, testing::SameTableAs(
                            make_connector<JsonLinesConnector>(dir.path() / "t.jsonl")->read()));
}

TEST(JsonLinesStream, AnErrorInALaterBlockNamesItsLineInTheFile) {
  testing::TempDir dir;
  std::string text;
  for (int i = 0; i < 100'000; ++i) {
    text +=
        i == 90'000 ? "{\"id\": \"ninety thousand\"}\n" : "{\"id\": " + std::to_string(i) + "}\n";
  }
  std::ofstream(dir.path() / "t.jsonl", std::ios::binary) << text;
  auto jsonl = make_connector<JsonLinesConnector>(dir.path() / "t.jsonl");
  int64_t batches = 0;
  EXPECT_THAT(testing::message_of<ParseError>([&] { (void)read_stream(*jsonl, 4096, &batches); }),
              HasSubstr("t.jsonl:90001"));
}

TEST(JsonLinesStream, AnIncompleteLastLineIsAParseError) {
  testing::TempDir dir;
  std::ofstream(dir.path() / "t.jsonl", std::ios::binary) << "{\"id\": 1}\n{\"id\": 2, \"x\": [";
  auto jsonl = make_connector<JsonLinesConnector>(dir.path() / "t.jsonl");
  int64_t batches = 0;
  EXPECT_THROW((void)read_stream(*jsonl, 4096, &batches), ParseError);
}

}  // namespace
}  // namespace setl::storage
