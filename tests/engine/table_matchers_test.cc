// The test suite's table matchers: what they accept, and what a failure says.
#include "testing/table_matchers.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace setl::testing {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

engine::Table people() {
  return engine::Table::from_columns(
      {{"name", strings({"Ada", "Bob"})}, {"age", int64s({36, std::nullopt})}});
}

std::string explain(const ::testing::Matcher<const engine::Table&>& matcher,
                    const engine::Table& table) {
  ::testing::StringMatchResultListener listener;
  EXPECT_FALSE(matcher.MatchAndExplain(table, &listener));
  return listener.str();
}

TEST(TableMatchers, AcceptTheSameColumnsAndCells) {
  EXPECT_THAT(people(), TableIs({"name", "age"}, {{"Ada", "36"}, {"Bob", "null"}}));
  EXPECT_THAT(people(), SameTableAs(people()));
  EXPECT_THAT(people(), Not(TableIs({"age", "name"}, {{"36", "Ada"}, {"null", "Bob"}})));
}

TEST(TableMatchers, SayWhatDiffers) {
  EXPECT_THAT(explain(TableIs({"name", "age"}, {{"Ada", "37"}, {"Bob", "null"}}), people()),
              HasSubstr("row 0 column 'age' is 36, expected 37"));
  EXPECT_THAT(explain(TableIs({"name", "age"}, {{"Ada", "36"}}), people()),
              HasSubstr("which has 2 rows, expected 1"));
  EXPECT_THAT(explain(TableIs({"name"}, {{"Ada"}, {"Bob"}}), people()),
              HasSubstr("whose columns are [name | age]"));
  EXPECT_THAT(explain(TableIs({"name", "age"}, {{"Ada", "36"}, {"Bo", "null"}}), people()),
              HasSubstr("actual table:"));
}

}  // namespace
}  // namespace setl::testing
