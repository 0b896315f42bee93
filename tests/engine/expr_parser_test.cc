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

TEST(ParseExprHost, HostFunctionsParseAsCallsForTheCallerToReplace) {
  EXPECT_THAT(message_of<Error>([] { return parse_expr("rows(orders) > 0"); }),
              HasSubstr("unknown function 'rows'"));
  Expr parsed =
      parse_expr("rows(orders) > 0 and config('a', 1) = 1", {.host_functions = {"rows", "config"}});
  const Expr& rows = parsed.args()[0].args()[0];
  EXPECT_EQ(rows.kind(), ExprKind::kCall);
  EXPECT_EQ(rows.name(), "rows");
  ASSERT_EQ(rows.args().size(), 1U);
  EXPECT_EQ(rows.args()[0].name(), "orders");
  EXPECT_EQ(parsed.args()[1].args()[0].args().size(), 2U);
  // Registered functions are still checked.
  EXPECT_THAT(message_of<Error>([] { return parse_expr("uper(x)", {.host_functions = {"rows"}}); }),
              HasSubstr("unknown function 'uper'"));
}

TEST(EvaluateRow, EvaluatesOverNamedValuesAndChecksThem) {
  Schema schema({{"n", DataType::int64()}, {"name", DataType::string()}});
  Scalar yes = evaluate_row(parse_expr("n * 2 > 5 and upper(name) = 'AB'"), schema,
                            {Scalar::int64(3), Scalar::string("ab")});
  EXPECT_TRUE(yes.as_bool());
  EXPECT_TRUE(
      evaluate_row(parse_expr("n + 1"), schema, {Scalar::null(), Scalar::string("x")}).is_null());
  EXPECT_EQ(evaluate_row(parse_expr("1 + 2"), Schema(), {}).as_int(), 3);
  EXPECT_THAT(
      message_of<Error>([&] { return evaluate_row(parse_expr("n"), schema, {Scalar::int64(1)}); }),
      HasSubstr("1 values for 2 columns"));
  EXPECT_THAT(
      message_of<Error>([&] {
        return evaluate_row(parse_expr("n"), schema, {Scalar::string("1"), Scalar::string("x")});
      }),
      HasSubstr("column \"n\" is int64 but its value is string"));
  EXPECT_THAT(
      message_of<Error>([&] {
        return evaluate_row(parse_expr("nn > 1"), schema, {Scalar::int64(1), Scalar::string("x")});
      }),
      HasSubstr("did you mean \"n\""));
  EXPECT_THAT(
      message_of<Error>([&] {
        return evaluate_row(parse_expr("sum(n)"), schema, {Scalar::int64(1), Scalar::string("x")});
      }),
      HasSubstr("sum"));
}

}  // namespace
}  // namespace setl::engine
