#include "setl/engine/table.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "setl/core/error.h"
#include "testing/columns.h"
#include "testing/temp_dir.h"

namespace setl::engine {
namespace {

using testing::cells;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using testing::message_of;

Table people() {
  return Table::from_columns({
      {"name", testing::strings({"ada", "bob", "cy", std::nullopt, "éva"})},
      {"age", testing::int64s({36, 17, std::nullopt, 51, 28})},
      {"city", testing::strings({"NYC", "LA", "NYC", "SF", "LA"})},
  });
}

TEST(Table, SelectWithColumnRenameDrop) {
  Table table = people();
  Table selected = table.select({col("name"), (col("age") + 1).alias("next")});
  EXPECT_EQ(selected.schema()->to_string(), "name: string, next: int64");
  EXPECT_THAT(cells(selected, "next"), ElementsAre("37", "18", "null", "52", "29"));
  Table with = table.with_column("adult", col("age") >= 18);
  EXPECT_EQ(with.num_columns(), 4u);
  EXPECT_THAT(cells(with, "adult"), ElementsAre("true", "false", "null", "true", "true"));
  Table replaced = table.with_column("age", col("age") * 2);
  EXPECT_EQ(replaced.schema()->names(), (std::vector<std::string>{"name", "age", "city"}));
  EXPECT_THAT(cells(replaced, "age"), ElementsAre("72", "34", "null", "102", "56"));
  EXPECT_EQ(table.rename({{"city", "town"}}).schema()->names(),
            (std::vector<std::string>{"name", "age", "town"}));
  EXPECT_EQ(table.drop({"age"}).schema()->names(), (std::vector<std::string>{"name", "city"}));
  EXPECT_THROW(table.drop({"agee"}), SchemaError);
}

TEST(Table, FilterKeepsOnlyTrueRows) {
  Table adults = people().filter("age >= 18 and city in ('NYC', 'LA')");
  EXPECT_THAT(cells(adults, "name"), ElementsAre("ada", "éva"));
  EXPECT_EQ(people().filter("age > 1000").num_rows(), 0);
  EXPECT_EQ(people().filter("age > 1000").schema()->names().size(), 3u);
}

TEST(Table, OperationsOnAnEmptyTableGiveEmptyTables) {
  Table empty = people().filter("false");
  EXPECT_EQ(empty.num_rows(), 0);
  EXPECT_EQ(empty.filter("age > 1").num_rows(), 0);
  EXPECT_EQ(empty.select({(col("age") * 2).alias("x")}).num_rows(), 0);
  EXPECT_EQ(empty.limit(3).num_rows(), 0);
}

TEST(Table, WorksAcrossManyBatches) {
  ColumnBuilder builder(DataType::int64());
  for (int i = 0; i < 100'000; ++i) {
    i % 10 == 0 ? builder.append_null() : builder.append_int(i);
  }
  Table table = Table::from_columns({{"v", builder.finish()}}).rechunk(1'000);
  EXPECT_EQ(table.batches().size(), 100u);
  Table even = table.filter("v % 2 = 0");
  EXPECT_EQ(even.num_rows(), 40'000);
  EXPECT_EQ(even.at(0, "v").as_int(), 2);
  Table doubled = table.select({(col("v") * 2).alias("w")});
  EXPECT_EQ(doubled.at(99'999, "w").as_int(), 199'998);
  EXPECT_TRUE(doubled.at(99'990, "w").is_null());
}

TEST(Table, MemorySizeCountsEachSharedBufferOnce) {
  ColumnBuilder builder(DataType::int64());
  for (int i = 0; i < 100'000; ++i) {
    builder.append_int(i);
  }
  Table whole = Table::from_columns({{"v", builder.finish()}});
  const int64_t held = whole.memory_size();
  EXPECT_GE(held, 800'000);
  // Slices of one buffer, the same table twice and a column repeated hold nothing more.
  Table sliced = whole.rechunk(1'000);
  ASSERT_EQ(sliced.batches().size(), 100u);
  EXPECT_EQ(sliced.memory_size(), held);
  EXPECT_EQ(sliced.union_all(whole).memory_size(), held);
  EXPECT_EQ(whole.select({col("v"), col("v").alias("w")}).memory_size(), held);
  // A computed column is new memory.
  EXPECT_GT(whole.with_column("w", col("v") + 1).memory_size(), held + 700'000);
}

TEST(Table, LimitSliceAndUnion) {
  Table table = people();
  EXPECT_THAT(cells(table.limit(2), "name"), ElementsAre("ada", "bob"));
  EXPECT_THAT(cells(table.limit(2, 3), "name"), ElementsAre("null", "éva"));
  EXPECT_EQ(table.limit(10, 10).num_rows(), 0);
  Table reordered = table.select({"city", "age", "name"});
  Table both = table.union_all(reordered);
  EXPECT_EQ(both.num_rows(), 10);
  EXPECT_EQ(both.schema()->names(), (std::vector<std::string>{"name", "age", "city"}));
  EXPECT_EQ(both.at(5, "name").as_string(), "ada");
  EXPECT_THAT(message_of<SchemaError>([&] { return table.union_all(table.drop({"age"})); }),
              HasSubstr("union_all needs the same columns"));
  EXPECT_THAT(
      message_of<SchemaError>([&] {
        return table.union_all(table.with_column("age", col("age").cast(DataType::float64())));
      }),
      HasSubstr("column \"age\" is int64 on the left and float64 on the right"));
}

TEST(Table, ShowPrintsAnAlignedTable) {
  EXPECT_EQ(people().to_string(3),
            "+--------+-------+--------+\n"
            "| name   | age   | city   |\n"
            "| string | int64 | string |\n"
            "+--------+-------+--------+\n"
            "| ada    |    36 | NYC    |\n"
            "| bob    |    17 | LA     |\n"
            "| cy     |  null | NYC    |\n"
            "+--------+-------+--------+\n"
            "5 rows (showing the first 3)\n");
}

TEST(Table, RejectsMismatchedColumns) {
  EXPECT_THAT(
      message_of<SchemaError>([] {
        return Table::from_columns({{"a", testing::int64s({1, 2})}, {"b", testing::int64s({1})}});
      }),
      HasSubstr("column \"b\" has 1 rows, expected 2"));
  EXPECT_THAT(
      message_of<SchemaError>([] {
        return Table::from_columns({{"a", testing::int64s({1})}, {"a", testing::int64s({1})}});
      }),
      HasSubstr("duplicate column name \"a\""));
}

}  // namespace
}  // namespace setl::engine
