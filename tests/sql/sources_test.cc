// Connectors registered with a Session are scanned lazily: SQL's filters and column lists
// reach the scan exactly as the dataframe API's do, and the file is read when the query
// runs, not when it is registered.
#include <fstream>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "setl/sql/session.h"
#include "setl/storage/csv_connector.h"
#include "testing/table_matchers.h"
#include "testing/temp_dir.h"

namespace setl::sql {
namespace {

using ::testing::HasSubstr;
using testing::TableIs;

TEST(SqlSources, FiltersAndColumnsArePushedIntoTheConnector) {
  testing::TempDir dir;
  std::filesystem::path path = dir.path() / "sales.csv";
  std::ofstream(path) << "day,city,amount,note\n"
                         "2024-01-01,paris,10,a\n"
                         "2024-01-02,rome,20,b\n"
                         "2024-01-03,paris,30,c\n";
  Session session;
  session.register_source("sales", storage::make_connector<storage::CsvConnector>(path));
  std::string text =
      "SELECT city, sum(amount) AS total FROM sales WHERE city = 'paris' GROUP BY city";
  engine::LazyFrame query = session.sql(text);
  std::string plan = query.explain();
  EXPECT_THAT(plan, HasSubstr("columns=[city, amount] filter=(city = 'paris')")) << plan;
  EXPECT_THAT(query.collect(), TableIs({"city", "total"}, {{"paris", "40"}}));
  // The same query through the dataframe API plans the same scan.
  engine::LazyFrame dataframe = session.view("sales")
                                    ->filter("city = 'paris'")
                                    .group_by({"city"})
                                    .agg({engine::fn::sum(engine::col("amount")).alias("total")});
  EXPECT_EQ(dataframe.explain(), plan);
  // Rows appended later are seen: the file is read when a query runs.
  std::ofstream(path, std::ios::app) << "2024-01-04,paris,5,d\n";
  EXPECT_THAT(query.collect(), TableIs({"city", "total"}, {{"paris", "45"}}));
}

}  // namespace
}  // namespace setl::sql
