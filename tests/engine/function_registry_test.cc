// The function registry through the public API: every function the parser knows has a C++
// builder making the same tree, every entry is documented, and the registry's type rules
// and kernels are what runs.
#include <functional>
#include <map>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "setl/core/error.h"
#include "setl/engine/functions.h"
#include "setl/engine/table.h"
#include "testing/columns.h"
#include "testing/temp_dir.h"

namespace setl::engine {
namespace {

using ::testing::HasSubstr;
using testing::message_of;

// Builders by registry name, with the argument text they are given, so each pair can be
// compared with the parser's tree for the same text.
struct Builder {
  std::function<Expr()> build;
  std::string text;  // the call as expression text
};

std::map<std::string, Builder> builders() {
  namespace fn = setl::engine::fn;
  Expr x = col("x");
  Expr s = col("s");
  Expr d = col("d");
  return {
      {"abs", {[=] { return fn::abs(x); }, "abs(x)"}},
      {"round", {[=] { return fn::round(x, lit(2)); }, "round(x, 2)"}},
      {"coalesce",
       {[=] {
          return fn::coalesce({x, lit(0)});
        },
        "coalesce(x, 0)"}},
      {"assert_true",
       {[=] { return fn::assert_true(x > 0, lit("x must be positive")); },
        "assert_true(x > 0, 'x must be positive')"}},
      {"add_months", {[=] { return fn::add_months(d, lit(3)); }, "add_months(d, 3)"}},
      {"length", {[=] { return fn::length(s); }, "length(s)"}},
      {"lower", {[=] { return fn::lower(s); }, "lower(s)"}},
      {"upper", {[=] { return fn::upper(s); }, "upper(s)"}},
      {"trim", {[=] { return fn::trim(s); }, "trim(s)"}},
      {"substr", {[=] { return fn::substr(s, lit(2), lit(3)); }, "substr(s, 2, 3)"}},
      {"contains", {[=] { return fn::contains(s, lit("a")); }, "contains(s, 'a')"}},
      {"starts_with", {[=] { return fn::starts_with(s, lit("a")); }, "starts_with(s, 'a')"}},
      {"ends_with", {[=] { return fn::ends_with(s, lit("a")); }, "ends_with(s, 'a')"}},
      {"concat",
       {[=] {
          return fn::concat({s, lit("!")});
        },
        "concat(s, '!')"}},
      {"replace", {[=] { return fn::replace(s, lit("a"), lit("b")); }, "replace(s, 'a', 'b')"}},
      {"compress", {[=] { return fn::compress(s); }, "compress(s)"}},
      {"decompress", {[=] { return fn::decompress(s); }, "decompress(s)"}},
      {"year", {[=] { return fn::year(d); }, "year(d)"}},
      {"month", {[=] { return fn::month(d); }, "month(d)"}},
      {"day", {[=] { return fn::day(d); }, "day(d)"}},
      {"date_add", {[=] { return fn::date_add(d, lit(3)); }, "date_add(d, 3)"}},
      {"date_diff", {[=] { return fn::date_diff(d, d); }, "date_diff(d, d)"}},
      {"to_date", {[=] { return fn::to_date(s); }, "to_date(s)"}},
      {"date_trunc", {[=] { return fn::date_trunc("month", d); }, "date_trunc('month', d)"}},
      {"count", {[=] { return fn::count(x); }, "count(x)"}},
      {"count_all", {[] { return fn::count_all(); }, "count(*)"}},
      {"count_distinct", {[=] { return fn::count_distinct(x); }, "count_distinct(x)"}},
      {"sum", {[=] { return fn::sum(x); }, "sum(x)"}},
      {"mean", {[=] { return fn::mean(x); }, "mean(x)"}},
      {"min", {[=] { return fn::min(x); }, "min(x)"}},
      {"max", {[=] { return fn::max(x); }, "max(x)"}},
      {"first", {[=] { return fn::first(x); }, "first(x)"}},
      {"last", {[=] { return fn::last(x); }, "last(x)"}},
      {"stddev", {[=] { return fn::stddev(x); }, "stddev(x)"}},
      {"row_number",
       {[] {
          return fn::row_number().over({{"g"}, {asc("x")}});
        },
        "row_number() over (partition by g order by x)"}},
      {"rank",
       {[] {
          return fn::rank().over({{}, {asc("x")}});
        },
        "rank() over (order by x)"}},
      {"dense_rank",
       {[] {
          return fn::dense_rank().over({{}, {asc("x")}});
        },
        "dense_rank() over (order by x)"}},
      {"lag",
       {[=] {
          return fn::lag(x, 2, lit(0)).over({{}, {asc("x")}});
        },
        "lag(x, 2, 0) over (order by x)"}},
      {"lead",
       {[=] {
          return fn::lead(x).over({{}, {asc("x")}});
        },
        "lead(x) over (order by x)"}},
      {"cum_sum",
       {[=] {
          return fn::cum_sum(x).over({{}, {asc("x")}});
        },
        "cum_sum(x) over (order by x)"}},
  };
}

TEST(FunctionRegistry, EveryNamedFunctionHasACppBuilderMakingTheParsersTree) {
  std::map<std::string, Builder> all = builders();
  size_t named = 0;
  for (const FunctionInfo& info : list_functions()) {
    if (info.kind == FunctionKind::kOperator) {
      continue;
    }
    ++named;
    auto found = all.find(info.name);
    ASSERT_NE(found, all.end()) << info.name << " has no C++ builder in setl::engine::fn";
    Expr built = found->second.build();
    Expr parsed = parse_expr(found->second.text);
    EXPECT_TRUE(same_expr(built, parsed))
        << info.name << ": built " << built.to_string() << ", parsed " << parsed.to_string();
  }
  EXPECT_EQ(named, all.size()) << "a builder names a function the registry does not have";
}

TEST(FunctionRegistry, EveryEntryIsDocumented) {
  std::vector<FunctionInfo> infos = list_functions();
  EXPECT_GT(infos.size(), 50u);
  for (const FunctionInfo& info : infos) {
    EXPECT_FALSE(info.signature.empty()) << info.name;
    EXPECT_FALSE(info.doc.empty()) << info.name;
    EXPECT_FALSE(info.nulls.empty()) << info.name;
    EXPECT_FALSE(info.category.empty()) << info.name;
    EXPECT_LE(info.min_args, info.max_args) << info.name;
  }
  std::string markdown = functions_markdown();
  auto escaped = [](const std::string& text) {  // Markdown table cells escape '|'
    std::string out;
    for (char c : text) {
      out += c == '|' ? std::string("\\|") : std::string(1, c);
    }
    return out;
  };
  for (const FunctionInfo& info : infos) {
    EXPECT_NE(markdown.find("`" + escaped(info.signature) + "`"), std::string::npos) << info.name;
  }
}

TEST(FunctionRegistry, AliasesParseToTheirFunction) {
  EXPECT_TRUE(same_expr(parse_expr("avg(x)"), fn::mean(col("x"))));
  EXPECT_TRUE(same_expr(parse_expr("substring(s, 2)"), fn::substr(col("s"), lit(2))));
}

TEST(FunctionRegistry, RoundAndAbsAreCppFunctions) {
  namespace fn = setl::engine::fn;
  Table table = Table::from_columns(
      {{"x", testing::float64s({2.345, -2.5, 1250})}, {"n", testing::int64s({-3, 4, 0})}});
  Table out =
      table.select({fn::round(col("x"), lit(2)).alias("r2"), fn::round(col("x")).alias("r0"),
                    fn::round(col("x"), lit(-2)).alias("hundreds"), fn::abs(col("n")).alias("a")});
  EXPECT_EQ(out.at(0, "r2"), Scalar::float64(2.35));
  EXPECT_EQ(out.at(1, "r0"), Scalar::float64(-3));  // half away from zero
  EXPECT_EQ(out.at(2, "hundreds"), Scalar::float64(1300));
  EXPECT_EQ(out.at(0, "a"), Scalar::int64(3));
  EXPECT_EQ(out.at(0, "a"), table.select({parse_expr("abs(n)").alias("a")}).at(0, "a"));
}

TEST(FunctionRegistry, ArityAndTypeErrorsComeFromTheEntry) {
  EXPECT_THAT(message_of<ParseError>([] { return parse_expr("round(x, 1, 2)"); }),
              HasSubstr("round() takes 1 to 2 argument(s), got 3"));
  EXPECT_THAT(message_of<ParseError>([] { return parse_expr("replace(s)"); }),
              HasSubstr("replace() takes 3 argument(s), got 1"));
  Table table = Table::from_columns({{"s", testing::strings({"a"})}});
  EXPECT_THAT(message_of<SchemaError>([&] { return table.select({fn::abs(col("s"))}); }),
              HasSubstr("argument 1 of abs() must be a number, found string"));
  EXPECT_THAT(message_of<SchemaError>([&] { return table.select({call("upper", {})}); }),
              HasSubstr("upper() takes 1 argument(s), got 0"));
}

TEST(FunctionRegistry, UnknownNamesSuggestARegisteredOne) {
  EXPECT_THAT(message_of<ParseError>([] { return parse_expr("uppr(s)"); }),
              HasSubstr("did you mean 'upper'?"));
  EXPECT_THAT(message_of<ParseError>([] { return parse_expr("stdev(x)"); }),
              HasSubstr("did you mean 'stddev'?"));
  // Operators are syntax, not callable names.
  EXPECT_THAT(message_of<ParseError>([] { return parse_expr("and(a, b)"); }),
              HasSubstr("unknown function 'and'"));
}

}  // namespace
}  // namespace setl::engine
