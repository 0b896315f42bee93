// The decimal type through the public API: exact parsing, casts, arithmetic, comparisons,
// aggregates, sorting and joins, and the errors that replace lost digits.
#include "setl/engine/decimal.h"

#include <cmath>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "setl/core/error.h"
#include "setl/engine/table.h"
#include "testing/columns.h"
#include "testing/temp_dir.h"

namespace setl::engine {
namespace {

using namespace fn;

using testing::cells;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using testing::message_of;

// Prices as decimal(15,2) and rates as decimal(4,2), parsed from text as a reader would.
Table prices() {
  Table text = Table::from_columns({
      {"price", testing::strings({"19.99", "0.10", std::nullopt, "-3.50", "1000000.00"})},
      {"rate", testing::strings({"0.05", "0.20", "0.07", "0.10", "0.06"})},
      {"item", testing::strings({"a", "b", "a", "b", "a"})},
  });
  return text.select({col("price").cast(DataType::decimal(15, 2)).alias("price"),
                      col("rate").cast(parse_type("decimal(4,2)")).alias("rate"), col("item")});
}

std::vector<std::string> eval(const Table& table, const std::string& text) {
  return cells(*table.select({parse_expr(text).alias("out")}).column("out"));
}

DataType type_of(const Table& table, const std::string& text) {
  return result_type(parse_expr(text), *table.schema());
}

TEST(Decimal, TypeNamesAndLimits) {
  EXPECT_EQ(parse_type("decimal(15,2)"), DataType::decimal(15, 2));
  EXPECT_EQ(parse_type("NUMERIC(10)"), DataType::decimal(10, 0));
  EXPECT_EQ(parse_type("decimal"), DataType::decimal(18, 3));
  EXPECT_EQ(parse_type("decimal( 38 , 38 )"), DataType::decimal(38, 38));
  EXPECT_EQ(DataType::decimal(15, 2).to_string(), "decimal(15,2)");
  EXPECT_EQ(DataType::decimal(15, 2).byte_width(), 16);
  EXPECT_NE(DataType::decimal(15, 2), DataType::decimal(15, 3));
  EXPECT_THAT(message_of<SchemaError>([] { return DataType::decimal(39, 2); }),
              HasSubstr("precision must be 1 to 38"));
  EXPECT_THAT(message_of<SchemaError>([] { return DataType::decimal(5, 6); }),
              HasSubstr("scale 0 to the precision"));
  EXPECT_THAT(message_of<ParseError>([] { return parse_type("decimal(15;2)"); }),
              HasSubstr("decimal(precision,scale)"));
}

TEST(Decimal, TextParsesExactlyAndRoundsHalfAwayFromZero) {
  int128 value = 0;
  ASSERT_TRUE(parse_decimal("1.005", 10, 2, value));
  EXPECT_EQ(format_decimal(value, 2), "1.01");
  ASSERT_TRUE(parse_decimal(" -1.005 ", 10, 2, value));
  EXPECT_EQ(format_decimal(value, 2), "-1.01");
  ASSERT_TRUE(parse_decimal("1.004999", 10, 2, value));
  EXPECT_EQ(format_decimal(value, 2), "1.00");
  ASSERT_TRUE(parse_decimal("1.5e3", 10, 2, value));
  EXPECT_EQ(format_decimal(value, 2), "1500.00");
  ASSERT_TRUE(parse_decimal("-0.0001", 10, 2, value));
  EXPECT_EQ(format_decimal(value, 2), "0.00");
  ASSERT_TRUE(parse_decimal("99999999999999999999999999999999999999", 38, 0, value));
  EXPECT_EQ(format_decimal(value, 0), "99999999999999999999999999999999999999");
  EXPECT_EQ(format_decimal(-value, 38), "-0.99999999999999999999999999999999999999");
  EXPECT_FALSE(parse_decimal("100000000000000000000000000000000000000", 38, 0, value));
  EXPECT_FALSE(parse_decimal("123.45", 4, 2, value));  // 5 digits
  // More significant digits than 128 bits hold: refused or rounded, never overflowed.
  EXPECT_FALSE(parse_decimal("999999999999999999999999999999999999999999", 38, 0, value));
  ASSERT_TRUE(parse_decimal("0.999999999999999999999999999999999999994999", 38, 38, value));
  EXPECT_EQ(format_decimal(value, 38), "0.99999999999999999999999999999999999999");
  ASSERT_TRUE(parse_decimal("0." + std::string(5000, '0') + "1e5000", 10, 2, value));
  EXPECT_EQ(format_decimal(value, 2), "0.10");
  ASSERT_TRUE(parse_decimal("1" + std::string(60, '0') + "e-58", 10, 2, value));
  EXPECT_EQ(format_decimal(value, 2), "100.00");
  for (const char* bad : {"", "-", ".", "1.2.3", "1e", "12a", "0x10", "1e+", "--1"}) {
    EXPECT_FALSE(parse_decimal(bad, 10, 2, value)) << bad;
  }
}

TEST(Decimal, FloatConstantsCountAsWritten) {
  std::optional<WrittenDecimal> written = decimal_as_written(0.05);
  ASSERT_TRUE(written.has_value());
  EXPECT_EQ(format_decimal(written->unscaled, written->scale), "0.05");
  EXPECT_EQ(DataType::decimal(written->precision, written->scale), DataType::decimal(2, 2));
  written = decimal_as_written(-100.5);
  ASSERT_TRUE(written.has_value());
  EXPECT_EQ(format_decimal(written->unscaled, written->scale), "-100.5");
  EXPECT_EQ(DataType::decimal(written->precision, written->scale), DataType::decimal(4, 1));
  EXPECT_EQ(decimal_as_written(0.0)->precision, 1);
  EXPECT_FALSE(decimal_as_written(1e-7).has_value());
  EXPECT_FALSE(decimal_as_written(std::nan("")).has_value());
  EXPECT_FALSE(decimal_as_written(1e300).has_value());
}

TEST(Decimal, CastsKeepEveryDigitOrFail) {
  Table table = prices();
  EXPECT_EQ(table.schema()->field(0).type, DataType::decimal(15, 2));
  EXPECT_THAT(cells(table, "price"), ElementsAre("19.99", "0.10", "null", "-3.50", "1000000.00"));
  EXPECT_THAT(eval(table, "cast(price as int64)"), ElementsAre("20", "0", "null", "-4", "1000000"));
  EXPECT_THAT(eval(table, "cast(price as float64)"),
              ElementsAre("19.99", "0.1", "null", "-3.5", "1000000"));
  EXPECT_THAT(eval(table, "cast(price as string)"),
              ElementsAre("19.99", "0.10", "null", "-3.50", "1000000.00"));
  EXPECT_THAT(eval(table, "cast(price as decimal(9,1))"),
              ElementsAre("20.0", "0.1", "null", "-3.5", "1000000.0"));
  EXPECT_THAT(message_of<ParseError>([&] { return eval(table, "cast(price as decimal(7,1))"); }),
              HasSubstr("cannot cast 1000000.00 (decimal(15,2)) to decimal(7,1)"));
  EXPECT_THAT(eval(table, "try_cast(price as decimal(7,1))"),
              ElementsAre("20.0", "0.1", "null", "-3.5", "null"));
  EXPECT_THAT(eval(table, "cast(0.1 as decimal(3,2))"),
              ElementsAre("0.10", "0.10", "0.10", "0.10", "0.10"));
  EXPECT_THAT(message_of<ParseError>([&] { return eval(table, "cast('abc' as decimal(3,2))"); }),
              HasSubstr("cannot cast 'abc'"));
  EXPECT_THAT(message_of<ParseError>([&] { return eval(table, "cast(price as decimal(40,2))"); }),
              HasSubstr("precision must be 1 to 38"));
}

TEST(Decimal, ArithmeticIsExactWithTypesThatHoldTheResult) {
  Table table = prices();
  EXPECT_EQ(type_of(table, "price + rate"), DataType::decimal(16, 2));
  EXPECT_EQ(type_of(table, "price * rate"), DataType::decimal(19, 4));
  EXPECT_EQ(type_of(table, "price * (1 - rate)"), DataType::decimal(20, 4));
  EXPECT_EQ(type_of(table, "price + 1"), DataType::decimal(16, 2));
  // Constants fold first: 1 - 0.05 is the constant 0.95, met as written.
  EXPECT_EQ(type_of(table, "price * (1 - 0.05)"), DataType::decimal(17, 4));
  EXPECT_THAT(eval(table, "price * (1 - 0.05)"),
              ElementsAre("18.9905", "0.0950", "null", "-3.3250", "950000.0000"));
  EXPECT_EQ(type_of(table, "price / 2"), DataType::float64());
  EXPECT_EQ(type_of(table, "price + cast(1.5 as float64) * rate"), DataType::decimal(17, 3));
  EXPECT_THAT(eval(table, "price * (1 - rate)"),
              ElementsAre("18.9905", "0.0800", "null", "-3.1500", "940000.0000"));
  EXPECT_THAT(eval(table, "price - rate"),
              ElementsAre("19.94", "-0.10", "null", "-3.60", "999999.94"));
  // The classic float surprise does not happen.
  EXPECT_THAT(eval(table, "cast('0.1' as decimal(2,1)) + cast('0.2' as decimal(2,1)) = 0.3"),
              ElementsAre("true", "true", "true", "true", "true"));
  EXPECT_THAT(eval(table, "-price"), ElementsAre("-19.99", "-0.10", "null", "3.50", "-1000000.00"));
  EXPECT_THAT(eval(table, "abs(price)"),
              ElementsAre("19.99", "0.10", "null", "3.50", "1000000.00"));
  EXPECT_THAT(eval(table, "price % 1"), ElementsAre("0.99", "0.10", "null", "-0.50", "0.00"));
  EXPECT_THAT(eval(table, "round(price, 1)"),
              ElementsAre("20.0", "0.1", "null", "-3.5", "1000000.0"));
  EXPECT_THAT(eval(table, "round(price, -1)"), ElementsAre("20", "0", "null", "0", "1000000"));
  EXPECT_THAT(eval(table, "round(price)"), ElementsAre("20", "0", "null", "-4", "1000000"));
  EXPECT_THAT(eval(table, "price / 8"),
              ElementsAre("2.49875", "0.0125", "null", "-0.4375", "125000"));
  // A float column makes the arithmetic float.
  Table mixed = table.with_column("f", lit(0.5));
  EXPECT_EQ(type_of(mixed, "price * f"), DataType::float64());
}

TEST(Decimal, OverflowIsAnErrorNotAWrappedValue) {
  Table big =
      Table::from_columns({{"v", testing::strings({"99999999999999999999999999999999999999"})}})
          .select({col("v").cast(DataType::decimal(38, 0)).alias("v")});
  EXPECT_THAT(message_of<SchemaError>([&] { return eval(big, "v + 1"); }),
              HasSubstr("decimal overflow in 99999999999999999999999999999999999999 + 1"));
  EXPECT_THAT(message_of<SchemaError>([&] { return eval(big, "v * v"); }),
              HasSubstr("does not fit in decimal(38,0)"));
  Table twice = Table::from_columns({{"v", testing::strings({"6e37", "6e37"})}})
                    .select({col("v").cast(DataType::decimal(38, 0)).alias("v")});
  EXPECT_THAT(message_of<SchemaError>([&] { return twice.aggregate({sum(col("v")).alias("s")}); }),
              HasSubstr("decimal overflow in sum()"));
  EXPECT_THAT(cells(twice.aggregate({mean(col("v")).alias("m")}), "m"), ElementsAre("6e+37"));
  Table huge = Table::from_columns({{"v", testing::strings({"9e37", "9e37"})}})
                   .select({col("v").cast(DataType::decimal(38, 0)).alias("v")});
  EXPECT_THAT(message_of<SchemaError>([&] { return huge.aggregate({mean(col("v"))}); }),
              HasSubstr("decimal overflow in mean()"));
  Table fine = Table::from_columns({{"v", testing::strings({"0.5"})}})
                   .select({col("v").cast(DataType::decimal(20, 20)).alias("v")});
  EXPECT_THAT(message_of<SchemaError>([&] { return eval(fine, "v * v"); }),
              HasSubstr("needs 40 digits after the point"));
}

TEST(Decimal, ComparesExactlyWithIntegersAndConstantsAsWritten) {
  Table table = prices();
  EXPECT_THAT(eval(table, "rate between 0.05 and 0.07"),
              ElementsAre("true", "false", "true", "false", "true"));
  EXPECT_THAT(eval(table, "price > 10"), ElementsAre("true", "false", "null", "false", "true"));
  EXPECT_THAT(eval(table, "price = 0.1"), ElementsAre("false", "true", "null", "false", "false"));
  // 0.125 is compared as written, not rounded to the column's two places.
  EXPECT_THAT(eval(table, "rate in (0.125, 0.2)"),
              ElementsAre("false", "true", "false", "false", "false"));
  EXPECT_THAT(eval(table, "rate in (0.1)"),
              ElementsAre("false", "false", "false", "true", "false"));
  EXPECT_THAT(eval(table, "rate < price"), ElementsAre("true", "false", "null", "false", "true"));
  Table filtered = table.filter(col("rate") >= lit(0.06) && col("price") < lit(int64_t{100}));
  EXPECT_THAT(cells(filtered, "price"), ElementsAre("0.10", "-3.50"));
}

TEST(Decimal, AggregatesSortsAndJoinsUseTheExactValues) {
  // A million cents sum to exactly 10000.00; as float64 they would not.
  Table cents =
      Table::from_columns(
          {{"v", testing::strings(std::vector<std::optional<std::string>>(1000, "0.01"))}})
          .select({col("v").cast(DataType::decimal(3, 2)).alias("v")});
  Table thousand(cents.schema(), std::vector<RecordBatch>(1000, cents.combine()));
  Table total = thousand.aggregate({sum(col("v")).alias("s"), count_distinct(col("v")).alias("d")});
  EXPECT_EQ(total.schema()->field(0).type, DataType::decimal(38, 2));
  EXPECT_THAT(cells(total, "s"), ElementsAre("10000.00"));
  EXPECT_THAT(cells(total, "d"), ElementsAre("1"));

  Table by_item = prices()
                      .group_by({"item"})
                      .agg({sum(col("price")).alias("total"), min(col("price")).alias("low"),
                            max(col("rate")).alias("high"), mean(col("price")).alias("avg")})
                      .sort({asc("item")});
  EXPECT_THAT(cells(by_item, "total"), ElementsAre("1000019.99", "-3.40"));
  EXPECT_THAT(cells(by_item, "low"), ElementsAre("19.99", "-3.50"));
  EXPECT_THAT(cells(by_item, "high"), ElementsAre("0.07", "0.20"));
  EXPECT_THAT(cells(by_item, "avg"), ElementsAre("500009.995", "-1.7"));

  Table by_rate = prices().group_by({"rate"}).agg({count_all().alias("n")}).sort({desc("rate")});
  EXPECT_THAT(cells(by_rate, "rate"), ElementsAre("0.20", "0.10", "0.07", "0.06", "0.05"));

  Table sorted = prices().sort({desc("price")});
  EXPECT_THAT(cells(sorted, "price"), ElementsAre("1000000.00", "19.99", "0.10", "-3.50", "null"));

  Table names =
      Table::from_columns({{"rate", testing::strings({"0.2", "0.05"})},
                           {"name", testing::strings({"high", "low"})}})
          .select({col("rate").cast(DataType::decimal(10, 2)).alias("rate"), col("name")});
  Table joined = prices().join(names, "rate").sort({asc("name")});
  EXPECT_THAT(cells(joined, "price"), ElementsAre("0.10", "19.99"));
  EXPECT_THAT(message_of<SchemaError>([&] {
                return prices().join(
                    names.select({col("rate").cast(DataType::decimal(10, 3)).alias("rate")}),
                    "rate");
              }),
              HasSubstr("cast one side"));

  WindowSpec window{{"item"}, {asc("price")}};
  Table running = prices()
                      .with_column("running", cum_sum(col("price")).over(window))
                      .sort({asc("item"), asc("price")});
  EXPECT_THAT(cells(running, "running"),
              ElementsAre("null", "19.99", "1000019.99", "-3.50", "-3.40"));
}

}  // namespace
}  // namespace setl::engine
