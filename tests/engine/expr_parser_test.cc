#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "setl/core/error.h"
#include "setl/engine/expr.h"
#include "setl/engine/functions.h"
#include "testing/temp_dir.h"

namespace setl::engine {
namespace {

using namespace fn;  // the expression functions: sum, count, year, ...

using ::testing::HasSubstr;
using testing::message_of;

TEST(ExprParser, ParsesTheSameTreeAsTheBuilder) {
  Expr parsed = parse_expr("price * (1 - discount) > 100 and city in ('NYC', 'LA')");
  Expr built = col("price") * (lit(Scalar::int64(1)) - col("discount")) > 100 &&
               col("city").isin({"NYC", "LA"});
  EXPECT_TRUE(same_expr(parsed, built)) << parsed.to_string() << " vs " << built.to_string();
}

TEST(ExprParser, ToStringParsesBackToTheSameTree) {
  for (const char* text :
       {"a + b * c - d / 2 % 3", "not (a = 1 or b <> 2) and c is not null", "x between 1 and 10",
        "name like 'A%' and not name like '%z'",
        "case when a > 1 then 'big' when a > 0 then 'small' else 'none' end",
        "cast(a as float64) + try_cast(b as int64)", "coalesce(a, b, 0)",
        "upper(trim(name)) || '-' || substr(code, 2, 3)", "date '2024-01-31' < d",
        "\"odd name\" = 1", "-a + -3.5e2", "year(d) = 2024 and x not in (1, 2)", "sum(x)",
        "count(*)", "mean(price)"}) {
    Expr parsed = parse_expr(text);
    Expr reparsed = parse_expr(parsed.to_string());
    EXPECT_TRUE(same_expr(parsed, reparsed)) << text << " -> " << parsed.to_string();
  }
}

TEST(ExprParser, PrecedenceFollowsSql) {
  EXPECT_EQ(parse_expr("a or b and c").to_string(), "(a OR (b AND c))");
  EXPECT_EQ(parse_expr("1 + 2 * 3").to_string(), "(1 + (2 * 3))");
  EXPECT_EQ(parse_expr("not a = b").to_string(), "(NOT (a = b))");
}

TEST(ExprParser, ErrorsPointAtTheBadToken) {
  EXPECT_EQ(message_of<ParseError>([] { return parse_expr("price > 100 and (city = 'NYC'"); }),
            "line 1, column 30: expected ')', found the end of the expression\n"
            "  price > 100 and (city = 'NYC'\n"
            "                               ^");
  EXPECT_THAT(message_of<ParseError>([] { return parse_expr("a + * b"); }),
              HasSubstr("line 1, column 5: expected a value, a column or '(', found '*'"));
  EXPECT_THAT(message_of<ParseError>([] { return parse_expr("a = 'open"); }),
              HasSubstr("column 5: unterminated string"));
  EXPECT_THAT(message_of<ParseError>([] { return parse_expr("uper(name)"); }),
              HasSubstr("unknown function 'uper'; did you mean 'upper'?"));
  EXPECT_THAT(message_of<ParseError>([] { return parse_expr("a ; b"); }),
              HasSubstr("unexpected character ';'"));
  EXPECT_THAT(message_of<ParseError>([] { return parse_expr("cast(a as money)"); }),
              HasSubstr("unknown type 'money'"));
  EXPECT_THAT(message_of<ParseError>([] { return parse_expr("a b"); }),
              HasSubstr("column 3: expected an operator or the end of the expression, found 'b'"));
}

TEST(ExprParser, ErrorsOnLaterLinesCountLines) {
  EXPECT_THAT(message_of<ParseError>([] { return parse_expr("a = 1\nand b = )"); }),
              HasSubstr("line 2, column 9"));
}

}  // namespace
}  // namespace setl::engine
