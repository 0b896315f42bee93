// What SQL text means: every clause of the dialect through Session::sql(), with results
// checked cell by cell (NULL semantics included).
#include "setl/sql/session.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "setl/core/error.h"
#include "testing/columns.h"
#include "testing/table_matchers.h"

struct Visit {
  int64_t person;
  std::string page;
};
SETL_SCHEMA(Visit, person, page)

namespace setl::sql {
namespace {

using engine::Table;
using testing::int64s;
using testing::strings;
using testing::TableIs;

class Sql : public ::testing::Test {
 protected:
  void SetUp() override {
    session_.register_table(
        "people",
        Table::from_columns({{"id", int64s({1, 2, 3, 4, 5})},
                             {"name", strings({"ada", "bob", "cy", "dee", "eve"})},
                             {"city", strings({"paris", "rome", "paris", std::nullopt, "rome"})},
                             {"age", int64s({36, 25, 41, std::nullopt, 25})}}));
    session_.register_table(
        "orders",
        Table::from_columns({{"id", int64s({10, 11, 12, 13, 14})},
                             {"person", int64s({1, 1, 2, 3, 9})},
                             {"amount", int64s({100, 50, 70, std::nullopt, 5})},
                             {"day", testing::dates({"2024-01-31", "2024-02-10", "2024-02-11",
                                                     "2024-03-01", "2024-03-02"})}}));
  }
  Table run(const std::string& text) { return session_.sql(text).collect(); }

  Session session_;
};

TEST_F(Sql, SelectsFiltersSortsAndLimits) {
  EXPECT_THAT(run("SELECT name, age * 2 AS twice FROM people WHERE age >= 25 "
                  "ORDER BY age DESC, name LIMIT 3"),
              TableIs({"name", "twice"}, {{"cy", "82"}, {"ada", "72"}, {"bob", "50"}}));
  EXPECT_THAT(run("select distinct city from people order by city nulls last"),
              TableIs({"city"}, {{"paris"}, {"rome"}, {"null"}}));
  EXPECT_THAT(run("SELECT name FROM people ORDER BY id LIMIT 2 OFFSET 3"),
              TableIs({"name"}, {{"dee"}, {"eve"}}));
  // ORDER BY an expression that is not selected, and by position.
  EXPECT_THAT(run("SELECT name FROM people WHERE age IS NOT NULL ORDER BY -age"),
              TableIs({"name"}, {{"cy"}, {"ada"}, {"bob"}, {"eve"}}));
  EXPECT_THAT(run("SELECT name, age FROM people WHERE age < 30 ORDER BY 2, 1 DESC"),
              TableIs({"name", "age"}, {{"eve", "25"}, {"bob", "25"}}));
}

TEST_F(Sql, JoinsOfEveryKind) {
  auto names = [&](const std::string& join) {
    return run("SELECT p.name, o.id FROM people p " + join +
               " orders o ON p.id = o.person ORDER BY p.name NULLS LAST, o.id NULLS LAST");
  };
  EXPECT_THAT(names("JOIN"),
              TableIs({"name", "id"}, {{"ada", "10"}, {"ada", "11"}, {"bob", "12"}, {"cy", "13"}}));
  EXPECT_EQ(names("LEFT JOIN").num_rows(), 6);
  EXPECT_EQ(names("RIGHT OUTER JOIN").num_rows(), 5);
  EXPECT_EQ(names("FULL JOIN").num_rows(), 7);
  EXPECT_THAT(run("SELECT name FROM people LEFT SEMI JOIN orders ON people.id = orders.person "
                  "ORDER BY name"),
              TableIs({"name"}, {{"ada"}, {"bob"}, {"cy"}}));
  EXPECT_THAT(
      run("SELECT name FROM people p LEFT ANTI JOIN orders o ON p.id = o.person ORDER BY 1"),
      TableIs({"name"}, {{"dee"}, {"eve"}}));
  Table crossed = run("SELECT * FROM people CROSS JOIN orders");
  EXPECT_EQ(crossed.num_rows(), 25);
  EXPECT_EQ(crossed.schema()->names(),
            (std::vector<std::string>{"id", "name", "city", "age", "orders.id", "person", "amount",
                                      "day"}));
  // A condition besides the keys filters what an outer join matches, not its left rows.
  EXPECT_THAT(
      run("SELECT p.name, o.amount FROM people p LEFT JOIN orders o "
          "ON p.id = o.person AND o.amount > 60 ORDER BY p.id"),
      TableIs({"name", "amount"},
              {{"ada", "100"}, {"bob", "70"}, {"cy", "null"}, {"dee", "null"}, {"eve", "null"}}));
  // Non-equi joins and USING.
  EXPECT_EQ(run("SELECT * FROM people a JOIN people b ON a.age < b.age").num_rows(), 5);
  EXPECT_THAT(run("SELECT id, name FROM people JOIN (SELECT person AS id, amount FROM orders) o "
                  "USING (id) WHERE amount > 60 ORDER BY id"),
              TableIs({"id", "name"}, {{"1", "ada"}, {"2", "bob"}}));
}

TEST_F(Sql, GroupsByExpressionsPositionsAndAliases) {
  EXPECT_THAT(run("SELECT city, count(*) AS n, sum(age) AS total, max(name) FROM people "
                  "GROUP BY city HAVING count(*) > 1 ORDER BY city"),
              TableIs({"city", "n", "total", "max(name)"},
                      {{"paris", "2", "77", "cy"}, {"rome", "2", "50", "eve"}}));
  EXPECT_THAT(run("SELECT age > 30 AS old, count(*) FROM people WHERE age IS NOT NULL "
                  "GROUP BY 1 ORDER BY old"),
              TableIs({"old", "count(*)"}, {{"false", "2"}, {"true", "2"}}));
  EXPECT_THAT(run("SELECT upper(city) AS c, count(DISTINCT age) AS ages FROM people "
                  "GROUP BY c ORDER BY c NULLS FIRST"),
              TableIs({"c", "ages"}, {{"null", "0"}, {"PARIS", "2"}, {"ROME", "1"}}));
  EXPECT_THAT(run("SELECT count(*), avg(age), min(day) FROM people, orders WHERE people.id = "
                  "orders.person"),
              TableIs({"count(*)", "avg(age)", "min(day)"}, {{"4", "34.5", "2024-01-31"}}));
}

TEST_F(Sql, RollupCubeAndGroupingSets) {
  EXPECT_THAT(run("SELECT city, age, count(*) AS n, grouping(city) AS gc FROM people "
                  "WHERE city IS NOT NULL GROUP BY ROLLUP (city, age) "
                  "ORDER BY gc, city, age NULLS FIRST"),
              TableIs({"city", "age", "n", "gc"}, {{"paris", "null", "2", "0"},
                                                   {"paris", "36", "1", "0"},
                                                   {"paris", "41", "1", "0"},
                                                   {"rome", "null", "2", "0"},
                                                   {"rome", "25", "2", "0"},
                                                   {"null", "null", "4", "1"}}));
  EXPECT_EQ(run("SELECT city, age, count(*) FROM people GROUP BY CUBE (city, age)").num_rows(),
            4 + 3 + 4 + 1);
  EXPECT_THAT(
      run("SELECT city, count(*) AS n FROM people GROUP BY GROUPING SETS ((city), ()) "
          "ORDER BY n, city"),
      TableIs({"city", "n"}, {{"null", "1"}, {"paris", "2"}, {"rome", "2"}, {"null", "5"}}));
}

TEST_F(Sql, WindowFunctions) {
  EXPECT_THAT(run("SELECT name, row_number() OVER (PARTITION BY city ORDER BY age DESC, id) AS r, "
                  "rank() OVER (ORDER BY age) AS k, "
                  "sum(age) OVER (PARTITION BY city) AS city_total, "
                  "sum(age) OVER (ORDER BY id) AS running, "
                  "lag(name) OVER (ORDER BY id) AS before "
                  "FROM people ORDER BY id"),
              TableIs({"name", "r", "k", "city_total", "running", "before"},
                      {{"ada", "2", "4", "77", "36", "null"},
                       {"bob", "1", "2", "50", "61", "ada"},
                       {"cy", "1", "5", "77", "102", "bob"},
                       {"dee", "1", "1", "null", "102", "cy"},
                       {"eve", "2", "2", "50", "127", "dee"}}));
  EXPECT_THAT(
      run("SELECT city, count(*) AS n, rank() OVER (ORDER BY count(*) DESC, city) AS r "
          "FROM people GROUP BY city ORDER BY r"),
      TableIs({"city", "n", "r"}, {{"paris", "2", "1"}, {"rome", "2", "2"}, {"null", "1", "3"}}));
}

TEST_F(Sql, RowsFramesForSumsCountsAndAverages) {
  EXPECT_THAT(run("SELECT id, sum(age) OVER (ORDER BY id ROWS BETWEEN 1 PRECEDING AND 1 FOLLOWING) "
                  "AS s, count(*) OVER (ORDER BY id ROWS 2 PRECEDING) AS n, "
                  "avg(age) OVER (PARTITION BY city ORDER BY id ROWS BETWEEN CURRENT ROW AND "
                  "UNBOUNDED FOLLOWING) AS a FROM people ORDER BY id"),
              TableIs({"id", "s", "n", "a"}, {{"1", "61", "1", "38.5"},
                                              {"2", "102", "2", "25"},
                                              {"3", "66", "3", "41"},
                                              {"4", "66", "3", "null"},
                                              {"5", "25", "3", "25"}}));
}

TEST_F(Sql, FramesForEveryAggregateAndRangeOffsets) {
  // Ages by id: 36, 25, 41, NULL, 25.
  EXPECT_THAT(run("SELECT id, max(age) OVER (ORDER BY id ROWS 1 PRECEDING) AS m, "
                  "min(age) OVER (ORDER BY id) AS low, "
                  "sum(age) OVER (ORDER BY age RANGE BETWEEN 5 PRECEDING AND CURRENT ROW) AS near, "
                  "count(age) OVER (ORDER BY id ROWS BETWEEN 1 FOLLOWING AND 1 PRECEDING) AS none "
                  "FROM people ORDER BY id"),
              TableIs({"id", "m", "low", "near", "none"}, {{"1", "36", "36", "36", "0"},
                                                           {"2", "36", "25", "50", "0"},
                                                           {"3", "41", "25", "77", "0"},
                                                           {"4", "41", "25", "null", "0"},
                                                           {"5", "25", "25", "50", "0"}}));
  // SQL's names for engine functions hold in windows too (stddev_samp is stddev).
  EXPECT_THAT(run("SELECT id, round(stddev_samp(age) OVER (ORDER BY id ROWS 1 PRECEDING), 3) AS sd "
                  "FROM people WHERE id <= 2 ORDER BY id"),
              TableIs({"id", "sd"}, {{"1", "null"}, {"2", "7.778"}}));
  // The same frame in the dataframe API plans to the same window.
  engine::LazyFrame frame = session_.sql(
      "SELECT id, sum(age) OVER (ORDER BY id ROWS BETWEEN 2 PRECEDING AND CURRENT ROW) AS s "
      "FROM people");
  EXPECT_THAT(frame.explain(), ::testing::HasSubstr("ROWS BETWEEN 2 PRECEDING AND CURRENT ROW"));
}

TEST_F(Sql, SetOperationsMatchByPositionAndTreatNullsAsEqual) {
  EXPECT_THAT(run("SELECT city FROM people UNION SELECT 'oslo' ORDER BY city NULLS FIRST"),
              TableIs({"city"}, {{"null"}, {"oslo"}, {"paris"}, {"rome"}}));
  EXPECT_EQ(run("SELECT city FROM people UNION ALL SELECT city FROM people").num_rows(), 10);
  EXPECT_THAT(run("SELECT city FROM people INTERSECT SELECT city FROM people WHERE age < 30 OR "
                  "age IS NULL ORDER BY 1 NULLS FIRST"),
              TableIs({"city"}, {{"null"}, {"rome"}}));
  EXPECT_THAT(run("SELECT city FROM people EXCEPT SELECT city FROM people WHERE id > 3"),
              TableIs({"city"}, {{"paris"}}));
  // ALL keeps copies: cities are paris, rome, paris, NULL, rome by id.
  EXPECT_THAT(run("SELECT city FROM people INTERSECT ALL SELECT city FROM people WHERE id <> 1 "
                  "ORDER BY 1 NULLS FIRST"),
              TableIs({"city"}, {{"null"}, {"paris"}, {"rome"}, {"rome"}}));
  EXPECT_THAT(
      run("SELECT city FROM people EXCEPT ALL SELECT city FROM people WHERE id IN (1, 2, 4) "
          "ORDER BY 1"),
      TableIs({"city"}, {{"paris"}, {"rome"}}));
  EXPECT_EQ(run("SELECT city, age FROM people EXCEPT ALL SELECT city, age FROM people").num_rows(),
            0);
  // Types meet at their common type: int64 and decimal.
  EXPECT_THAT(run("SELECT 1 AS x UNION ALL SELECT 2.5 ORDER BY x"),
              TableIs({"x"}, {{"1.0"}, {"2.5"}}));
}

TEST_F(Sql, WithSubqueriesInFromAndViews) {
  EXPECT_THAT(run("WITH spend AS (SELECT person, sum(amount) AS total FROM orders GROUP BY person) "
                  "SELECT p.name, s.total FROM people p JOIN spend s ON p.id = s.person "
                  "WHERE s.total > 60 ORDER BY total DESC"),
              TableIs({"name", "total"}, {{"ada", "150"}, {"bob", "70"}}));
  EXPECT_THAT(run("SELECT t.a + t.b AS c FROM (SELECT id, age FROM people WHERE id < 3) AS t (a, b)"
                  " ORDER BY c"),
              TableIs({"c"}, {{"27"}, {"37"}}));
  session_.execute("CREATE TEMP VIEW adults AS SELECT * FROM people WHERE age >= 30");
  EXPECT_EQ(run("SELECT count(*) AS n FROM adults").at(0, "n").as_int(), 2);
  session_.execute("CREATE OR REPLACE TEMP VIEW adults AS SELECT * FROM people WHERE age >= 40");
  EXPECT_EQ(run("SELECT count(*) AS n FROM adults").at(0, "n").as_int(), 1);
  EXPECT_THROW(session_.sql("CREATE TEMP VIEW adults AS SELECT 1"), StateError);
  session_.execute("DROP VIEW adults");
  EXPECT_THROW(session_.sql("DROP VIEW adults"), StateError);
  session_.execute("DROP VIEW IF EXISTS adults");
  EXPECT_FALSE(session_.view("adults"));
  // A view read twice (TPC-H Q15's pattern) is computed once.
  session_.execute(
      "CREATE TEMP VIEW spend AS SELECT person, sum(amount) AS total FROM orders GROUP BY person");
  engine::LazyFrame best =
      session_.sql("SELECT person, total FROM spend WHERE total = (SELECT max(total) FROM spend)");
  EXPECT_THAT(best.explain(), ::testing::HasSubstr("runs once"));
  EXPECT_THAT(best.collect(), TableIs({"person", "total"}, {{"1", "150"}}));
}

TEST_F(Sql, SubqueriesBecomeJoins) {
  // Uncorrelated scalar, IN and NOT IN (a NULL in the list makes NOT IN unknown).
  EXPECT_THAT(run("SELECT name FROM people WHERE age > (SELECT avg(age) FROM people) ORDER BY 1"),
              TableIs({"name"}, {{"ada"}, {"cy"}}));
  EXPECT_THAT(run("SELECT name FROM people WHERE id IN (SELECT person FROM orders) ORDER BY 1"),
              TableIs({"name"}, {{"ada"}, {"bob"}, {"cy"}}));
  EXPECT_THAT(run("SELECT name FROM people WHERE id NOT IN (SELECT person FROM orders) ORDER BY 1"),
              TableIs({"name"}, {{"dee"}, {"eve"}}));
  EXPECT_EQ(run("SELECT name FROM people WHERE id NOT IN (SELECT amount FROM orders)").num_rows(),
            0);
  // Correlated: EXISTS with a condition besides the keys, and a scalar aggregate whose
  // count over no rows is 0, not NULL.
  EXPECT_THAT(run("SELECT name FROM people p WHERE EXISTS (SELECT * FROM orders o WHERE "
                  "o.person = p.id AND o.amount > p.age) ORDER BY 1"),
              TableIs({"name"}, {{"ada"}, {"bob"}}));
  EXPECT_THAT(run("SELECT name FROM people p WHERE NOT EXISTS (SELECT 1 FROM orders o WHERE "
                  "o.person = p.id) ORDER BY 1"),
              TableIs({"name"}, {{"dee"}, {"eve"}}));
  EXPECT_THAT(run("SELECT name, (SELECT count(*) FROM orders o WHERE o.person = p.id) AS n "
                  "FROM people p ORDER BY id"),
              TableIs({"name", "n"},
                      {{"ada", "2"}, {"bob", "1"}, {"cy", "1"}, {"dee", "0"}, {"eve", "0"}}));
  EXPECT_THAT(run("SELECT name FROM people p WHERE age > (SELECT max(amount) - 90 FROM orders o "
                  "WHERE o.person = p.id) ORDER BY 1"),
              TableIs({"name"}, {{"ada"}, {"bob"}}));
  // Never run per row: the plan has joins, not a nested evaluation.
  EXPECT_THAT(session_
                  .sql("SELECT name FROM people p WHERE EXISTS (SELECT * FROM orders o "
                       "WHERE o.person = p.id)")
                  .explain(),
              ::testing::HasSubstr("Join semi"));
  // A scalar subquery with more rows than one fails when it runs.
  EXPECT_THROW(run("SELECT name, (SELECT id FROM orders) FROM people"), StateError);
}

TEST_F(Sql, ExpressionsCastsDatesAndIntervals) {
  EXPECT_THAT(run("SELECT CASE WHEN age IS NULL THEN 'unknown' WHEN age < 30 THEN 'young' ELSE "
                  "'older' END AS band, CASE city WHEN 'rome' THEN 1 ELSE 0 END AS r, "
                  "CAST(age AS STRING) || '!' AS s, coalesce(city, '-') AS c "
                  "FROM people ORDER BY id LIMIT 4"),
              TableIs({"band", "r", "s", "c"}, {{"older", "0", "36!", "paris"},
                                                {"young", "1", "25!", "rome"},
                                                {"older", "0", "41!", "paris"},
                                                {"unknown", "0", "null", "-"}}));
  EXPECT_THAT(run("SELECT id FROM orders WHERE day BETWEEN DATE '2024-02-01' AND "
                  "DATE '2024-01-31' + INTERVAL 1 MONTH ORDER BY id"),
              TableIs({"id"}, {{"11"}, {"12"}}));
  EXPECT_THAT(run("SELECT extract(year FROM day) AS y, day - INTERVAL '1' DAY AS before "
                  "FROM orders WHERE id = 13"),
              TableIs({"y", "before"}, {{"2024", "2024-02-29"}}));
  EXPECT_THAT(
      run("SELECT name FROM people WHERE name LIKE '_e%' OR city IN ('nowhere') ORDER BY 1"),
      TableIs({"name"}, {{"dee"}}));
  EXPECT_THAT(run("SELECT count(*) AS n FROM people WHERE city IS DISTINCT FROM 'rome'"),
              TableIs({"n"}, {{"3"}}));
  EXPECT_THAT(run("SELECT 0.06 - 0.01 = 0.05 AS exact, 7 / 2 AS q, substring('spark' FROM 2 FOR 3) "
                  "AS part"),
              TableIs({"exact", "q", "part"}, {{"true", "3.5", "par"}}));
}

TEST_F(Sql, ExplainAndExplainAnalyzeDescribeTheOptimizedPlan) {
  Table plan = run("EXPLAIN SELECT name FROM people WHERE age > 30");
  std::string text(plan.at(0, "plan").as_string());
  EXPECT_THAT(text, ::testing::HasSubstr("Filter"));
  Table analyzed = run("EXPLAIN ANALYZE SELECT city, count(*) FROM people GROUP BY city");
  EXPECT_THAT(std::string(analyzed.at(0, "plan").as_string()), ::testing::HasSubstr("rows="));
  StatementResult result = session_.execute("EXPLAIN SELECT 1");
  EXPECT_EQ(result.kind, StatementResult::Kind::kExplain);
}

TEST_F(Sql, ScriptsRunStatementsInOrder) {
  std::vector<StatementResult> results = session_.execute_script(
      "CREATE TEMP VIEW v AS SELECT id FROM people; -- a view\n"
      "SELECT count(*) AS n FROM v;\n"
      "DROP VIEW v;");
  ASSERT_EQ(results.size(), 3u);
  EXPECT_EQ(results[1].frame.collect().at(0, "n").as_int(), 5);
  EXPECT_FALSE(session_.view("v"));
  EXPECT_EQ(split_statements("SELECT ';' AS x; /* ; */ SELECT 2;").size(), 2u);
}

TEST_F(Sql, TypedDatasetsAndPlansAreViewsToo) {
  session_.register_dataset("visits",
                            engine::Dataset<Visit>::from({{1, "home"}, {1, "cart"}, {5, "home"}}));
  EXPECT_THAT(run("SELECT p.name, count(*) AS pages FROM visits v JOIN people p ON v.person = p.id "
                  "GROUP BY p.name ORDER BY p.name"),
              TableIs({"name", "pages"}, {{"ada", "2"}, {"eve", "1"}}));
  session_.register_view("rich", session_.sql("SELECT * FROM orders WHERE amount >= 70"));
  EXPECT_THAT(run("SELECT id FROM RICH ORDER BY id"), TableIs({"id"}, {{"10"}, {"12"}}));
  EXPECT_THAT(session_.views(), ::testing::ElementsAre("orders", "people", "rich", "visits"));
  EXPECT_TRUE(session_.drop_view("Rich"));
}

}  // namespace
}  // namespace setl::sql
