// Evaluation semantics of expressions, through Table::select and Table::filter.
#include "setl/engine/expr.h"

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

Table sample() {
  return Table::from_columns({
      {"a", testing::int64s({1, 2, std::nullopt, 4})},
      {"b", testing::int64s({10, std::nullopt, 30, 0})},
      {"x", testing::float64s({1.5, 2.5, 3.5, std::nullopt})},
      {"p", testing::bools({true, false, std::nullopt, true})},
      {"q", testing::bools({std::nullopt, std::nullopt, std::nullopt, false})},
      {"s", testing::strings({"Hello", "wörld", std::nullopt, "  pad  "})},
      {"d", testing::dates({"2024-01-31", "2023-12-01", std::nullopt, "2024-02-29"})},
      {"n32", testing::int32s({5, 6, 7, 8})},
  });
}

std::vector<std::string> eval(const std::string& text) {
  return cells(*sample().select({parse_expr(text).alias("out")}).column("out"));
}

TEST(Expr, ArithmeticPropagatesNullsAndPromotes) {
  EXPECT_THAT(eval("a + b"), ElementsAre("11", "null", "null", "4"));
  EXPECT_THAT(eval("a * 2 - 1"), ElementsAre("1", "3", "null", "7"));
  EXPECT_THAT(eval("a + x"), ElementsAre("2.5", "4.5", "null", "null"));
  EXPECT_THAT(eval("n32 + 1"), ElementsAre("6", "7", "8", "9"));
  EXPECT_EQ(result_type(parse_expr("n32 + n32"), *sample().schema()), DataType::int64());
}

TEST(Expr, RoundAbsAndNegate) {
  EXPECT_THAT(eval("round(x)"), ElementsAre("2", "3", "4", "null"));
  EXPECT_THAT(eval("round(x * 1.234, 2)"), ElementsAre("1.85", "3.09", "4.32", "null"));
  EXPECT_THAT(eval("round(a * 15, -1)"), ElementsAre("20", "30", "null", "60"));
  EXPECT_THAT(eval("abs(-a)"), ElementsAre("1", "2", "null", "4"));
}

TEST(Expr, DivisionIsFloatAndByZeroIsNull) {
  EXPECT_THAT(eval("a / 2"), ElementsAre("0.5", "1", "null", "2"));
  EXPECT_THAT(eval("a / b"), ElementsAre("0.1", "null", "null", "null"));
  EXPECT_THAT(eval("a % b"), ElementsAre("1", "null", "null", "null"));
}

TEST(Expr, IntegerOverflowIsAnError) {
  Table big = Table::from_columns({{"v", testing::int64s({INT64_MAX})}});
  EXPECT_THAT(message_of<SchemaError>([&] { return big.select({(col("v") + 1).alias("w")}); }),
              HasSubstr("integer overflow"));
}

TEST(Expr, ThreeValuedLogic) {
  // p: T F N T ; q: N N N F
  EXPECT_THAT(eval("p and q"), ElementsAre("null", "false", "null", "false"));
  EXPECT_THAT(eval("p or q"), ElementsAre("true", "null", "null", "true"));
  EXPECT_THAT(eval("not p"), ElementsAre("false", "true", "null", "false"));
  EXPECT_THAT(eval("p is null"), ElementsAre("false", "false", "true", "false"));
  EXPECT_THAT(eval("q is not null"), ElementsAre("false", "false", "false", "true"));
}

TEST(Expr, ComparisonsWithNullAreNull) {
  EXPECT_THAT(eval("a > 1"), ElementsAre("false", "true", "null", "true"));
  EXPECT_THAT(eval("a = null"), ElementsAre("null", "null", "null", "null"));
  EXPECT_THAT(eval("s >= 'a'"), ElementsAre("false", "true", "null", "false"));
}

TEST(Expr, InListFollowsSqlNullRules) {
  EXPECT_THAT(eval("a in (1, 4)"), ElementsAre("true", "false", "null", "true"));
  EXPECT_THAT(eval("a in (1, null)"), ElementsAre("true", "null", "null", "null"));
  EXPECT_THAT(eval("a not in (1, 4)"), ElementsAre("false", "true", "null", "false"));
  EXPECT_THAT(eval("x in (1.5, 3)"), ElementsAre("true", "false", "false", "null"));
  EXPECT_THAT(eval("s in ('wörld', 'Hell', 'Hello ')"),
              ElementsAre("false", "true", "null", "false"));
  EXPECT_THAT(eval("d in ('2024-02-29')"), ElementsAre("false", "false", "null", "true"));
  EXPECT_THAT(eval("n32 in (6, 8)"), ElementsAre("false", "true", "false", "true"));
  EXPECT_THAT(eval("p in (false)"), ElementsAre("false", "true", "null", "false"));
}

TEST(Expr, LongInListsAnswerLikeShortOnes) {
  // Past a dozen values the list is a hash set: the same answers, NULLs included.
  std::string numbers = "a in (4";
  std::string texts = "s in ('Hello'";
  std::string days = "d in ('2024-01-31'";
  std::string floats = "x in (2.5";
  std::string int32s = "n32 in (7";
  for (int i = 100; i < 130; ++i) {
    numbers += ", " + std::to_string(i);
    texts += ", 'w" + std::to_string(i) + "'";
    days += ", '2030-01-1" + std::to_string((i - 100) % 9 + 1) + "'";
    floats += ", " + std::to_string(i) + ".25";
    int32s += ", " + std::to_string(i);
  }
  EXPECT_THAT(eval(numbers + ")"), ElementsAre("false", "false", "null", "true"));
  EXPECT_THAT(eval(numbers + ", null)"), ElementsAre("null", "null", "null", "true"));
  EXPECT_THAT(eval(texts + ")"), ElementsAre("true", "false", "null", "false"));
  EXPECT_THAT(eval(days + ")"), ElementsAre("true", "false", "null", "false"));
  EXPECT_THAT(eval(floats + ")"), ElementsAre("false", "true", "false", "null"));
  EXPECT_THAT(eval(int32s + ")"), ElementsAre("false", "false", "true", "false"));
}

TEST(Expr, BetweenCaseAndCoalesce) {
  EXPECT_THAT(eval("a between 2 and 4"), ElementsAre("false", "true", "null", "true"));
  EXPECT_THAT(eval("case when a > 2 then 'big' when a > 1 then 'mid' else 'small' end"),
              ElementsAre("small", "mid", "small", "big"));
  EXPECT_THAT(eval("case when a > 2 then 'big' end"), ElementsAre("null", "null", "null", "big"));
  EXPECT_THAT(eval("coalesce(b, a, -1)"), ElementsAre("10", "2", "30", "0"));
  EXPECT_THAT(eval("coalesce(x, a)"), ElementsAre("1.5", "2.5", "3.5", "4"));
}

TEST(Expr, StringFunctionsCountCodePoints) {
  EXPECT_THAT(eval("length(s)"), ElementsAre("5", "5", "null", "7"));
  EXPECT_THAT(eval("upper(s)"), ElementsAre("HELLO", "WöRLD", "null", "  PAD  "));
  EXPECT_THAT(eval("lower(s)"), ElementsAre("hello", "wörld", "null", "  pad  "));
  EXPECT_THAT(eval("trim(s)"), ElementsAre("Hello", "wörld", "null", "pad"));
  EXPECT_THAT(eval("substr(s, 2, 3)"), ElementsAre("ell", "örl", "null", " pa"));
  EXPECT_THAT(eval("substr(s, 0, 2)"), ElementsAre("H", "w", "null", " "));
  EXPECT_THAT(eval("contains(s, 'l')"), ElementsAre("true", "true", "null", "false"));
  EXPECT_THAT(eval("starts_with(s, 'He')"), ElementsAre("true", "false", "null", "false"));
  EXPECT_THAT(eval("ends_with(s, 'd')"), ElementsAre("false", "true", "null", "false"));
  EXPECT_THAT(eval("s like 'w_rl%'"), ElementsAre("false", "true", "null", "false"));
  EXPECT_THAT(eval("s like '%l%o'"), ElementsAre("true", "false", "null", "false"));
  EXPECT_THAT(eval("s || '!' || a"), ElementsAre("Hello!1", "wörld!2", "null", "  pad  !4"));
  EXPECT_THAT(eval("concat(s, '?')"), ElementsAre("Hello?", "wörld?", "null", "  pad  ?"));
  EXPECT_THAT(eval("replace(s, 'l', 'L')"), ElementsAre("HeLLo", "wörLd", "null", "  pad  "));
}

// A plain recursive LIKE, the specification the engine's compiled patterns must agree with.
bool reference_like(std::string_view text, std::string_view pattern) {
  if (pattern.empty()) {
    return text.empty();
  }
  if (pattern[0] == '%') {
    for (size_t skip = 0; skip <= text.size(); ++skip) {
      if (reference_like(text.substr(skip), pattern.substr(1))) {
        return true;
      }
    }
    return false;
  }
  if (text.empty()) {
    return false;
  }
  // Sample texts are ASCII here, so _ is one byte.
  return (pattern[0] == '_' || pattern[0] == text[0]) &&
         reference_like(text.substr(1), pattern.substr(1));
}

TEST(Expr, LikePatternsOfEveryShapeAgreeWithTheDefinition) {
  // Every text over {a, b} up to 6 letters, against patterns of literal pieces, % and _ in
  // every position: exact, prefix%, %suffix, %contains%, a%b%a with overlapping ends, ...
  std::vector<std::string> texts = {""};
  for (size_t begin = 0, length = 0; length < 6; ++length) {
    size_t end = texts.size();
    for (size_t i = begin; i < end; ++i) {
      texts.push_back(texts[i] + "a");
      texts.push_back(texts[i] + "b");
    }
    begin = end;
  }
  std::vector<std::optional<std::string>> values(texts.begin(), texts.end());
  values.push_back(std::nullopt);
  Table table = Table::from_columns({{"s", testing::strings(values)}});
  const std::vector<std::string> patterns = {
      "",      "a",       "ab",      "%",       "%%",    "a%",    "%a",      "%ab%",
      "ab%ba", "aba%aba", "%a%",     "a%a",     "%b%b%", "a%%b",  "_",       "_%",
      "%_b",   "a_a%",    "%ba%ab%", "b%a%b%a", "abab",  "%aaaa", "aa%aa%aa"};
  for (const std::string& pattern : patterns) {
    std::vector<std::string> got =
        cells(*table.select({col("s").like(pattern).alias("m")}).column("m"));
    ASSERT_EQ(got.size(), texts.size() + 1);
    for (size_t i = 0; i < texts.size(); ++i) {
      ASSERT_EQ(got[i], reference_like(texts[i], pattern) ? "true" : "false")
          << "'" << texts[i] << "' LIKE '" << pattern << "'";
    }
    EXPECT_EQ(got.back(), "null");
  }
  // Multi-byte characters: % and the pieces never split a code point, _ takes a whole one.
  Table words = Table::from_columns({{"s", testing::strings({"crème brûlée", "über", "ü"})}});
  EXPECT_THAT(cells(*words.select({col("s").like("%è%û%").alias("m")}).column("m")),
              ElementsAre("true", "false", "false"));
  EXPECT_THAT(cells(*words.select({col("s").like("_ber").alias("m")}).column("m")),
              ElementsAre("false", "true", "false"));
  EXPECT_THAT(cells(*words.select({col("s").like("%ü").alias("m")}).column("m")),
              ElementsAre("false", "false", "true"));
}

TEST(Expr, TextTestsWithAColumnArgumentMatchRowByRow) {
  Table table = Table::from_columns({{"s", testing::strings({"abc", "abc", std::nullopt, "xy"})},
                                     {"t", testing::strings({"b", "d", "a", std::nullopt})}});
  auto test = [&](const std::string& text) {
    return cells(*table.select({parse_expr(text).alias("m")}).column("m"));
  };
  EXPECT_THAT(test("contains(s, t)"), ElementsAre("true", "false", "null", "null"));
  EXPECT_THAT(test("starts_with(s, t)"), ElementsAre("false", "false", "null", "null"));
  EXPECT_THAT(test("ends_with(s, 'c')"), ElementsAre("true", "true", "null", "false"));
}

TEST(Expr, DateFunctions) {
  EXPECT_THAT(eval("year(d)"), ElementsAre("2024", "2023", "null", "2024"));
  EXPECT_THAT(eval("month(d)"), ElementsAre("1", "12", "null", "2"));
  EXPECT_THAT(eval("day(d)"), ElementsAre("31", "1", "null", "29"));
  EXPECT_THAT(eval("date_add(d, 1)"),
              ElementsAre("2024-02-01", "2023-12-02", "null", "2024-03-01"));
  EXPECT_THAT(eval("d - 1"), ElementsAre("2024-01-30", "2023-11-30", "null", "2024-02-28"));
  EXPECT_THAT(eval("date_diff(d, date '2024-01-01')"), ElementsAre("30", "-31", "null", "59"));
  EXPECT_THAT(eval("date_trunc('month', d)"),
              ElementsAre("2024-01-01", "2023-12-01", "null", "2024-02-01"));
  EXPECT_THAT(eval("d < '2024-01-01'"), ElementsAre("false", "true", "null", "false"));
  EXPECT_THAT(eval("to_date('2024-03-01') > d"), ElementsAre("true", "true", "null", "true"));
}

TEST(Expr, CastsFailOrGiveNull) {
  Table text = Table::from_columns({{"t", testing::strings({"12", "x", std::nullopt, " 7 "})}});
  EXPECT_THAT(message_of<ParseError>(
                  [&] { return text.select({parse_expr("cast(t as int64)").alias("v")}); }),
              HasSubstr("cannot cast 'x' (string) to int64; use try_cast"));
  EXPECT_THAT(cells(*text.select({parse_expr("try_cast(t as int64)").alias("v")}).column("v")),
              ElementsAre("12", "null", "null", "7"));
  EXPECT_THAT(eval("cast(x as int64)"), ElementsAre("1", "2", "3", "null"));
  EXPECT_THAT(eval("cast(a as string)"), ElementsAre("1", "2", "null", "4"));
  EXPECT_THAT(
      eval("cast(d as timestamp)"),
      ElementsAre("2024-01-31 00:00:00", "2023-12-01 00:00:00", "null", "2024-02-29 00:00:00"));
  EXPECT_THAT(message_of<ParseError>([] { return sample().filter("d < date '2024-02-30'"); }),
              HasSubstr("cannot cast '2024-02-30' (string) to date32"));
}

TEST(Expr, TypeErrorsNameColumnsAndTypes) {
  Table table = sample();
  EXPECT_THAT(message_of<SchemaError>([&] { return table.filter("pricee > 1"); }),
              HasSubstr("no column \"pricee\""));
  Table priced = Table::from_columns({{"price", testing::int64s({1})}});
  EXPECT_THAT(message_of<SchemaError>([&] { return priced.filter("pricee > 1"); }),
              HasSubstr("no column \"pricee\"; did you mean \"price\"?"));
  EXPECT_THAT(message_of<SchemaError>([&] { return table.filter("s > 1"); }),
              HasSubstr("cannot compare string with int64"));
  EXPECT_THAT(message_of<SchemaError>([&] { return table.filter("a + 1"); }),
              HasSubstr("filter needs a bool predicate"));
  EXPECT_THAT(message_of<SchemaError>([&] { return table.select({parse_expr("upper(a)")}); }),
              HasSubstr("argument 1 of upper() must be a string, found int64"));
  EXPECT_THAT(message_of<SchemaError>([&] { return table.select({parse_expr("sum(a)")}); }),
              HasSubstr("only allowed in group_by"));
}

TEST(Expr, BuilderApiMatchesText) {
  Table table = sample();
  Table built = table.filter(col("a") > 1 && col("s").is_not_null());
  Table parsed = table.filter("a > 1 and s is not null");
  EXPECT_THAT(cells(built, "a"), ElementsAre("2", "4"));
  EXPECT_THAT(cells(parsed, "a"), ElementsAre("2", "4"));
  EXPECT_THAT(
      cells(*table.select({when(col("a") > 2, lit("big")).otherwise(lit("small")).alias("c")})
                 .column("c")),
      ElementsAre("small", "small", "small", "big"));
}

// lit() takes any C++ scalar, as the header comments have always written it.
TEST(Expr, LitTakesAnyCxxScalar) {
  using namespace std::chrono;
  EXPECT_EQ(lit(1).literal(), Scalar::int64(1));
  EXPECT_EQ(lit(int16_t{-3}).literal(), Scalar::int64(-3));
  EXPECT_EQ(lit(uint32_t{7}).literal(), Scalar::int64(7));
  EXPECT_EQ(lit(2.5f).literal(), Scalar::float64(2.5));
  EXPECT_EQ(lit(true).literal(), Scalar::boolean(true));
  EXPECT_EQ(lit("NYC").literal(), Scalar::string("NYC"));
  EXPECT_EQ(lit(std::string_view("LA")).literal(), Scalar::string("LA"));
  // std::chrono's year/month/day spelled out: the engine's own year()/month()/day()
  // expression functions share those names.
  EXPECT_EQ(
      lit(year_month_day{std::chrono::year(2024), std::chrono::month(1), std::chrono::day(31)})
          .literal()
          .to_display(),
      "2024-01-31");
  EXPECT_EQ(lit(sys_days(days(1))).literal(), Scalar::date32(1));
  EXPECT_EQ(lit(sys_time<milliseconds>(milliseconds(1500))).literal(),
            Scalar::timestamp(1'500'000));
  EXPECT_THROW(lit(uint64_t{1} << 63), SchemaError);
  EXPECT_THAT(
      cells(*sample().select({(col("a") * (lit(1) - lit(0.5))).alias("out")}).column("out")),
      ElementsAre("0.5", "1", "null", "2"));
}

}  // namespace
}  // namespace setl::engine
