// Aggregates over window frames: ROWS and RANGE frames with offsets, peers, NULL keys,
// empty frames, and every aggregate, checked against a direct reading of the frame.
#include <algorithm>
#include <random>
#include <set>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "setl/core/error.h"
#include "setl/engine/builder.h"
#include "setl/engine/table.h"
#include "testing/columns.h"
#include "testing/temp_dir.h"

namespace setl::engine {
namespace {

using namespace fn;  // NOLINT: the expression functions read as in SQL

using testing::cells;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using testing::message_of;

// Team a in id order: scores 10, 30, 10, 20 at days 1, 2, 4, 8; team b: NULL, 5.
Table scores() {
  return Table::from_columns({
      {"id", testing::int64s({1, 2, 3, 4, 5, 6})},
      {"team", testing::strings({"a", "b", "a", "a", "b", "a"})},
      {"score", testing::int64s({10, 5, 30, 10, std::nullopt, 20})},
      {"day", testing::int64s({1, 3, 2, 4, 3, 8})},
  });
}

TEST(WindowFrame, RowsFramesCountRowsAroundTheCurrentOne) {
  WindowSpec around{{"team"}, {asc("id")}, rows_between(preceding(1), following(1))};
  Table result = scores()
                     .with_column("sum", sum(col("score")).over(around))
                     .with_column("n", count(col("score")).over(around))
                     .with_column("rows", count_all().over(around))
                     .with_column("min", min(col("score")).over(around))
                     .with_column("max", max(col("score")).over(around))
                     .with_column("mean", mean(col("score")).over(around));
  // Team a by id: 10, 30, 10, 20; team b: 5, NULL.
  EXPECT_THAT(cells(result, "sum"), ElementsAre("40", "5", "50", "60", "5", "30"));
  EXPECT_THAT(cells(result, "n"), ElementsAre("2", "1", "3", "3", "1", "2"));
  EXPECT_THAT(cells(result, "rows"), ElementsAre("2", "2", "3", "3", "2", "2"));
  EXPECT_THAT(cells(result, "min"), ElementsAre("10", "5", "10", "10", "5", "10"));
  EXPECT_THAT(cells(result, "max"), ElementsAre("30", "5", "30", "30", "5", "20"));
  EXPECT_THAT(cells(result, "mean"), ElementsAre("20", "5", "16.666666666666668", "20", "5", "15"));
}

TEST(WindowFrame, EmptyFramesGiveNullAndZero) {
  WindowSpec ahead{{"team"}, {asc("id")}, rows_between(following(2), following(3))};
  Table result = scores()
                     .with_column("sum", sum(col("score")).over(ahead))
                     .with_column("n", count_all().over(ahead))
                     .with_column("first", first(col("score")).over(ahead));
  EXPECT_THAT(cells(result, "sum"), ElementsAre("30", "null", "20", "null", "null", "null"));
  EXPECT_THAT(cells(result, "n"), ElementsAre("2", "0", "1", "0", "0", "0"));
  EXPECT_THAT(cells(result, "first"), ElementsAre("10", "null", "20", "null", "null", "null"));
  WindowSpec backwards{{}, {asc("id")}, rows_between(following(1), preceding(1))};
  EXPECT_THAT(cells(scores().with_column("n", count_all().over(backwards)), "n"),
              ElementsAre("0", "0", "0", "0", "0", "0"));
}

TEST(WindowFrame, RangeFramesMeasureTheOrderKey) {
  // Team a by day: 1 (10), 2 (30), 4 (10), 8 (20).
  WindowSpec week{{"team"}, {asc("day")}, range_between(preceding(2), current_row())};
  WindowSpec ahead{{"team"}, {asc("day")}, range_between(following(1), following(4))};
  Table result = scores()
                     .with_column("recent", sum(col("score")).over(week))
                     .with_column("soon", sum(col("score")).over(ahead));
  EXPECT_THAT(cells(result, "recent"), ElementsAre("10", "5", "40", "40", "5", "20"));
  EXPECT_THAT(cells(result, "soon"), ElementsAre("40", "null", "10", "20", "null", "null"));
  // Descending: PRECEDING means larger keys.
  WindowSpec down{{"team"}, {desc("day")}, range_between(preceding(4), preceding(1))};
  EXPECT_THAT(cells(scores().with_column("later", sum(col("score")).over(down)), "later"),
              ElementsAre("40", "null", "10", "20", "null", "null"));
}

TEST(WindowFrame, RangeCurrentRowReachesPeersAndNullKeysStayTogether) {
  Table table = Table::from_columns({
      {"k", testing::int64s({1, 1, 2, std::nullopt, std::nullopt, 5})},
      {"v", testing::int64s({1, 2, 4, 8, 16, 32})},
  });
  WindowSpec peers{{}, {asc("k")}, range_between(current_row(), current_row())};
  WindowSpec near{{}, {asc("k")}, range_between(preceding(1), following(1))};
  WindowSpec rest{{}, {asc("k")}, range_between(preceding(3), unbounded_following())};
  Table result = table.with_column("peers", sum(col("v")).over(peers))
                     .with_column("near", sum(col("v")).over(near))
                     .with_column("rest", sum(col("v")).over(rest));
  EXPECT_THAT(cells(result, "peers"), ElementsAre("3", "3", "4", "24", "24", "32"));
  // NULL keys sort first: they have no distance to numbers, so their offsets stop at
  // their peers, and a number's offsets never reach them.
  EXPECT_THAT(cells(result, "near"), ElementsAre("7", "7", "7", "24", "24", "32"));
  EXPECT_THAT(cells(result, "rest"), ElementsAre("39", "39", "39", "63", "63", "36"));
}

TEST(WindowFrame, RangeOffsetsOverDatesDecimalsAndFloats) {
  Table table = Table::from_columns({
      {"day", testing::dates({"2024-01-01", "2024-01-05", "2024-01-08", "2024-01-09"})},
      {"price", testing::decimals(DataType::decimal(10, 2), {"1.00", "1.40", "2.00", "3.60"})},
      {"x", testing::float64s({0.5, 1.0, 2.25, 2.5})},
      {"v", testing::int64s({1, 2, 4, 8})},
  });
  WindowSpec week{{}, {asc("day")}, range_between(preceding(6), current_row())};
  WindowSpec cents{
      {}, {asc("price")}, range_between(preceding(Scalar::float64(0.4)), current_row())};
  WindowSpec near{{}, {asc("x")}, range_between(preceding(Scalar::float64(0.5)), following(1))};
  Table result = table.with_column("week", sum(col("v")).over(week))
                     .with_column("cents", sum(col("v")).over(cents))
                     .with_column("near", sum(col("v")).over(near));
  EXPECT_THAT(cells(result, "week"), ElementsAre("1", "3", "6", "14"));
  EXPECT_THAT(cells(result, "cents"), ElementsAre("1", "3", "4", "8"));
  EXPECT_THAT(cells(result, "near"), ElementsAre("3", "3", "12", "12"));
}

TEST(WindowFrame, AggregatesWithoutAFrameTakeSqlsDefault) {
  // With ORDER BY: up to the current row and its peers; without: the whole partition.
  Table result = scores()
                     .with_column("low", min(col("score")).over({{"team"}, {asc("score")}}))
                     .with_column("high", max(col("score")).over({{"team"}, {desc("score")}}))
                     .with_column("all", max(col("score")).over({{"team"}, {}}));
  EXPECT_THAT(cells(result, "low"), ElementsAre("10", "5", "10", "10", "null", "10"));
  EXPECT_THAT(cells(result, "high"), ElementsAre("30", "5", "30", "30", "5", "30"));
  EXPECT_THAT(cells(result, "all"), ElementsAre("30", "5", "30", "30", "5", "30"));
}

TEST(WindowFrame, FramesPrintAndParseBack) {
  Expr framed =
      sum(col("score"))
          .over({{"team"}, {desc("day")}, rows_between(unbounded_preceding(), preceding(2))});
  EXPECT_EQ(framed.to_string(),
            "sum(score) OVER (PARTITION BY team ORDER BY day DESC ROWS BETWEEN UNBOUNDED "
            "PRECEDING AND 2 PRECEDING)");
  EXPECT_TRUE(same_expr(parse_expr(framed.to_string()), framed));
  Expr range =
      parse_expr("count(*) over (order by day range between 1.5 preceding and current row)");
  EXPECT_TRUE(same_expr(parse_expr(range.to_string()), range));
  EXPECT_FALSE(same_expr(parse_expr("sum(score) over (order by day rows 1 preceding)"),
                         parse_expr("sum(score) over (order by day range 1 preceding)")));
  Table result =
      scores().with_column("n", parse_expr("count(*) over (order by id rows 2 preceding)"));
  EXPECT_THAT(cells(result, "n"), ElementsAre("1", "2", "3", "3", "3", "3"));
}

TEST(WindowFrame, ErrorsSayWhatIsWrong) {
  EXPECT_THAT(message_of<ParseError>([] {
                return rank().over({{}, {asc("id")}, rows_between(preceding(1), current_row())});
              }),
              HasSubstr("rank() takes no window frame"));
  EXPECT_THAT(
      message_of<ParseError>([] { return rows_between(unbounded_following(), current_row()); }),
      HasSubstr("cannot start at UNBOUNDED FOLLOWING"));
  EXPECT_THAT(message_of<ParseError>([] { return preceding(-1); }), HasSubstr("non-negative"));
  EXPECT_THROW(following(Scalar::string("1")), ParseError);
  EXPECT_THAT(message_of<ParseError>(
                  [] { return rows_between(preceding(Scalar::float64(1.5)), current_row()); }),
              HasSubstr("must be integers"));
  EXPECT_THAT(message_of<ParseError>([] {
                return sum(col("v")).over(
                    {{}, {asc("a"), asc("b")}, range_between(preceding(1), current_row())});
              }),
              HasSubstr("one ORDER BY key"));
  EXPECT_THAT(message_of<SchemaError>([] {
                return scores().with_column(
                    "w",
                    sum(col("score"))
                        .over({{}, {asc("team")}, range_between(preceding(1), current_row())}));
              }),
              HasSubstr("needs a number or a date to order by"));
  EXPECT_THAT(message_of<ParseError>([] {
                return parse_expr("sum(score) over (order by id rows between 1 preceding)");
              }),
              HasSubstr("expected AND"));
  EXPECT_THAT(message_of<ParseError>(
                  [] { return parse_expr("sum(score) over (order by id rows x preceding)"); }),
              HasSubstr("a number before PRECEDING or FOLLOWING"));
}

// Every aggregate over random ROWS and RANGE frames against a direct reading of each
// frame: the rows of the partition whose position (ROWS) or key (RANGE) lies within it.
TEST(WindowFrame, AgreesWithADirectReadingOfEachFrame) {
  std::mt19937_64 random(20261203);
  auto pick = [&](int n) { return static_cast<int>(random() % static_cast<uint64_t>(n)); };
  int rows = 120;
  ColumnBuilder part(DataType::int64()), key(DataType::int64()), value(DataType::int64());
  std::vector<int> parts, values;
  std::vector<std::optional<int>> keys;
  for (int row = 0; row < rows; ++row) {
    parts.push_back(pick(3));
    keys.push_back(pick(8) == 0 ? std::nullopt : std::optional<int>(pick(30)));
    values.push_back(pick(5) == 0 ? -1000 : pick(100));  // -1000 stands for NULL
    part.append_int(parts.back());
    keys.back() ? key.append_int(*keys.back()) : key.append_null();
    values.back() == -1000 ? value.append_null() : value.append_int(values.back());
  }
  ColumnBuilder id(DataType::int64());
  for (int row = 0; row < rows; ++row) {
    id.append_int(row);
  }
  Table table = Table::from_columns(
      {{"p", part.finish()}, {"k", key.finish()}, {"v", value.finish()}, {"id", id.finish()}});
  for (int trial = 0; trial < 40; ++trial) {
    bool range = pick(2) == 0;
    auto random_bound = [&](bool is_start) {
      switch (pick(4)) {
        case 0:
          return is_start ? unbounded_preceding() : unbounded_following();
        case 1:
          return current_row();
        case 2:
          return preceding(pick(6));
        default:
          return following(pick(6));
      }
    };
    FrameBound start = random_bound(true);
    FrameBound end = random_bound(false);
    // ROWS need a unique order: key then id (NULL keys first).
    std::vector<SortKey> order =
        range ? std::vector<SortKey>{asc("k")} : std::vector<SortKey>{asc("k"), asc("id")};
    WindowSpec spec{{"p"}, order, range ? range_between(start, end) : rows_between(start, end)};
    Table result = table.with_column("sum", sum(col("v")).over(spec))
                       .with_column("n", count(col("v")).over(spec))
                       .with_column("max", max(col("v")).over(spec))
                       .with_column("last", last(col("v")).over(spec))
                       .with_column("distinct", count_distinct(col("v")).over(spec));
    std::vector<std::string> sums = cells(result, "sum");
    std::vector<std::string> counts = cells(result, "n");
    std::vector<std::string> maxima = cells(result, "max");
    std::vector<std::string> lasts = cells(result, "last");
    std::vector<std::string> distincts = cells(result, "distinct");
    // Window order of each partition: NULL keys first, then by key, then id.
    auto before = [&](int a, int b) {
      if (keys[a] != keys[b]) {
        return !keys[a] || (keys[b] && *keys[a] < *keys[b]);
      }
      return a < b;
    };
    auto offset = [](const FrameBound& bound) { return bound.offset.as_int(); };
    for (int row = 0; row < rows; ++row) {
      std::vector<int> partition;
      for (int other = 0; other < rows; ++other) {
        if (parts[other] == parts[row]) {
          partition.push_back(other);
        }
      }
      std::sort(partition.begin(), partition.end(), before);
      auto at = std::find(partition.begin(), partition.end(), row) - partition.begin();
      int64_t sum_value = 0, count_value = 0, max_value = -1, last_value = -1;
      std::set<int> seen;
      for (size_t i = 0; i < partition.size(); ++i) {
        int other = partition[i];
        // Whether `other` is on the inner side of a bound. NULL keys sort before every
        // number, and a NULL key's offsets reach only its peers.
        auto inside = [&](const FrameBound& bound, bool is_start) {
          using K = FrameBound::Kind;
          if (bound.kind == K::kUnboundedPreceding || bound.kind == K::kUnboundedFollowing) {
            return true;
          }
          if (range && (!keys[row] || !keys[other])) {
            int order = keys[other] == keys[row] ? 0 : !keys[other] ? -1 : 1;
            return is_start ? order >= 0 : order <= 0;
          }
          int64_t delta = range ? *keys[other] - *keys[row] : static_cast<int64_t>(i) - at;
          int64_t limit = bound.kind == K::kCurrentRow ? 0
                          : bound.kind == K::kPreceding ? -offset(bound)
                                                        : offset(bound);
          return is_start ? delta >= limit : delta <= limit;
        };
        if (!inside(start, true) || !inside(end, false) || values[other] == -1000) {
          continue;
        }
        sum_value += values[other];
        ++count_value;
        max_value = std::max<int64_t>(max_value, values[other]);
        last_value = values[other];
        seen.insert(values[other]);
      }
      std::string frame = spec.frame->start.offset.to_string() + "/" +
                          spec.frame->end.offset.to_string() + " " +
                          sum(col("v")).over(spec).to_string();
      std::string none = "null";
      EXPECT_EQ(sums[row], count_value ? std::to_string(sum_value) : none) << frame;
      EXPECT_EQ(counts[row], std::to_string(count_value)) << frame;
      EXPECT_EQ(maxima[row], count_value ? std::to_string(max_value) : none) << frame;
      EXPECT_EQ(lasts[row], count_value ? std::to_string(last_value) : none) << frame;
      EXPECT_EQ(distincts[row], std::to_string(seen.size())) << frame;
    }
  }
}

}  // namespace
}  // namespace setl::engine
