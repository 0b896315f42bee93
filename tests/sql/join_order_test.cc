// The order comma-separated FROM tables are joined in: chosen from estimates so that a
// selective table cuts rows early, whatever order the query lists them in, with the same
// rows and SELECT * columns as written.
#include <sstream>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "setl/sql/session.h"
#include "testing/columns.h"
#include "testing/table_matchers.h"

namespace setl::sql {
namespace {

using engine::Table;
using testing::int64s;
using testing::strings;

// 6,000 sales of 600 items in 60 stores of 6 countries.
class CommaJoins : public ::testing::Test {
 protected:
  void SetUp() override {
    std::vector<std::optional<int64_t>> ids;
    std::vector<std::optional<int64_t>> sale_items;
    std::vector<std::optional<int64_t>> sale_stores;
    for (int64_t i = 0; i < 6000; ++i) {
      ids.push_back(i);
      sale_items.push_back(i % 600);
      sale_stores.push_back(i % 60);
    }
    session_.register_table("sales", Table::from_columns({{"sale_id", int64s(ids)},
                                                          {"item", int64s(sale_items)},
                                                          {"store", int64s(sale_stores)}}));
    std::vector<std::optional<int64_t>> items(ids.begin(), ids.begin() + 600);
    session_.register_table("items", Table::from_columns({{"item_id", int64s(items)}}));
    std::vector<std::optional<int64_t>> stores(ids.begin(), ids.begin() + 60);
    std::vector<std::optional<int64_t>> store_countries;
    for (int64_t i = 0; i < 60; ++i) {
      store_countries.push_back(i % 6);
    }
    session_.register_table("stores", Table::from_columns({{"store_id", int64s(stores)},
                                                           {"country", int64s(store_countries)}}));
    session_.register_table(
        "countries",
        Table::from_columns({{"country_id", int64s({0, 1, 2, 3, 4, 5})},
                             {"name", strings({"at", "be", "ch", "de", "es", "fr"})}}));
  }

  Session session_;
};

// The line of the first join in `plan` whose keys mention `column` (joins deeper in the
// plan run first, and come later in the text).
size_t join_line(const std::string& plan, const std::string& column) {
  std::istringstream lines(plan);
  std::string line;
  for (size_t number = 0; std::getline(lines, line); ++number) {
    if (line.find("Join inner on") != std::string::npos && line.find(column) != std::string::npos) {
      return number;
    }
  }
  ADD_FAILURE() << "no join on " << column << " in\n" << plan;
  return 0;
}

TEST_F(CommaJoins, ASelectiveTableIsJoinedBeforeOnesThatOnlyAddColumns) {
  const std::string written =
      "SELECT * FROM sales, items, stores, countries WHERE item = item_id AND store = store_id "
      "AND country = country_id AND name = 'de'";
  engine::LazyFrame query = session_.sql(written);
  std::string plan = query.explain();
  // Sales meet the stores of one country before the items they only look up.
  EXPECT_GT(join_line(plan, "country_id"), join_line(plan, "store_id")) << plan;
  EXPECT_GT(join_line(plan, "store_id"), join_line(plan, "item_id")) << plan;
  // SELECT * keeps the tables as listed, and the rows are those of the written order.
  Table result = query.collect();
  EXPECT_EQ(result.schema()->to_string(),
            session_
                .sql("SELECT * FROM sales JOIN items ON item = item_id JOIN stores ON store = "
                     "store_id JOIN countries ON country = country_id WHERE name = 'de'")
                .collect()
                .schema()
                ->to_string());
  EXPECT_EQ(result.num_rows(), 1000);
  EXPECT_THAT(
      session_.sql(written + " ORDER BY sale_id LIMIT 2").collect(),
      testing::TableIs(
          {"sale_id", "item", "store", "item_id", "store_id", "country", "country_id", "name"},
          {{"3", "3", "3", "3", "3", "3", "3", "de"}, {"9", "9", "9", "9", "9", "3", "3", "de"}}));
}

}  // namespace
}  // namespace setl::sql
