// Mistakes in SQL text are reported before anything runs, pointing at the place (line,
// column, caret) and saying what was expected or what was meant.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "setl/core/error.h"
#include "setl/sql/session.h"
#include "testing/columns.h"

namespace setl::sql {
namespace {

using ::testing::HasSubstr;
using testing::int64s;
using testing::strings;

class SqlErrors : public ::testing::Test {
 protected:
  void SetUp() override {
    session_.register_table(
        "people", engine::Table::from_columns({{"id", int64s({1, 2})},
                                               {"name", strings({"ada", "bob"})},
                                               {"city", strings({"paris", std::nullopt})}}));
    session_.register_table(
        "orders", engine::Table::from_columns({{"id", int64s({10})}, {"person", int64s({1})}}));
  }

  // The message of the error `text` raises, which must be of type E.
  template <class E>
  std::string error_of(const std::string& text) {
    try {
      (void)session_.sql(text);
    } catch (const E& error) {
      return error.what();
    } catch (const std::exception& error) {
      ADD_FAILURE() << "wrong kind of error for " << text << ": " << error.what();
      return "";
    }
    ADD_FAILURE() << "no error for " << text;
    return "";
  }

  Session session_;
};

TEST_F(SqlErrors, SyntaxErrorsPointAtTheTokenAndSayWhatWasExpected) {
  EXPECT_EQ(error_of<ParseError>("SELECT name FROM people WHERE"),
            "line 1, column 30: expected an expression, found the end of the statement\n"
            "  SELECT name FROM people WHERE\n"
            "                               ^");
  EXPECT_THAT(error_of<ParseError>("SELECT name,\n  age +\nFROM people"),
              HasSubstr("line 3, column 1: expected an expression, found the keyword 'FROM'"));
  EXPECT_THAT(error_of<ParseError>("SELECT * FROM people WHERE name = 'ada"),
              HasSubstr("line 1, column 35: unterminated string starting here"));
  EXPECT_THAT(error_of<ParseError>("SELECT * FROM people ORDER name"),
              HasSubstr("expected BY, found 'name'"));
  EXPECT_THAT(error_of<ParseError>("SELECT CASE WHEN 1 = 1 THEN 2 FROM people"),
              HasSubstr("expected WHEN, ELSE or END"));
  EXPECT_THAT(error_of<ParseError>("SELECT * FROM people LIMIT -1"),
              HasSubstr("LIMIT takes a non-negative integer"));
  EXPECT_THAT(error_of<ParseError>("SELECT 1 SELECT 2"), HasSubstr("column 10"));
  EXPECT_THAT(error_of<ParseError>("UPDATE people SET id = 1"),
              HasSubstr("expected SELECT, WITH, EXPLAIN, CREATE TEMP VIEW or DROP VIEW"));
  EXPECT_THAT(error_of<ParseError>("SELECT sum(id) OVER (ORDER BY id ROWS BETWEEN 1 PRECEDING) "
                                   "FROM people"),
              HasSubstr("column 58: expected AND"));
  EXPECT_THAT(
      error_of<ParseError>("SELECT sum(id) OVER (ORDER BY id ROWS 1.5 PRECEDING) FROM people"),
      HasSubstr("column 34: a ROWS frame counts rows: its offsets must be integers"));
  EXPECT_THAT(
      error_of<ParseError>("SELECT sum(id) OVER (ORDER BY id RANGE INTERVAL 1 DAY PRECEDING) "
                           "FROM people"),
      HasSubstr("column 40: INTERVAL offsets in a window frame are not supported"));
}

TEST_F(SqlErrors, UnknownNamesSuggestTheClosestOne) {
  EXPECT_THAT(error_of<SchemaError>("SELECT * FROM peple"),
              HasSubstr("line 1, column 15: no table or view 'peple'; did you mean 'people'?"));
  EXPECT_THAT(error_of<SchemaError>("SELECT nme FROM people"),
              HasSubstr("no column 'nme'; did you mean 'name'?"));
  EXPECT_THAT(error_of<SchemaError>("SELECT zzz FROM people"),
              HasSubstr("no column 'zzz'; columns here: id, name, city"));
  EXPECT_THAT(error_of<SchemaError>("SELECT p.nmae FROM people p"),
              HasSubstr("did you mean 'p.name'?"));
  EXPECT_THAT(error_of<SchemaError>("SELECT lenght(name) FROM people"),
              HasSubstr("unknown function 'lenght'; did you mean 'length'?"));
  EXPECT_THAT(error_of<SchemaError>("SELECT id FROM people, orders"),
              HasSubstr("column 'id' is ambiguous: it could be people.id, orders.id"));
}

TEST_F(SqlErrors, MisplacedAggregatesAndUngroupedColumns) {
  EXPECT_THAT(error_of<SchemaError>("SELECT name, count(*) FROM people GROUP BY city"),
              HasSubstr("column 'name' in the select list is neither in GROUP BY nor inside an "
                        "aggregate function"));
  EXPECT_THAT(error_of<SchemaError>("SELECT name FROM people WHERE count(*) > 1"),
              HasSubstr("aggregate function count() is not allowed in WHERE"));
  EXPECT_THAT(error_of<SchemaError>("SELECT sum(count(*)) FROM people"),
              HasSubstr("aggregate function count() is not allowed"));
  EXPECT_THAT(error_of<SchemaError>("SELECT * FROM people GROUP BY city"),
              HasSubstr("* cannot be used with GROUP BY"));
}

TEST_F(SqlErrors, TypesAreCheckedBeforeAnythingRuns) {
  EXPECT_THROW((void)session_.sql("SELECT name + 1 FROM people"), SchemaError);
  EXPECT_THAT(error_of<SchemaError>("SELECT id FROM people UNION SELECT id, name FROM people"),
              HasSubstr("UNION needs as many columns on each side: 1 and 2"));
  EXPECT_THAT(error_of<SchemaError>("SELECT * FROM people WHERE name LIKE city"),
              HasSubstr("the pattern of like must be a string constant"));
  EXPECT_THAT(error_of<SchemaError>("SELECT CAST(id AS blob) FROM people"),
              HasSubstr("unknown type 'blob'"));
}

TEST_F(SqlErrors, UnsupportedFormsSayWhatToWriteInstead) {
  EXPECT_THAT(error_of<SchemaError>(
                  "SELECT name FROM people p WHERE id = 1 OR EXISTS (SELECT * FROM orders)"),
              HasSubstr("supported as conditions of WHERE or HAVING, joined to the others by AND"));
  EXPECT_THAT(error_of<SchemaError>("SELECT (SELECT id FROM orders o WHERE o.person = p.id) "
                                    "FROM people p"),
              HasSubstr("a correlated scalar subquery must compute one aggregate"));
  EXPECT_THAT(error_of<SchemaError>("SELECT sum(id) OVER (ORDER BY name RANGE BETWEEN 1 PRECEDING "
                                    "AND CURRENT ROW) FROM people"),
              HasSubstr("needs a number or a date to order by"));
  EXPECT_THAT(
      error_of<SchemaError>("SELECT rank() OVER (ORDER BY id ROWS 1 PRECEDING) FROM people"),
      HasSubstr("rank() takes no window frame"));
  EXPECT_THAT(error_of<SchemaError>("SELECT sum(DISTINCT id) OVER (ORDER BY id) FROM people"),
              HasSubstr("DISTINCT aggregates are allowed over a whole partition"));
  EXPECT_THAT(error_of<SchemaError>("SELECT sum(id) OVER (ORDER BY id, name RANGE 1 PRECEDING) "
                                    "FROM people"),
              HasSubstr("RANGE frame with an offset measures distance along one ORDER BY key"));
}

TEST_F(SqlErrors, NestingIsBounded) {
  std::string deep = "SELECT " + std::string(5000, '(') + "1" + std::string(5000, ')');
  EXPECT_THAT(error_of<ParseError>(deep), HasSubstr("nests more than 200 levels"));
  std::string subqueries = "SELECT 1";
  for (int i = 0; i < 300; ++i) {
    subqueries = "SELECT * FROM (" + subqueries + ") t";
  }
  EXPECT_THAT(error_of<ParseError>(subqueries), HasSubstr("nests more than"));
  std::string chain = "SELECT 1";
  for (int i = 0; i < 100'000; ++i) {
    chain += " + 1";
  }
  EXPECT_THAT(error_of<ParseError>(chain), HasSubstr("nests more than 400 levels deep"));
  std::string conditions = "SELECT * FROM people WHERE id = 1";
  for (int i = 0; i < 5'000; ++i) {
    conditions += " AND (id = 1 OR (id = 2 AND id = 3))";
  }
  EXPECT_THAT(error_of<ParseError>(conditions), HasSubstr("nests more than"));
  // Below the bound, deep statements plan and run (no walk overflows the stack).
  std::string nested = "SELECT id FROM people";
  for (int i = 0; i < 60; ++i) {
    nested = "SELECT id + 1 AS id FROM (" + nested + ") t WHERE id > 0";
  }
  EXPECT_EQ(session_.sql(nested + " ORDER BY id").collect().at(0, "id").as_int(), 61);
  std::string deep_expression = std::string(150, '(') + "id" + std::string(150, ')');
  EXPECT_EQ(session_.sql("SELECT " + deep_expression + " AS x FROM people").collect().num_rows(),
            2);
}

TEST_F(SqlErrors, ScriptErrorsNameTheStatement) {
  try {
    session_.execute_script("SELECT 1;\n\nSELECT nope FROM people;");
    FAIL() << "expected a SchemaError";
  } catch (const SchemaError& error) {
    EXPECT_THAT(error.what(),
                HasSubstr("in the statement starting on line 3 of the script: line 1, column 8: "
                          "no column 'nope'"));
  }
}

}  // namespace
}  // namespace setl::sql
