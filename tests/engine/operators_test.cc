// sort, group_by/agg, aggregate, distinct and join on small tables with the cases that
// break engines: NULLs, empty inputs, one row, all-NULL columns, duplicate and skewed keys,
// multi-byte UTF-8.
#include <limits>

#include <fmt/format.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "setl/core/error.h"
#include "setl/engine/builder.h"
#include "setl/engine/lazy_frame.h"
#include "setl/engine/table.h"
#include "testing/columns.h"
#include "testing/temp_dir.h"

namespace setl::engine {
namespace {

using namespace fn;  // the expression functions: sum, count, year, ...

using testing::cells;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using testing::message_of;

Table sales() {
  return Table::from_columns({
      {"city", testing::strings({"NYC", "LA", "NYC", std::nullopt, "Zürich", "LA", "NYC"})},
      {"amount", testing::int64s({10, 5, std::nullopt, 7, 3, 5, 20})},
      {"price", testing::float64s({1.0, 2.0, 3.0, 4.0, std::nullopt, 6.0, 7.0})},
  });
}

TEST(Sort, MultiKeyWithNullOrderAndStability) {
  Table sorted = sales().sort({asc("city"), desc("amount")});
  EXPECT_THAT(cells(sorted, "city"),
              ElementsAre("null", "LA", "LA", "NYC", "NYC", "NYC", "Zürich"));
  EXPECT_THAT(cells(sorted, "amount"), ElementsAre("7", "5", "5", "20", "10", "null", "3"));
  // Stable: the two LA rows with amount 5 keep their input order (prices 2 then 6).
  EXPECT_THAT(cells(sorted, "price"), ElementsAre("4", "2", "6", "7", "1", "3", "null"));
  Table nulls_last = sales().sort({{"amount", false, false}});
  EXPECT_THAT(cells(nulls_last, "amount"), ElementsAre("3", "5", "5", "7", "10", "20", "null"));
  EXPECT_THAT(message_of<SchemaError>([] { return sales().sort({asc("cty")}); }),
              HasSubstr("did you mean \"city\""));
}

TEST(Sort, EmptyAndSingleRow) {
  EXPECT_EQ(sales().filter("false").sort({asc("city")}).num_rows(), 0);
  EXPECT_THAT(cells(sales().limit(1).sort({desc("city")}), "city"), ElementsAre("NYC"));
}

TEST(GroupBy, AggregatesWithSqlNullSemantics) {
  Table result = sales().group_by({"city"}).agg(
      {sum(col("amount")).alias("total"), count(col("amount")).alias("n"),
       count_all().alias("rows"), mean(col("price")).alias("avg_price"),
       min(col("amount")).alias("lo"), max(col("price")).alias("hi"),
       first(col("amount")).alias("first"), last(col("amount")).alias("last"),
       count_distinct(col("amount")).alias("distinct")});
  // Groups in first-seen order: NYC, LA, NULL, Zürich.
  EXPECT_THAT(cells(result, "city"), ElementsAre("NYC", "LA", "null", "Zürich"));
  EXPECT_THAT(cells(result, "total"), ElementsAre("30", "10", "7", "3"));
  EXPECT_THAT(cells(result, "n"), ElementsAre("2", "2", "1", "1"));
  EXPECT_THAT(cells(result, "rows"), ElementsAre("3", "2", "1", "1"));
  EXPECT_THAT(cells(result, "avg_price"), ElementsAre("3.6666666666666665", "4", "4", "null"));
  EXPECT_THAT(cells(result, "lo"), ElementsAre("10", "5", "7", "3"));
  EXPECT_THAT(cells(result, "hi"), ElementsAre("7", "6", "4", "null"));
  EXPECT_THAT(cells(result, "first"), ElementsAre("10", "5", "7", "3"));
  EXPECT_THAT(cells(result, "last"), ElementsAre("20", "5", "7", "3"));
  EXPECT_THAT(cells(result, "distinct"), ElementsAre("2", "1", "1", "1"));
  EXPECT_EQ(result.schema()->field(1).type, DataType::int64());
}

TEST(GroupBy, CountDistinctOfIntegersDatesAndTextAcrossBatchesAndLargeGroups) {
  // Group g holds the values 0 .. 3g-1, each three times, plus NULLs, spread over many
  // batches (partial results merged): groups past 32 distinct values take another path.
  std::vector<std::optional<int64_t>> keys;
  std::vector<std::optional<int64_t>> values;
  std::vector<std::optional<int32_t>> narrow;
  std::vector<std::optional<std::string>> days;
  std::vector<std::optional<std::string>> texts;
  for (int repeat = 0; repeat < 3; ++repeat) {
    for (int64_t g = 0; g < 40; ++g) {
      for (int64_t v = 0; v < 3 * g; ++v) {
        keys.push_back(g);
        values.push_back(v * 1'000'003 - 7);
        narrow.push_back(static_cast<int32_t>(-v));
        days.push_back(fmt::format("2024-{:02}-{:02}", v / 28 + 1, v % 28 + 1));
        texts.push_back("t" + std::to_string(v));
      }
      keys.push_back(g);
      values.push_back(std::nullopt);
      narrow.push_back(std::nullopt);
      days.push_back(std::nullopt);
      texts.push_back(std::nullopt);
    }
  }
  Table table = Table::from_columns({{"g", testing::int64s(keys)},
                                     {"v", testing::int64s(values)},
                                     {"n", testing::int32s(narrow)},
                                     {"d", testing::dates(days)},
                                     {"t", testing::strings(texts)}})
                    .rechunk(97);
  Table result = table.group_by({"g"}).agg(
      {count_distinct(col("v")).alias("v"), count_distinct(col("n")).alias("n"),
       count_distinct(col("d")).alias("d"), count_distinct(col("t")).alias("t")});
  ASSERT_EQ(result.num_rows(), 40);
  for (int64_t g = 0; g < 40; ++g) {
    for (const char* column : {"v", "n", "d", "t"}) {
      EXPECT_EQ(result.at(g, column).as_int(), 3 * g) << "group " << g << ", " << column;
    }
  }
}

TEST(GroupBy, StddevAndMultipleKeys) {
  Table table = Table::from_columns({
      {"k1", testing::int64s({1, 1, 1, 2, 2})},
      {"k2", testing::strings({"a", "a", "b", "a", "a"})},
      {"v", testing::float64s({2, 4, 4, 5, std::nullopt})},
  });
  Table result =
      table.group_by({"k1", "k2"}).agg({stddev(col("v")).alias("sd"), count_all().alias("n")});
  EXPECT_THAT(cells(result, "k1"), ElementsAre("1", "1", "2"));
  EXPECT_THAT(cells(result, "k2"), ElementsAre("a", "b", "a"));
  EXPECT_THAT(cells(result, "sd"), ElementsAre("1.4142135623730951", "null", "null"));
  EXPECT_THAT(cells(result, "n"), ElementsAre("2", "1", "2"));
}

TEST(GroupBy, SkewedKeysAcrossBatches) {
  ColumnBuilder keys(DataType::int64());
  ColumnBuilder values(DataType::int64());
  for (int i = 0; i < 200'000; ++i) {
    keys.append_int(i % 10 == 0 ? i : 7);  // one hot key and many cold ones
    values.append_int(1);
  }
  Table table = Table::from_columns({{"k", keys.finish()}, {"v", values.finish()}}).rechunk(4'096);
  Table result = table.group_by({"k"}).agg({sum(col("v")).alias("s")});
  EXPECT_EQ(result.num_rows(), 20'001);
  EXPECT_EQ(result.filter("k = 7").at(0, "s").as_int(), 180'000);
}

TEST(Aggregate, WholeTableAndEmptyInput) {
  Table totals = sales().aggregate({sum(col("amount")).alias("s"), count_all().alias("n")});
  EXPECT_THAT(cells(totals, "s"), ElementsAre("50"));
  EXPECT_THAT(cells(totals, "n"), ElementsAre("7"));
  Table empty = sales().filter("false").aggregate(
      {sum(col("amount")).alias("s"), count_all().alias("n"), max(col("city")).alias("m")});
  EXPECT_THAT(cells(empty, "s"), ElementsAre("null"));
  EXPECT_THAT(cells(empty, "n"), ElementsAre("0"));
  EXPECT_THAT(cells(empty, "m"), ElementsAre("null"));
  EXPECT_EQ(sales().filter("false").group_by({"city"}).agg({count_all()}).num_rows(), 0);
}

TEST(Aggregate, AllNullColumn) {
  Table table = Table::from_columns({{"v", testing::int64s({std::nullopt, std::nullopt})}});
  Table result = table.aggregate(
      {sum(col("v")).alias("s"), count(col("v")).alias("c"), mean(col("v")).alias("m")});
  EXPECT_THAT(cells(result, "s"), ElementsAre("null"));
  EXPECT_THAT(cells(result, "c"), ElementsAre("0"));
  EXPECT_THAT(cells(result, "m"), ElementsAre("null"));
}

TEST(Aggregate, RejectsNonAggregatesAndBadInputs) {
  EXPECT_THAT(message_of<SchemaError>([] { return sales().aggregate({col("amount")}); }),
              HasSubstr("is not one"));
  EXPECT_THAT(message_of<SchemaError>([] { return sales().aggregate({sum(col("city"))}); }),
              HasSubstr("sum() needs a numeric input; city is string"));
  EXPECT_THAT(message_of<SchemaError>([] { return sales().group_by({"town"}); }),
              HasSubstr("no column \"town\""));
}

TEST(Distinct, KeepsFirstOccurrencesAndTreatsNullsAsEqual) {
  Table table = Table::from_columns({
      {"a", testing::int64s({1, 1, std::nullopt, std::nullopt, 2})},
      {"b", testing::strings({"x", "x", "y", "y", "x"})},
  });
  Table result = table.distinct();
  EXPECT_THAT(cells(result, "a"), ElementsAre("1", "null", "2"));
  EXPECT_THAT(cells(result, "b"), ElementsAre("x", "y", "x"));
}

Table left() {
  return Table::from_columns({
      {"id", testing::int64s({1, 2, 2, 3, std::nullopt})},
      {"name", testing::strings({"a", "b", "b2", "c", "n"})},
  });
}
Table right() {
  return Table::from_columns({
      {"id", testing::int64s({2, 3, 3, 4, std::nullopt})},
      {"name", testing::strings({"B", "C", "C2", "D", "N"})},
  });
}

TEST(Join, InnerMatchesDuplicatesAndNeverNullKeys) {
  Table joined = left().join(right(), "id");
  EXPECT_EQ(joined.schema()->names(), (std::vector<std::string>{"id", "name", "name_right"}));
  Table sorted = joined.sort({asc("name"), asc("name_right")});
  EXPECT_THAT(cells(sorted, "name"), ElementsAre("b", "b2", "c", "c"));
  EXPECT_THAT(cells(sorted, "name_right"), ElementsAre("B", "B", "C", "C2"));
}

TEST(Join, LeftRightFullSemiAnti) {
  Table l = left().join(right(), "id", JoinType::kLeft).sort({asc("name"), asc("name_right")});
  EXPECT_THAT(cells(l, "name"), ElementsAre("a", "b", "b2", "c", "c", "n"));
  EXPECT_THAT(cells(l, "name_right"), ElementsAre("null", "B", "B", "C", "C2", "null"));

  Table r = left().join(right(), "id", JoinType::kRight).sort({asc("name_right")});
  EXPECT_THAT(cells(r, "name_right"), ElementsAre("B", "B", "C", "C2", "D", "N"));
  EXPECT_THAT(cells(r, "id"), ElementsAre("2", "2", "3", "3", "4", "null"));

  Table f = left().join(right(), "id", JoinType::kFull);
  EXPECT_EQ(f.num_rows(), 8);  // 4 matches + a, n on the left + D, N on the right
  EXPECT_EQ(f.filter("name_right = 'D'").at(0, "id").as_int(), 4);

  EXPECT_THAT(cells(left().join(right(), "id", JoinType::kSemi), "name"),
              ElementsAre("b", "b2", "c"));
  EXPECT_THAT(cells(left().join(right(), "id", JoinType::kAnti), "name"), ElementsAre("a", "n"));
}

TEST(Join, MultiKeyAndDifferentNames) {
  Table a = Table::from_columns(
      {{"x", testing::int64s({1, 1, 2})}, {"y", testing::strings({"p", "q", "p"})}});
  Table b = Table::from_columns({{"x2", testing::int32s({1, 2})},
                                 {"y2", testing::strings({"q", "p"})},
                                 {"v", testing::int64s({10, 20})}});
  Table joined = a.join(b, {"x", "y"}, {"x2", "y2"}).sort({asc("x")});
  EXPECT_EQ(joined.schema()->names(), (std::vector<std::string>{"x", "y", "x2", "y2", "v"}));
  EXPECT_THAT(cells(joined, "v"), ElementsAre("10", "20"));
}

TEST(Join, EmptySidesAndTypeErrors) {
  EXPECT_EQ(left().join(right().filter("false"), "id").num_rows(), 0);
  EXPECT_EQ(left().join(right().filter("false"), "id", JoinType::kLeft).num_rows(), 5);
  EXPECT_EQ(left().filter("false").join(right(), "id", JoinType::kFull).num_rows(), 5);
  Table text_ids = right().with_column("id", col("id").cast(DataType::string()));
  EXPECT_THAT(message_of<SchemaError>([&] { return left().join(text_ids, "id"); }),
              HasSubstr("join key \"id\" is int64 but \"id\" is string; cast one side"));
}

TEST(Join, ASuffixedNameThatIsAlreadyTakenIsAClearError) {
  // The right's "name" becomes "name_right", which the left (or the right) already has:
  // an error naming both columns, never a table with two columns of one name.
  Table taken_left = left().with_column("name_right", lit("x"));
  EXPECT_THAT(message_of<SchemaError>([&] { return taken_left.join(right(), "id"); }),
              HasSubstr("renaming the right column \"name\" to \"name_right\" clashes with a "
                        "left column"));
  EXPECT_EQ(taken_left.join(right(), {"id"}, {"id"}, JoinType::kInner, "_r").schema()->names(),
            (std::vector<std::string>{"id", "name", "name_right", "name_r"}));
  // A third table joined to a join that already renamed its "name".
  LazyFrame twice = LazyFrame::from(left()).join(LazyFrame::from(right()), "id");
  EXPECT_THAT(message_of<SchemaError>([&] { return LazyFrame::from(left()).join(twice, "id"); }),
              HasSubstr("clashes with another right column; rename one of them"));
}

// Integer keys are packed into one word from the build side's ranges; these cases sit on
// the edges of that packing.
TEST(Join, IntegerKeysMatchExactlyAtTheEdgesOfTheirRange) {
  constexpr int64_t kMin = std::numeric_limits<int64_t>::min();
  constexpr int64_t kMax = std::numeric_limits<int64_t>::max();
  Table build = Table::from_columns({{"k", testing::int64s({kMin, -1, 0, kMax, std::nullopt})},
                                     {"v", testing::strings({"min", "-1", "0", "max", "null"})}});
  Table probe =
      Table::from_columns({{"k", testing::int64s({kMax, 5, kMin, std::nullopt, 0, -1, kMin + 1})}});
  EXPECT_THAT(cells(probe.join(build, "k"), "v"), ElementsAre("max", "min", "0", "-1"));

  // int32 probe keys against a narrow int64 build range: values outside never match.
  Table narrow = Table::from_columns({{"k", testing::int64s({10, 11, 12})}});
  Table small = Table::from_columns({{"k", testing::int32s({9, 10, 12, 13, -2147483647 - 1})}});
  EXPECT_THAT(cells(small.join(narrow, "k", JoinType::kSemi), "k"), ElementsAre("10", "12"));
  EXPECT_THAT(cells(small.join(narrow, "k", JoinType::kAnti), "k"),
              ElementsAre("9", "13", "-2147483648"));

  // A full 64-bit key beside a constant one (nothing left to shift it into), and two full
  // 64-bit keys (too wide together: the general hash table).
  Table wide = Table::from_columns({{"a", testing::int64s({kMin, kMax, 7})},
                                    {"b", testing::int64s({3, 3, 3})},
                                    {"c", testing::int64s({kMax, kMin, 1})}});
  Table wide_probe = Table::from_columns({{"a", testing::int64s({kMax, 7, kMin, 7})},
                                          {"b", testing::int64s({3, 3, 4, 3})},
                                          {"c", testing::int64s({kMin, 2, kMax, 1})}});
  EXPECT_EQ(wide_probe.join(wide, {"a", "b"}, {"a", "b"}, JoinType::kSemi).num_rows(), 3);
  EXPECT_THAT(cells(wide_probe.join(wide, {"a", "c"}, {"a", "c"}, JoinType::kSemi), "c"),
              ElementsAre("-9223372036854775808", "9223372036854775807", "1"));
}

// A join large enough to build its table in partitions on several tasks gives the rows,
// in the same order, that the same join on text keys (the general hash table) gives.
TEST(Join, PartitionedIntegerJoinsEqualTheGeneralHashTable) {
  ColumnBuilder build_keys(DataType::int64());
  ColumnBuilder build_dates(DataType::date32());
  ColumnBuilder build_values(DataType::int64());
  for (int64_t row = 0; row < 40'000; ++row) {
    row % 997 == 0 ? build_keys.append_null() : build_keys.append_int((row * 7919) % 20'000 - 500);
    build_dates.append_int(row % 3);
    build_values.append_int(row);
  }
  ColumnBuilder probe_keys(DataType::int64());
  ColumnBuilder probe_dates(DataType::date32());
  for (int64_t row = 0; row < 10'000; ++row) {
    row % 101 == 0 ? probe_keys.append_null() : probe_keys.append_int((row * 31) % 25'000 - 1'000);
    probe_dates.append_int(row % 4);
  }
  Table build =
      Table::from_columns(
          {{"k", build_keys.finish()}, {"d", build_dates.finish()}, {"v", build_values.finish()}})
          .rechunk(8'192);
  Table probe =
      Table::from_columns({{"k", probe_keys.finish()}, {"d", probe_dates.finish()}}).rechunk(8'192);
  auto as_text = [](const Table& table) {
    return table.with_column("kt", col("k").cast(DataType::string()))
        .with_column("dt", col("d").cast(DataType::string()));
  };
  for (JoinType type :
       {JoinType::kInner, JoinType::kLeft, JoinType::kFull, JoinType::kSemi, JoinType::kAnti}) {
    Table packed = as_text(probe).join(build, {"k", "d"}, {"k", "d"}, type);
    Table general = as_text(probe).join(as_text(build), {"kt", "dt"}, {"kt", "dt"}, type);
    ASSERT_GT(packed.num_rows(), 0);
    EXPECT_EQ(packed.num_rows(), general.num_rows());
    // (A full join's build-only rows have a probe-side "kt" only where it is a key.)
    if (type != JoinType::kFull) {
      EXPECT_THAT(cells(packed, "kt"), ::testing::ContainerEq(cells(general, "kt")));
    }
    if (type != JoinType::kSemi && type != JoinType::kAnti) {
      EXPECT_THAT(cells(packed, "v"), ::testing::ContainerEq(cells(general, "v")));
    }
  }
}

}  // namespace
}  // namespace setl::engine
