// Parquet input that once corrupted memory or made row-group pruning drop rows.
#include <cmath>
#include <cstring>
#include <functional>
#include <limits>
#include <sstream>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "setl/core/error.h"
#include "setl/storage/parquet_connector.h"
#include "storage/parquet/column_decoder.h"
#include "storage/parquet/encoding.h"
#include "storage/parquet/metadata.h"
#include "testing/columns.h"
#include "testing/temp_dir.h"

namespace setl::storage {
namespace {

using ::testing::HasSubstr;
using testing::message_of;
namespace format = parquet::format;

constexpr double kNan = std::numeric_limits<double>::quiet_NaN();

std::string parquet_bytes(const engine::Table& table, ParquetOptions options = {}) {
  std::ostringstream out;
  write_parquet(table, out, options);
  return out.str();
}

// The same file with its footer rewritten by `mutate`.
std::string with_footer(const std::string& file,
                        const std::function<void(format::FileMetaData&)>& mutate) {
  uint32_t length = 0;
  std::memcpy(&length, file.data() + file.size() - 8, 4);
  size_t start = file.size() - 8 - length;
  format::FileMetaData metadata =
      parquet::parse_file_metadata(reinterpret_cast<const uint8_t*>(file.data() + start), length);
  mutate(metadata);
  std::string footer;
  parquet::append_serialized(metadata, footer);
  std::string out = file.substr(0, start) + footer;
  auto size = static_cast<uint32_t>(footer.size());
  out.append(reinterpret_cast<const char*>(&size), 4);
  return out + "PAR1";
}

engine::Table read_bytes(std::string bytes) {
  return read_parquet_bytes(std::make_shared<const std::string>(std::move(bytes)), "crafted");
}

engine::Table sample(int64_t rows) {
  engine::ColumnBuilder ints(engine::DataType::int64());
  engine::ColumnBuilder texts(engine::DataType::string());
  for (int64_t i = 0; i < rows; ++i) {
    ints.append_int(i);
    texts.append_string("value " + std::to_string(i % 3));
  }
  return engine::Table::from_columns({{"i", ints.finish()}, {"s", texts.finish()}});
}

// Finding: a footer row count wrapped `sizeof(T) * rows`, then the decoder wrote past the
// buffer. Every claimed row count, big or off by one, is now a ParseError before any
// allocation sized by it.
TEST(ParquetInput, AFooterRowCountThatLiesIsAParseError) {
  std::string file = parquet_bytes(sample(10));
  for (int64_t claim : {int64_t{11}, int64_t{9}, int64_t{1} << 31, int64_t{1} << 62,
                        std::numeric_limits<int64_t>::max(), int64_t{-1}}) {
    std::string crafted = with_footer(file, [&](format::FileMetaData& metadata) {
      metadata.row_groups[0].num_rows = claim;
      metadata.num_rows = claim;
    });
    EXPECT_THROW(read_bytes(crafted), ParseError) << claim;
  }
  // A column chunk whose value count disagrees with its row group.
  std::string crafted = with_footer(file, [](format::FileMetaData& metadata) {
    metadata.row_groups[0].columns[1].meta_data.num_values = int64_t{1} << 40;
  });
  EXPECT_THAT(message_of<ParseError>([&] { return read_bytes(crafted); }), HasSubstr("declares"));
}

// Finding: a list length in the footer overflowed a multiplication inside libthrift
// (undefined behaviour). Lengths are checked against the bytes before libthrift runs.
TEST(ParquetInput, AHugeListLengthInTheFooterIsAParseError) {
  std::string footer;
  footer += '\x15';  // field 1 (version), i32
  footer += '\x02';
  footer += '\x19';                  // field 2 (schema), list
  footer += '\xFC';                  // size 15 => varint follows; element type 12 (struct)
  footer += "\xFF\xFF\xFF\xFF\x07";  // 2^31 - 1 elements
  footer += std::string(16, '\0');
  std::string file = "PAR1" + footer;
  auto size = static_cast<uint32_t>(footer.size());
  file.append(reinterpret_cast<const char*>(&size), 4);
  file += "PAR1";
  EXPECT_THAT(message_of<ParseError>([&] { return read_bytes(file); }),
              HasSubstr("runs past the end"));
  // Bytes whose wire types say "list of i32" but which the generated reader, trusting the
  // schema, reads as structs holding a map of 2^31 - 1 (double, double) entries (found by
  // fuzz_parquet: libthrift multiplied 16 by that size in `int`).
  std::string mismatch = std::string("\x15\x02\x19\x25\x1B\xFF\xFF\xFF\xFF\x07\x77", 11) +
                         std::string(8, '\0') + std::string(1, '\0');
  std::string typed = "PAR1" + mismatch;
  size = static_cast<uint32_t>(mismatch.size());
  typed.append(reinterpret_cast<const char*>(&size), 4);
  typed += "PAR1";
  EXPECT_THROW(read_bytes(typed), ParseError);
  // Nesting deeper than the validator allows.
  std::string deep = "PAR1";
  std::string nested;
  for (int i = 0; i < 200; ++i) {
    nested += '\x1C';  // field +1, struct
  }
  nested += std::string(200, '\0');
  deep += nested;
  size = static_cast<uint32_t>(nested.size());
  deep.append(reinterpret_cast<const char*>(&size), 4);
  deep += "PAR1";
  EXPECT_THAT(message_of<ParseError>([&] { return read_bytes(deep); }), HasSubstr("nesting"));
}

// Finding: `d != 0` skipped a row group whose min = max = 0 that also held NaN.
TEST(ParquetInput, RowGroupPruningKeepsEveryRowAnEagerFilterKeeps) {
  testing::TempDir dir;
  engine::Table table = engine::Table::from_columns(
      {{"d", testing::float64s({0.0, 0.0, kNan, -0.0, 0.0, std::nullopt, 1.0, kNan, 2.0})}});
  auto connector = make_connector<ParquetConnector>(dir.path() / "nan.parquet",
                                                    ParquetOptions{.row_group_rows = 3});
  connector->write(table, SaveMode::kOverwrite);
  for (const char* predicate :
       {"d != 0", "d = 0", "d > 0", "d >= 0", "d < 1", "d <= 0", "d != 1", "d is null",
        "d is not null", "d in (0, 2)", "not (d = 0)", "d != -0.0", "d > -1 or d is null"}) {
    int64_t eager = table.filter(predicate).num_rows();
    int64_t pushed = connector->lazy().filter(predicate).collect().num_rows();
    EXPECT_EQ(pushed, eager) << predicate;
  }
}

// Pages of one string chunk, as a decoder that keeps dictionary codes sees them.
class StringPages {
 public:
  StringPages() {
    column_.name = "s";
    column_.physical = format::Type::BYTE_ARRAY;
    column_.type = engine::DataType::string();
  }
  std::unique_ptr<parquet::ColumnDecoder> decoder(int64_t rows) {
    return parquet::make_column_decoder(column_, rows, true);
  }
  static std::string plain(const std::vector<std::string>& values) {
    std::string out;
    for (const std::string& value : values) {
      auto size = static_cast<uint32_t>(value.size());
      out.append(reinterpret_cast<const char*>(&size), 4);
      out += value;
    }
    return out;
  }
  static std::string indices(const std::vector<uint32_t>& codes, int bit_width = 2) {
    std::string out(1, static_cast<char>(bit_width));
    parquet::rle_encode(codes.data(), static_cast<int64_t>(codes.size()), bit_width, out);
    return out;
  }
  static void page(parquet::ColumnDecoder& decoder, const std::string& data, int64_t rows,
                   format::Encoding::type encoding, const uint32_t* levels = nullptr,
                   int64_t present = -1) {
    decoder.data_page(reinterpret_cast<const uint8_t*>(data.data()), data.size(), rows, levels,
                      present < 0 ? rows : present, encoding);
  }
  static void dictionary(parquet::ColumnDecoder& decoder, const std::vector<std::string>& words) {
    std::string data = plain(words);
    decoder.dictionary_page(reinterpret_cast<const uint8_t*>(data.data()), data.size(),
                            static_cast<int64_t>(words.size()));
  }
  static std::vector<std::string> cells(const engine::Column& column) {
    std::vector<std::string> out;
    for (int64_t row = 0; row < column.length(); ++row) {
      out.push_back(column.scalar(row).to_display());
    }
    return out;
  }

 private:
  parquet::FlatColumn column_;
};

TEST(ParquetInput, DictionaryCodesThenPlainPagesInOneChunkDecodeToTheSameStrings) {
  // A writer whose dictionary fills up goes on with plain pages in the same chunk.
  StringPages pages;
  auto decoder = pages.decoder(7);
  StringPages::dictionary(*decoder, {"a", "bb", "ccc"});
  uint32_t levels[] = {1, 0, 1};
  StringPages::page(*decoder, StringPages::indices({2, 0}), 3, format::Encoding::RLE_DICTIONARY,
                    levels, 2);
  StringPages::page(*decoder, StringPages::indices({1, 1}), 2, format::Encoding::RLE_DICTIONARY);
  engine::ColumnPtr first = decoder->flush();
  ASSERT_TRUE(first->is_dictionary());
  EXPECT_EQ(StringPages::cells(*first), (std::vector<std::string>{"ccc", "null", "a", "bb", "bb"}));
  StringPages::page(*decoder, StringPages::indices({0}), 1, format::Encoding::RLE_DICTIONARY);
  StringPages::page(*decoder, StringPages::plain({"plain"}), 1, format::Encoding::PLAIN);
  engine::ColumnPtr rest = decoder->finish();
  EXPECT_FALSE(rest->is_dictionary()) << "a piece with a plain page is plain";
  EXPECT_EQ(StringPages::cells(*rest), (std::vector<std::string>{"a", "plain"}));
}

TEST(ParquetInput, AnEmptyDictionaryForAPageOfNullsIsRead) {
  StringPages pages;
  auto decoder = pages.decoder(2);
  StringPages::dictionary(*decoder, {});
  uint32_t levels[] = {0, 0};
  StringPages::page(*decoder, std::string(1, '\0'), 2, format::Encoding::RLE_DICTIONARY, levels, 0);
  engine::ColumnPtr column = decoder->finish();
  EXPECT_EQ(column->null_count(), 2);
  EXPECT_EQ(StringPages::cells(*column), (std::vector<std::string>{"null", "null"}));
}

TEST(ParquetInput, ASecondDictionaryPageKeepsTheRowsOfTheFirst) {
  StringPages pages;
  auto decoder = pages.decoder(3);
  StringPages::dictionary(*decoder, {"old", "older"});
  StringPages::page(*decoder, StringPages::indices({1, 0}), 2, format::Encoding::RLE_DICTIONARY);
  StringPages::dictionary(*decoder, {"new"});
  StringPages::page(*decoder, StringPages::indices({0}), 1, format::Encoding::RLE_DICTIONARY);
  engine::ColumnPtr column = decoder->finish();
  EXPECT_EQ(StringPages::cells(*column), (std::vector<std::string>{"older", "old", "new"}));
}

TEST(ParquetInput, AnEncodedIndexPastTheDictionaryIsAParseError) {
  StringPages pages;
  auto decoder = pages.decoder(2);
  StringPages::dictionary(*decoder, {"only"});
  EXPECT_THAT(message_of<ParseError>([&] {
                StringPages::page(*decoder, StringPages::indices({0, 3}), 2,
                                  format::Encoding::RLE_DICTIONARY);
              }),
              HasSubstr("dictionary index 3 is out of range"));
  auto without = pages.decoder(1);
  EXPECT_THAT(message_of<ParseError>([&] {
                StringPages::page(*without, StringPages::indices({0}), 1,
                                  format::Encoding::RLE_DICTIONARY);
              }),
              HasSubstr("without a dictionary page"));
}

}  // namespace
}  // namespace setl::storage
