#include "setl/engine/column.h"

#include <random>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "setl/core/error.h"
#include "setl/core/memory.h"
#include "setl/engine/builder.h"
#include "setl/engine/table.h"
#include "testing/columns.h"

namespace setl::engine {
namespace {

using testing::cells;
using ::testing::ElementsAre;

TEST(Buffer, IsAlignedPaddedAndCounted) {
  int64_t before = memory::bytes_allocated();
  {
    auto buffer = Buffer::allocate(100);
    EXPECT_EQ(reinterpret_cast<uintptr_t>(buffer->data()) % 64, 0u);
    EXPECT_EQ(buffer->size(), 100u);
    EXPECT_EQ(memory::bytes_allocated() - before, 128);
  }
  EXPECT_EQ(memory::bytes_allocated(), before);
}

TEST(ColumnBuilder, BuildsEveryTypeWithNulls) {
  EXPECT_THAT(cells(*testing::int64s({1, std::nullopt, 3})), ElementsAre("1", "null", "3"));
  EXPECT_THAT(cells(*testing::float64s({1.5, std::nullopt})), ElementsAre("1.5", "null"));
  EXPECT_THAT(cells(*testing::strings({"a", std::nullopt, "ünï"})),
              ElementsAre("a", "null", "ünï"));
  EXPECT_THAT(cells(*testing::bools({true, false, std::nullopt})),
              ElementsAre("true", "false", "null"));
  EXPECT_THAT(cells(*testing::dates({"2024-02-29", std::nullopt})),
              ElementsAre("2024-02-29", "null"));
  ColumnPtr column = testing::int64s({1, std::nullopt, 3});
  EXPECT_EQ(column->null_count(), 1);
  EXPECT_TRUE(column->is_null(1));
}

TEST(ColumnBuilder, WithoutNullsHasNoValidityBitmap) {
  ColumnPtr column = testing::int64s({1, 2, 3});
  EXPECT_EQ(column->validity_buffer(), nullptr);
  EXPECT_EQ(column->null_count(), 0);
}

TEST(ColumnBuilder, RejectsTheWrongTypeAndOutOfRangeValues) {
  ColumnBuilder builder(DataType::int32());
  EXPECT_THROW(builder.append_string("x"), SchemaError);
  EXPECT_THROW(builder.append_int(int64_t{1} << 40), SchemaError);
}

TEST(ColumnBuilder, AppendsTextParsedAsItsTypeAndNullForWhatIsNot) {
  struct Case {
    DataType type;
    std::vector<const char*> texts;
    std::vector<bool> ok;
    std::string shown;
  };
  std::vector<Case> cases = {
      {DataType::int64(), {"42", " -7 ", "4.5"}, {true, true, false}, "42|-7|null"},
      {DataType::int32(), {"7", "3000000000"}, {true, false}, "7|null"},
      {DataType::boolean(),
       {"t", "0", "TRUE", "maybe"},
       {true, true, true, false},
       "true|false|true|null"},
      {DataType::float64(), {"2.5", "x"}, {true, false}, "2.5|null"},
      {DataType::date32(), {"2024-02-29", "2023-02-29"}, {true, false}, "2024-02-29|null"},
      {DataType::timestamp(),
       {"2024-03-01 12:30:15.25", "noon"},
       {true, false},
       "2024-03-01 12:30:15.250000|null"},
      {DataType::decimal(5, 2), {"123.45", "1234.5"}, {true, false}, "123.45|null"},
      {DataType::string(), {"", "any text"}, {true, true}, "|any text"},
  };
  for (const Case& c : cases) {
    ColumnBuilder builder(c.type);
    for (size_t i = 0; i < c.texts.size(); ++i) {
      EXPECT_EQ(builder.append_text(c.texts[i]), c.ok[i])
          << c.type.to_string() << " " << c.texts[i];
    }
    Table table = Table::from_columns({{"v", builder.finish()}});
    std::vector<std::string> values = cells(table, "v");
    std::string shown = values.empty() ? "" : values[0];
    for (size_t i = 1; i < values.size(); ++i) {
      shown += "|" + values[i];
    }
    EXPECT_EQ(shown, c.shown) << c.type.to_string();
  }
}

TEST(ColumnBuilder, ManyValuesCrossBufferGrowth) {
  ColumnBuilder builder(DataType::string());
  for (int i = 0; i < 10'000; ++i) {
    i % 7 == 0 ? builder.append_null() : builder.append_string(std::to_string(i));
  }
  ColumnPtr column = builder.finish();
  EXPECT_EQ(column->length(), 10'000);
  EXPECT_EQ(column->string_value(9'999), "9999");
  EXPECT_TRUE(column->is_null(7'000));
  EXPECT_EQ(column->null_count(), 1'429);
}

TEST(Column, SlicesShareBuffersAndKeepNulls) {
  ColumnPtr column = testing::strings({"a", std::nullopt, "c", "d"});
  ColumnPtr slice = column->slice(1, 2);
  EXPECT_EQ(slice->values_buffer(), column->values_buffer());
  EXPECT_THAT(cells(*slice), ElementsAre("null", "c"));
  EXPECT_EQ(slice->null_count(), 1);
  EXPECT_EQ(column->slice(2, 2)->null_count(), 0);
  EXPECT_THROW(column->slice(3, 2), StateError);
}

TEST(Column, ConstantAndNulls) {
  EXPECT_THAT(cells(*Column::constant(Scalar::string("x"), 3)), ElementsAre("x", "x", "x"));
  EXPECT_THAT(cells(*Column::nulls(DataType::int64(), 2)), ElementsAre("null", "null"));
  EXPECT_EQ(Column::nulls(DataType::int64(), 2)->null_count(), 2);
}

TEST(Bitmap, CountsSetBitsAtAnyOffset) {
  uint8_t bits[16] = {};
  for (int i = 0; i < 128; i += 3) {
    set_bit(bits, i, true);
  }
  EXPECT_EQ(count_set_bits(bits, 0, 128), 43);
  EXPECT_EQ(count_set_bits(bits, 5, 100), 33);
}

// Every offset and length against the bit-by-bit copy, reading only the source bytes the
// range covers (the source here ends exactly there).
TEST(Bitmap, CopiesBitsFromAnyOffsetToBitZero) {
  std::mt19937 random(11);
  for (int64_t offset = 0; offset < 20; ++offset) {
    for (int64_t length = 0; length < 70; ++length) {
      std::vector<uint8_t> source(static_cast<size_t>((offset + length + 7) / 8));
      for (uint8_t& byte : source) {
        byte = static_cast<uint8_t>(random());
      }
      std::vector<uint8_t> copied(static_cast<size_t>((length + 7) / 8), 0xFF);
      copy_bits(source.data(), offset, length, copied.data());
      std::vector<uint8_t> expected(copied.size(), 0);
      for (int64_t i = 0; i < length; ++i) {
        set_bit(expected.data(), i, get_bit(source.data(), offset + i));
      }
      ASSERT_EQ(copied, expected) << "offset " << offset << ", length " << length;
    }
  }
}

TEST(Scalar, FormatsDatesAndTimestamps) {
  EXPECT_EQ(format_date(0), "1970-01-01");
  EXPECT_EQ(format_date(-1), "1969-12-31");
  EXPECT_EQ(format_date(days_from_civil(2000, 2, 29)), "2000-02-29");
  EXPECT_EQ(format_timestamp(86'400'000'000LL + 3'723'000'001LL), "1970-01-02 01:02:03.000001");
  EXPECT_EQ(Scalar::string("it's").to_string(), "'it''s'");
}

}  // namespace
}  // namespace setl::engine
