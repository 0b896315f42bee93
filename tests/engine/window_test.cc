#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "setl/core/error.h"
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

Table scores() {
  return Table::from_columns({
      {"team", testing::strings({"a", "b", "a", "a", "b", "a"})},
      {"score", testing::int64s({10, 5, 30, 10, std::nullopt, 20})},
  });
}

TEST(Window, RankingFunctionsPerPartition) {
  WindowSpec window{{"team"}, {desc("score")}};
  Table result = scores()
                     .with_column("rn", row_number().over(window))
                     .with_column("rk", rank().over(window))
                     .with_column("dr", dense_rank().over(window));
  // Rows keep their input order. Team a by score desc: 30, 20, 10, 10.
  EXPECT_THAT(cells(result, "rn"), ElementsAre("3", "1", "1", "4", "2", "2"));
  EXPECT_THAT(cells(result, "rk"), ElementsAre("3", "1", "1", "3", "2", "2"));
  EXPECT_THAT(cells(result, "dr"), ElementsAre("3", "1", "1", "3", "2", "2"));
}

TEST(Window, LagLeadWithOffsetsAndDefaults) {
  WindowSpec window{{"team"}, {asc("score")}};
  Table result = scores()
                     .with_column("prev", lag(col("score")).over(window))
                     .with_column("next2", lead(col("score"), 2, Expr(-1)).over(window));
  // Team a by score asc: 10 (row 0), 10 (row 3), 20, 30 ; team b: NULL (row 4), 5.
  EXPECT_THAT(cells(result, "prev"), ElementsAre("null", "null", "20", "10", "null", "10"));
  EXPECT_THAT(cells(result, "next2"), ElementsAre("20", "-1", "-1", "30", "-1", "-1"));
}

TEST(Window, CumulativeSumIncludesPeers) {
  Table result =
      scores().with_column("running", cum_sum(col("score")).over({{"team"}, {asc("score")}}));
  // Team a: 10 and 10 are peers, so both see 20.
  EXPECT_THAT(cells(result, "running"), ElementsAre("20", "5", "70", "20", "null", "40"));
  Table whole = scores().with_column("total", cum_sum(col("score")).over({}));
  EXPECT_THAT(cells(whole, "total"), ElementsAre("75", "75", "75", "75", "75", "75"));
}

TEST(Window, ParsesOverClauses) {
  Expr parsed = parse_expr("rank() over (partition by team order by score desc nulls last)");
  Table result = scores().with_column("rk", parsed);
  EXPECT_THAT(cells(result, "rk"), ElementsAre("3", "1", "1", "3", "2", "2"));
  EXPECT_TRUE(same_expr(parse_expr(parsed.to_string()), parsed));
  EXPECT_THAT(message_of<ParseError>([] { return parse_expr("row_number()"); }),
              HasSubstr("expected OVER"));
}

TEST(Window, ErrorsAreClear) {
  EXPECT_THAT(message_of<SchemaError>([] {
                return scores().with_column("r", rank().over({{"team"}, {}}));
              }),
              HasSubstr("rank() needs an ORDER BY"));
  EXPECT_THAT(message_of<SchemaError>([] { return scores().filter(row_number() > 1); }),
              HasSubstr("is a window function"));
  EXPECT_THAT(message_of<SchemaError>([] {
                return scores().with_column("r", row_number().over({{"teem"}, {}}));
              }),
              HasSubstr("did you mean \"team\""));
  EXPECT_THROW(col("a").over({}), ParseError);
}

TEST(Window, EmptyInput) {
  Table empty =
      scores().filter("false").with_column("rn", row_number().over({{"team"}, {asc("score")}}));
  EXPECT_EQ(empty.num_rows(), 0);
  EXPECT_EQ(empty.num_columns(), 3u);
}

}  // namespace
}  // namespace setl::engine
