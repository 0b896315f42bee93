// Joins with a condition besides their keys (JoinOptions::condition): each join type
// keeps exactly the rows SQL's ON would, eagerly and lazily, through the optimizer's
// rewrites, and bad conditions fail before anything runs.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "setl/core/error.h"
#include "setl/engine/lazy_frame.h"
#include "testing/columns.h"
#include "testing/table_matchers.h"

namespace setl::engine {
namespace {

using testing::int64s;
using testing::strings;
using testing::TableIs;

Table left_rows() {
  return Table::from_columns({{"k", int64s({1, 1, 2, 3, std::nullopt})},
                              {"x", int64s({10, 20, 30, 40, 50})},
                              {"tag", strings({"a", "b", "c", "d", "e"})}});
}

Table right_rows() {
  return Table::from_columns({{"k", int64s({1, 1, 2, 4})}, {"x", int64s({15, 5, 100, 1})}});
}

// Right's x is read as x_right: the left has an x.
const Expr kRightLarger = col("x_right") > col("x");

TEST(JoinCondition, EachJoinTypeKeepsTheRowsWhosePairsSatisfyIt) {
  Table left = left_rows();
  Table right = right_rows();
  auto joined = [&](JoinType type) {
    return left.join(right, {"k"}, {"k"}, JoinOptions{type, "_right", kRightLarger});
  };
  EXPECT_THAT(joined(JoinType::kInner), TableIs({"k", "x", "tag", "x_right"},
                                                {{"1", "10", "a", "15"}, {"2", "30", "c", "100"}}));
  EXPECT_THAT(joined(JoinType::kSemi),
              TableIs({"k", "x", "tag"}, {{"1", "10", "a"}, {"2", "30", "c"}}));
  EXPECT_THAT(
      joined(JoinType::kAnti),
      TableIs({"k", "x", "tag"}, {{"1", "20", "b"}, {"3", "40", "d"}, {"null", "50", "e"}}));
  EXPECT_THAT(joined(JoinType::kLeft),
              TableIs({"k", "x", "tag", "x_right"}, {{"1", "10", "a", "15"},
                                                     {"1", "20", "b", "null"},
                                                     {"2", "30", "c", "100"},
                                                     {"3", "40", "d", "null"},
                                                     {"null", "50", "e", "null"}}));
  // The build rows no satisfying pair matched come last: (1, 5) and (4, 1).
  EXPECT_THAT(joined(JoinType::kRight),
              TableIs({"k", "x", "tag", "x_right"}, {{"1", "10", "a", "15"},
                                                     {"2", "30", "c", "100"},
                                                     {"1", "null", "null", "5"},
                                                     {"4", "null", "null", "1"}}));
  EXPECT_EQ(joined(JoinType::kFull).num_rows(), 7);
}

TEST(JoinCondition, LazyJoinsAgreeWithEagerOnesThroughTheOptimizer) {
  LazyFrame left = LazyFrame::from(left_rows());
  LazyFrame right = LazyFrame::from(right_rows());
  for (JoinType type : {JoinType::kInner, JoinType::kLeft, JoinType::kRight, JoinType::kFull,
                        JoinType::kSemi, JoinType::kAnti}) {
    JoinOptions options{type, "_right", kRightLarger};
    Table eager = left_rows().join(right_rows(), {"k"}, {"k"}, options);
    // Filters and a projection above make the optimizer push and prune around it.
    LazyFrame lazy = left.join(right, {"k"}, {"k"}, options).filter("x < 45").select({"tag", "x"});
    EXPECT_THAT(lazy.collect(), testing::SameTableAs(eager.filter("x < 45").select({"tag", "x"})))
        << static_cast<int>(type);
  }
  LazyFrame semi =
      left.join(right, {"k"}, {"k"}, JoinOptions{JoinType::kSemi, "_right", kRightLarger});
  EXPECT_THAT(semi.explain(), ::testing::HasSubstr("Join semi on k = k and (x_right > x)"));
}

TEST(JoinCondition, WithoutKeysEveryPairIsACandidate) {
  LazyFrame left = LazyFrame::from(left_rows());
  LazyFrame right = LazyFrame::from(right_rows());
  EXPECT_EQ(left.cross_join(right).collect().num_rows(), 20);
  Table anti = left.join(right, {}, {},
                         JoinOptions{JoinType::kAnti, "_right", col("x_right") > col("x") + 60})
                   .collect();
  // 100 is the largest right x: only x = 40 and 50 have no right x above x + 60.
  EXPECT_THAT(anti.select({"x"}), TableIs({"x"}, {{"40"}, {"50"}}));
  EXPECT_EQ(left.cross_join(right).schema()->names(),
            (std::vector<std::string>{"k", "x", "tag", "k_right", "x_right"}));
}

TEST(JoinCondition, BadConditionsFailBeforeRunning) {
  LazyFrame left = LazyFrame::from(left_rows());
  LazyFrame right = LazyFrame::from(right_rows());
  auto join = [&](const Expr& condition) {
    return left.join(right, {"k"}, {"k"}, JoinOptions{JoinType::kLeft, "_right", condition});
  };
  EXPECT_THROW(join(col("x") + 1), SchemaError);        // not a bool
  EXPECT_THROW(join(col("x_rigth") > 1), SchemaError);  // unknown column
  try {
    (void)join(col("x_rigth") > 1);
  } catch (const SchemaError& error) {
    EXPECT_THAT(error.what(), ::testing::HasSubstr("x_right"));
  }
}

TEST(Functions, AddMonthsClampsToTheMonthsLastDay) {
  Table dates =
      Table::from_columns({{"d", testing::dates({"2024-01-31", "2023-12-15", std::nullopt})}});
  Table moved = dates.select({fn::add_months(col("d"), lit(1)).alias("m"),
                              fn::add_months(col("d"), lit(-13)).alias("back")});
  EXPECT_THAT(moved, TableIs({"m", "back"}, {{"2024-02-29", "2022-12-31"},
                                             {"2024-01-15", "2022-11-15"},
                                             {"null", "null"}}));
}

TEST(Functions, AssertTrueFailsTheQueryWithItsMessage) {
  Table numbers = Table::from_columns({{"x", int64s({1, 2, 3})}});
  EXPECT_EQ(numbers.filter(fn::assert_true(col("x") > 0).is_null()).num_rows(), 3);
  try {
    (void)numbers.filter(fn::assert_true(col("x") < 3, lit("x must stay below 3")).is_null());
    FAIL() << "expected a StateError";
  } catch (const StateError& error) {
    EXPECT_STREQ(error.what(), "x must stay below 3");
  }
}

}  // namespace
}  // namespace setl::engine
