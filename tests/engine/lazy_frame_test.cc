#include "setl/engine/lazy_frame.h"

#include <algorithm>
#include <set>
#include <sstream>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "setl/core/error.h"
#include "setl/core/job_group.h"
#include "setl/core/trace.h"
#include "testing/columns.h"
#include "testing/table_matchers.h"
#include "testing/temp_dir.h"

namespace setl::engine {
namespace {

using namespace fn;  // the expression functions: sum, count, year, ...

using testing::cells;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using testing::message_of;
using ::testing::Not;
using testing::SameTableAs;
using testing::TableIs;

Table orders() {
  return Table::from_columns({
      {"id", testing::int64s({1, 2, 3, 4, 5})},
      {"customer", testing::int64s({10, 20, 10, 30, 20})},
      {"amount", testing::float64s({5, 50, 500, 7, std::nullopt})},
      {"note", testing::strings({"a", "b", "c", "d", "e"})},
  });
}
Table customers() {
  return Table::from_columns({
      {"customer", testing::int64s({10, 20, 40})},
      {"city", testing::strings({"NYC", "LA", "SF"})},
  });
}

// A scan source that records what it was asked for.
class RecordingSource : public ScanSource {
 public:
  explicit RecordingSource(Table table) : table_(std::move(table)) {}
  SchemaPtr schema() const override { return table_.schema(); }
  std::string describe() const override { return "memory orders"; }
  ScanResult scan(const ScanRequest& request) const override {
    requests.push_back(request);
    Table rows =
        request.columns.empty() ? table_ : table_.select(std::vector<std::string>(request.columns));
    return {rows, {.rows = rows.num_rows()}};
  }
  mutable std::vector<ScanRequest> requests;

 private:
  Table table_;
};

// A source that builds a new schema object on every call, as database connectors do.
class FreshSchemaSource : public RecordingSource {
 public:
  using RecordingSource::RecordingSource;
  SchemaPtr schema() const override { return std::make_shared<Schema>(*RecordingSource::schema()); }
};

TEST(LazyFrame, SourcesMayBuildTheirSchemaPerCall) {
  auto source = std::make_shared<FreshSchemaSource>(orders());
  Table result = LazyFrame::scan(source).filter("amount > 6").select({"id"}).collect();
  EXPECT_THAT(cells(result, "id"), ElementsAre("2", "3", "4"));
}

TEST(LazyFrame, EstimatesItsRowsFromTableSizesAndFilters) {
  Table numbers = Table::from_columns({{"x", testing::int64s({1, 2, 3, 4})}});
  LazyFrame all = LazyFrame::from(numbers);
  EXPECT_EQ(all.estimated_rows(), 4.0);
  std::optional<double> filtered = all.filter("x = 2").estimated_rows();
  ASSERT_TRUE(filtered.has_value());
  EXPECT_LT(*filtered, 4.0);
  EXPECT_EQ(all.limit(1).estimated_rows(), 1.0);
}

TEST(LazyFrame, EstimatesDistinctValuesFromASampleOfTheTable) {
  // 10,000 orders of 25 nations, in 8 chunks as a table read in batches would be.
  std::vector<std::optional<int64_t>> ids;
  std::vector<std::optional<int64_t>> nations;
  std::vector<std::optional<std::string>> names;
  for (int64_t i = 0; i < 10'000; ++i) {
    ids.push_back(i);
    nations.push_back(i % 25);
    names.push_back("nation " + std::to_string(i % 25));
  }
  Table orders = Table::from_columns({{"id", testing::int64s(ids)},
                                      {"nation", testing::int64s(nations)},
                                      {"name", testing::strings(names)}})
                     .rechunk(1250);
  LazyFrame all = LazyFrame::from(orders);
  // A key counts as many values as rows; a low-cardinality column its values.
  EXPECT_EQ(all.estimated_distinct("id"), 10'000.0);
  EXPECT_EQ(all.estimated_distinct("nation"), 25.0);
  EXPECT_EQ(all.estimated_distinct("name"), 25.0);
  // Followed through filters, renames and joins; unknown for computed or absent columns.
  EXPECT_EQ(all.filter("id > 5").select({col("nation").alias("n")}).estimated_distinct("n"), 25.0);
  Table nation_names = Table::from_columns(
      {{"key", testing::int64s({0, 1, 2})}, {"label", testing::strings({"a", "b", "c"})}});
  LazyFrame joined = all.join(LazyFrame::from(nation_names), {"nation"}, {"key"});
  EXPECT_EQ(joined.estimated_distinct("name"), 25.0);
  EXPECT_EQ(joined.estimated_distinct("label"), 3.0);
  EXPECT_EQ(all.join(LazyFrame::from(nation_names), {"nation"}, {"key"}, JoinType::kSemi)
                .estimated_distinct("name"),
            25.0);
  EXPECT_EQ(all.with_column("twice", col("nation") * 2).estimated_distinct("twice"), std::nullopt);
  EXPECT_EQ(all.estimated_distinct("missing"), std::nullopt);
  // An equality with a constant keeps about one value's share of the rows.
  std::optional<double> one_nation = all.filter("nation = 3").estimated_rows();
  ASSERT_TRUE(one_nation.has_value());
  EXPECT_NEAR(*one_nation, 400.0, 100.0);
  std::optional<double> two_names = all.filter("name IN ('nation 1', 'nation 2')").estimated_rows();
  ASSERT_TRUE(two_names.has_value());
  EXPECT_NEAR(*two_names, 800.0, 150.0);
  // A rare value: what the sample bounds, or a value's share, whichever is less.
  EXPECT_LE(all.filter("id = 17").estimated_rows().value_or(1e9), 10.0);
}

TEST(LazyFrame, FiltersOverATableAreEstimatedOnASampleOfIt) {
  // 40,000 line items, four per order in a row, shipped over 1,000 days.
  std::vector<std::optional<int64_t>> orders;
  std::vector<std::optional<int64_t>> days;
  std::vector<std::optional<std::string>> comments;
  for (int64_t i = 0; i < 40'000; ++i) {
    orders.push_back(i / 4);
    days.push_back((i * 7919) % 1000);
    comments.push_back(i % 100 == 0 ? "special requests" : "regular");
  }
  LazyFrame items = LazyFrame::from(Table::from_columns({{"order", testing::int64s(orders)},
                                                         {"day", testing::int64s(days)},
                                                         {"comment", testing::strings(comments)}})
                                        .rechunk(4096));
  // Ranges, LIKE and their combinations keep what they keep on the sample, where fixed
  // shares (a third, a tenth) would be far off.
  EXPECT_NEAR(items.filter("day >= 100 and day < 900").estimated_rows().value_or(0), 32'000, 2'500);
  EXPECT_NEAR(items.filter("day < 100 or day >= 900").estimated_rows().value_or(0), 8'000, 1'500);
  EXPECT_LE(items.filter("comment like '%special%'").estimated_rows().value_or(1e9), 1'000);
  // Four rows per order, clustered: a random sample sees orders repeat, so the column is
  // not taken for a key (evenly spaced rows would never share an order).
  std::optional<double> distinct_orders = items.estimated_distinct("order");
  ASSERT_TRUE(distinct_orders.has_value());
  EXPECT_GT(*distinct_orders, 8'000);
  EXPECT_LT(*distinct_orders, 15'000);  // a key would have about 40,000
}

TEST(LazyFrame, AnOffsetWithoutALimitSkipsRowsWithoutOverflowing) {
  // SQL's OFFSET 1 alone, or LIMIT ALL OFFSET 1: every row after the first.
  Table numbers = Table::from_columns({{"x", testing::int64s({1, 2, 3})}});
  LazyFrame rest = LazyFrame::from(numbers).limit(INT64_MAX, 1);
  EXPECT_THAT(rest.collect(), TableIs({"x"}, {{"2"}, {"3"}}));
  EXPECT_EQ(LazyFrame::from(numbers).limit(INT64_MAX, INT64_MAX).collect().num_rows(), 0);
}

TEST(LazyFrame, CollectsTheSameAsEagerOperations) {
  LazyFrame lazy = LazyFrame::from(orders())
                       .filter("amount > 6")
                       .with_column("big", col("amount") > 100)
                       .join(LazyFrame::from(customers()), "customer")
                       .sort({desc("amount")});
  Table eager = orders()
                    .filter("amount > 6")
                    .with_column("big", col("amount") > 100)
                    .join(customers(), "customer")
                    .sort({desc("amount")});
  Table collected = lazy.collect();
  EXPECT_EQ(collected.schema()->to_string(), eager.schema()->to_string());
  EXPECT_EQ(collected.to_string(), eager.to_string());
  EXPECT_EQ(*lazy.schema(), *eager.schema());
}

// `rows` rows: id = i % keys, a value, and a "note" column both sides have.
Table keyed(int64_t rows, int64_t keys, const std::string& value, const std::string& note) {
  std::vector<std::optional<int64_t>> ids;
  std::vector<std::optional<int64_t>> values;
  std::vector<std::optional<std::string>> notes;
  for (int64_t i = 0; i < rows; ++i) {
    ids.push_back(i % keys);
    values.push_back(i * 7);
    notes.push_back(note + std::to_string(i));
  }
  return Table::from_columns({{"id", testing::int64s(ids)},
                              {value, testing::int64s(values)},
                              {"note", testing::strings(notes)}});
}

Table sorted_by_every_column(const Table& table) {
  std::vector<SortKey> keys;
  for (const std::string& name : table.schema()->names()) {
    keys.push_back({name});
  }
  return table.sort(keys);
}

TEST(LazyFrame, InnerJoinsBuildTheirHashTableOnTheSmallerSide) {
  Table few = keyed(20, 20, "rank", "c");
  Table many = keyed(3'000, 25, "amount", "o");
  // The right side is the build side; a much larger right input is swapped to the probe
  // side under a projection that restores the columns (note_right stays the right's).
  LazyFrame swapped = LazyFrame::from(few).join(LazyFrame::from(many), "id");
  EXPECT_EQ(swapped.explain(),
            "Project [id, rank, note_right AS note, amount, note AS note_right]\n"
            "  Join inner on id = id\n"
            "    Table (3000 rows) [id, amount, note]\n"
            "    Table (20 rows) [id, rank, note]\n");
  Table eager = few.join(many, "id");
  Table collected = swapped.collect();
  EXPECT_EQ(*collected.schema(), *eager.schema());
  EXPECT_EQ(collected.num_rows(), 2'400);
  EXPECT_THAT(sorted_by_every_column(collected), SameTableAs(sorted_by_every_column(eager)));

  // Already the right way round, and joins whose sides mean something, stay as written.
  EXPECT_THAT(LazyFrame::from(many).join(LazyFrame::from(few), "id").explain(),
              ::testing::StartsWith("Join inner on id = id\n  Table (3000 rows)"));
  EXPECT_THAT(LazyFrame::from(few).join(LazyFrame::from(many), "id", JoinType::kSemi).explain(),
              ::testing::StartsWith("Join semi on id = id\n"));
  // Filters count: a selective filter on the large side makes it the smaller one.
  EXPECT_THAT(LazyFrame::from(few)
                  .join(LazyFrame::from(many).filter("amount = 7 and id = 1 and note = 'o1'"), "id")
                  .explain(),
              ::testing::StartsWith("Join inner on id = id\n"));
}

TEST(LazyFrame, JoinSidesFollowWhatSemiJoinsAndFilteredKeysKeep) {
  // 3,000 line-like rows whose ids refer to 100 parts; a filter keeps about a tenth of the
  // parts, so the semi join keeps about a tenth of the lines: fewer than the 2,000 orders
  // they are then joined with, which become the probe side.
  Table lines = keyed(3'000, 100, "amount", "l");
  Table parts = keyed(100, 100, "size", "p");
  Table orders = keyed(2'000, 100, "total", "o").rename({{"id", "order_id"}});
  LazyFrame lazy = LazyFrame::from(lines)
                       .join(LazyFrame::from(parts).filter("size = 7"), "id", JoinType::kSemi)
                       .join(LazyFrame::from(orders), {"id"}, {"order_id"});
  std::string plan = lazy.explain();
  EXPECT_THAT(plan, ::testing::StartsWith("Project ")) << plan;
  EXPECT_THAT(plan, HasSubstr("  Join inner on order_id = id\n    Table (2000 rows)")) << plan;
  Table eager = lines.join(parts.filter("size = 7"), "id", JoinType::kSemi)
                    .join(orders, {"id"}, {"order_id"});
  EXPECT_THAT(sorted_by_every_column(lazy.collect()), SameTableAs(sorted_by_every_column(eager)));
}

TEST(LazyFrame, OuterJoinsSwapToTheirMirrorAndKeepTheirRows) {
  // Keys 0..29 on the small side, 0..24 on the large one: both sides have rows without a
  // match, and the merged key column must show the key of whichever side has the row.
  Table few = keyed(30, 30, "rank", "c");
  Table many = keyed(3'000, 25, "amount", "o").with_column("id", col("id") * 2);
  for (JoinType type : {JoinType::kLeft, JoinType::kRight, JoinType::kFull}) {
    SCOPED_TRACE(static_cast<int>(type));
    LazyFrame lazy = LazyFrame::from(few).join(LazyFrame::from(many), "id", type);
    const char* mirror = type == JoinType::kLeft    ? "  Join right on id = id\n"
                         : type == JoinType::kRight ? "  Join left on id = id\n"
                                                    : "  Join full on id = id\n";
    EXPECT_THAT(lazy.explain(), HasSubstr(mirror));
    EXPECT_THAT(lazy.explain(), ::testing::StartsWith("Project "));
    Table eager = few.join(many, "id", type);
    Table collected = lazy.collect();
    EXPECT_EQ(*collected.schema(), *eager.schema());
    EXPECT_THAT(sorted_by_every_column(collected), SameTableAs(sorted_by_every_column(eager)));
  }
}

TEST(LazyFrame, SemiAndAntiJoinsWithALargeRightSideHashTheSmallLeft) {
  // Left: 40 rows, keys 0..19 twice and NULLs; right: 3,000 rows, keys 0..24 times 2.
  std::vector<std::optional<int64_t>> ids;
  for (int64_t i = 0; i < 40; ++i) {
    ids.push_back(i % 7 == 3 ? std::nullopt : std::optional<int64_t>(i % 20));
  }
  std::vector<std::optional<int64_t>> positions;
  for (int64_t i = 0; i < 40; ++i) {
    positions.push_back(i);
  }
  Table few =
      Table::from_columns({{"id", testing::int64s(ids)}, {"pos", testing::int64s(positions)}});
  Table many = keyed(3'000, 25, "amount", "o").with_column("id", col("id") * 2);
  for (JoinType type : {JoinType::kSemi, JoinType::kAnti}) {
    SCOPED_TRACE(static_cast<int>(type));
    LazyFrame lazy = LazyFrame::from(few).join(LazyFrame::from(many), "id", type);
    std::string plan = lazy.explain();
    EXPECT_THAT(plan, HasSubstr("  Distinct\n")) << plan;
    EXPECT_THAT(plan, HasSubstr("    Join semi on id = id\n      Table (3000 rows) [id]\n"))
        << plan;
    // Exactly the eager join: same rows in the left's order.
    EXPECT_THAT(lazy.collect(), SameTableAs(few.join(many, "id", type)));

    // The left input is an input of two joins; an aggregation there runs once, its rows
    // kept for the second (explain says so).
    LazyFrame grouped = LazyFrame::from(few).group_by({"id"}).agg({count_all().alias("n")});
    LazyFrame shared = grouped.join(LazyFrame::from(many), "id", type);
    std::string shared_plan = shared.explain();
    EXPECT_THAT(shared_plan, HasSubstr("Aggregate by [id] [count(*) AS n]  [shared #1: runs once]"))
        << shared_plan;
    EXPECT_THAT(shared_plan, HasSubstr("Aggregate by [id] [count(*) AS n]  [shared #1, as above]"))
        << shared_plan;
    EXPECT_THAT(
        shared.collect(),
        SameTableAs(few.group_by({"id"}).agg({count_all().alias("n")}).join(many, "id", type)));
    std::string analyzed = shared.explain_analyze();
    EXPECT_THAT(analyzed, HasSubstr("[shared #1, as above]\n")) << analyzed;
  }
}

TEST(LazyFrame, SubplansComputingTheSameRowsRunOnce) {
  // One aggregation read twice, its results named differently each time.
  LazyFrame totals =
      LazyFrame::from(orders()).group_by({"customer"}).agg({sum(col("amount")).alias("total")});
  LazyFrame renamed = totals.select({col("customer"), col("total").alias("again")});
  LazyFrame both = totals.join(renamed, "customer");
  std::string plan = both.explain();
  EXPECT_THAT(plan, HasSubstr("[shared #1: runs once]")) << plan;
  EXPECT_THAT(plan, HasSubstr("[shared #1, as above]")) << plan;
  Table eager_totals = orders().group_by({"customer"}).agg({sum(col("amount")).alias("total")});
  EXPECT_THAT(
      both.sort({asc("customer")}).collect(),
      SameTableAs(
          eager_totals
              .join(eager_totals.select({col("customer"), col("total").alias("again")}), "customer")
              .sort({asc("customer")})));
  // Different tables with the same shape stay apart.
  LazyFrame other = LazyFrame::from(orders().filter("id > 1"))
                        .group_by({"customer"})
                        .agg({sum(col("amount")).alias("total")});
  EXPECT_THAT(totals.join(other, "customer").explain(), Not(HasSubstr("shared")));
}

TEST(LazyFrame, AggregatesOverAJoinRunPartlyBelowIt) {
  // 200 orders of 20 customers; 25 customers, one listed twice, five without orders.
  std::vector<std::optional<int64_t>> order_ids;
  std::vector<std::optional<int64_t>> buyers;
  std::vector<std::optional<int64_t>> amounts;
  for (int64_t i = 0; i < 200; ++i) {
    order_ids.push_back(i);
    buyers.push_back(i % 20);
    amounts.push_back(i % 7 == 0 ? std::nullopt : std::optional<int64_t>(i));
  }
  std::vector<std::optional<int64_t>> customer_ids;
  for (int64_t i = 0; i < 25; ++i) {
    customer_ids.push_back(i);
  }
  customer_ids.push_back(3);
  Table sales = Table::from_columns({{"order_id", testing::int64s(order_ids)},
                                     {"buyer", testing::int64s(buyers)},
                                     {"amount", testing::int64s(amounts)}});
  Table people = Table::from_columns({{"person", testing::int64s(customer_ids)}});
  std::vector<Expr> aggregates = {
      count(col("order_id")).alias("orders"), sum(col("amount")).alias("total"),
      min(col("amount")).alias("least"), max(col("amount")).alias("most")};
  LazyFrame lazy = LazyFrame::from(people)
                       .join(LazyFrame::from(sales), {"person"}, {"buyer"}, JoinType::kLeft)
                       .group_by({"person"})
                       .agg(aggregates)
                       .sort({asc("person")});
  std::string plan = lazy.explain();
  // The orders are counted per buyer before the join.
  EXPECT_THAT(plan, HasSubstr("Aggregate by [buyer] [count(order_id) AS __setl_partial_0")) << plan;
  Table expected = people.join(sales, {"person"}, {"buyer"}, JoinType::kLeft)
                       .group_by({"person"})
                       .agg(aggregates)
                       .sort({asc("person")});
  Table result = lazy.collect();
  EXPECT_THAT(result, SameTableAs(expected));
  // Customer 3, listed twice, has each of its orders twice; customer 24 none: count 0.
  EXPECT_EQ(result.at(3, "orders").as_int(), 20);
  EXPECT_EQ(result.at(24, "orders").as_int(), 0);
  EXPECT_TRUE(result.at(24, "total").is_null());
  // Not when an aggregate reads the side the join keeps.
  std::string kept = LazyFrame::from(people)
                         .join(LazyFrame::from(sales), {"person"}, {"buyer"}, JoinType::kLeft)
                         .group_by({"buyer"})
                         .agg({count_all().alias("n")})
                         .explain();
  EXPECT_THAT(kept, Not(HasSubstr("__setl_partial"))) << kept;
  // Customer 3 listed twice: the partial counts are combined per customer.
  EXPECT_THAT(plan, HasSubstr("Aggregate by [person] [sum(__setl_partial_0)")) << plan;
}

TEST(LazyFrame, AggregatesBelowAJoinNeedNoCombiningWhenTheGroupKeyIsUnique) {
  std::vector<std::optional<int64_t>> buyers;
  std::vector<std::optional<int64_t>> amounts;
  for (int64_t i = 0; i < 300; ++i) {
    buyers.push_back(i % 30);
    amounts.push_back(i);
  }
  Table sales = Table::from_columns(
      {{"buyer", testing::int64s(buyers)}, {"amount", testing::int64s(amounts)}});
  std::vector<std::optional<int64_t>> ids;
  for (int64_t i = 0; i < 40; ++i) {
    ids.push_back(i);
  }
  auto totals = [&](const Table& people) {
    return LazyFrame::from(people)
        .join(LazyFrame::from(sales), {"person"}, {"buyer"}, JoinType::kLeft)
        .group_by({"person"})
        .agg({count(col("amount")).alias("n"), sum(col("amount")).alias("total")})
        .sort({asc("person")});
  };
  Table unique_people = Table::from_columns({{"person", testing::int64s(ids)}});
  LazyFrame lazy = totals(unique_people);
  std::string plan = lazy.explain();
  EXPECT_THAT(plan, HasSubstr("Aggregate by [buyer]")) << plan;
  EXPECT_THAT(plan, Not(HasSubstr("Aggregate by [person]"))) << plan;
  Table result = lazy.collect();
  EXPECT_EQ(result.num_rows(), 40);
  EXPECT_EQ(result.at(7, "n").as_int(), 10);
  EXPECT_EQ(result.at(35, "n").as_int(), 0);
  EXPECT_TRUE(result.at(35, "total").is_null());
  // One repeated id anywhere in the table, even past any sample, keeps the combining.
  ids.back() = 7;
  Table repeated = Table::from_columns({{"person", testing::int64s(ids)}});
  EXPECT_THAT(totals(repeated).explain(), HasSubstr("Aggregate by [person]"));
  EXPECT_EQ(totals(repeated).collect().num_rows(), 39);
}

TEST(LazyFrame, SwappedJoinsOfSameNamedColumnsKeepEachSidesValues) {
  // Both sides are [id, note]: the swapped join's "note" is the other side's, so the
  // projection must exchange them even though the names come out in the same order.
  Table few = keyed(10, 10, "x", "c").select({"id", "note"});
  Table many = keyed(2'000, 10, "x", "o").select({"id", "note"});
  LazyFrame lazy = LazyFrame::from(few).join(LazyFrame::from(many), "id");
  EXPECT_THAT(lazy.explain(),
              ::testing::StartsWith("Project [id, note_right AS note, note AS note_right]\n"));
  Table eager = few.join(many, "id");
  EXPECT_THAT(sorted_by_every_column(lazy.collect()), SameTableAs(sorted_by_every_column(eager)));
}

TEST(LazyFrame, SwappedJoinsKeepKeysOfDifferentNamesAndTypes) {
  Table few = Table::from_columns(
      {{"k", testing::int32s({1, 2, 3})}, {"label", testing::strings({"a", "b", "c"})}});
  Table many = keyed(2'000, 5, "amount", "o");
  // Differently named keys: both key columns stay, each with its own side's type.
  LazyFrame lazy = LazyFrame::from(few).join(LazyFrame::from(many), {"k"}, {"id"});
  EXPECT_THAT(lazy.explain(), ::testing::StartsWith("Project [k, label, id, amount, note]\n"));
  Table eager = few.join(many, {"k"}, {"id"});
  Table collected = lazy.collect();
  EXPECT_EQ(collected.schema()->to_string(),
            "k: int32, label: string, id: int64, amount: int64, note: string");
  EXPECT_THAT(sorted_by_every_column(collected), SameTableAs(sorted_by_every_column(eager)));
}

// explain_analyze()'s lines without their "  (...)" statistics, and the statistic `key` of
// each line ("" where it has none).
std::vector<std::string> plan_lines(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) {
    lines.push_back(line.substr(0, line.find("  (")));
  }
  return lines;
}
std::vector<std::string> statistic(const std::string& text, const std::string& key) {
  std::vector<std::string> values;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) {
    size_t at = line.find(" " + key + "=");
    at = at == std::string::npos ? line.find("(" + key + "=") : at;
    values.push_back(
        at == std::string::npos
            ? ""
            : line.substr(at + key.size() + 2,
                          line.find_first_of(" )", at + key.size() + 2) - (at + key.size() + 2)));
  }
  return values;
}

// Sort over an aggregate over a join of a filtered table: 20 rows out of 3,000.
LazyFrame filtered_join_ranked() {
  Table many = keyed(3'000, 25, "amount", "o");
  Table few = keyed(20, 20, "rank", "c");
  return LazyFrame::from(many)
      .filter("amount > 7000")
      .join(LazyFrame::from(few), "id")
      .group_by({"rank"})
      .agg({count_all().alias("n")})
      .sort({{"rank"}});
}

TEST(LazyFrame, ExplainAnalyzeShowsWhatEachOperatorDid) {
  LazyFrame lazy = filtered_join_ranked();
  std::string analyzed = lazy.explain_analyze();
  std::vector<std::string> lines = plan_lines(analyzed);
  // The executed plan is explain()'s, then a line with the result.
  std::vector<std::string> planned = plan_lines(lazy.explain());
  ASSERT_EQ(lines.size(), planned.size() + 1) << analyzed;
  EXPECT_EQ(std::vector<std::string>(lines.begin(), lines.end() - 1), planned) << analyzed;
  EXPECT_THAT(lines.back(), ::testing::StartsWith("20 rows in ")) << analyzed;
  // Sort, Aggregate, the pruning Project, Join, Filter, Table (3000 rows), Table (20 rows).
  EXPECT_THAT(statistic(analyzed, "rows"),
              ElementsAre("20", "20", "1599", "1599", "1999", "3000", "20", ""))
      << analyzed;
  // Operators that hold rows report the peak they reserved; streaming ones have none.
  std::vector<std::string> peaks = statistic(analyzed, "peak");
  EXPECT_NE(peaks[0], "") << analyzed;
  EXPECT_NE(peaks[1], "") << analyzed;
  EXPECT_EQ(peaks[2], "") << analyzed;
  EXPECT_NE(peaks[3], "") << analyzed;
  EXPECT_NE(peaks[3], "0") << analyzed;  // the join's build side holds 20 rows
  EXPECT_EQ(peaks[4], "") << analyzed;
  for (size_t i = 0; i + 1 < lines.size(); ++i) {
    EXPECT_NE(statistic(analyzed, "time")[i], "") << analyzed;
    EXPECT_NE(statistic(analyzed, "batches")[i], "") << analyzed;
  }
  // The query's answer is unchanged by measuring it.
  EXPECT_EQ(lazy.collect().num_rows(), 20);
}

TEST(LazyFrame, UnderATraceTheQueryAndEachOperatorAreSpans) {
  LazyFrame lazy = filtered_join_ranked();
  auto trace = std::make_shared<TraceRecorder>();
  Table traced;
  {
    JobGroup group("traced query");
    group.set_trace(trace);
    traced = lazy.collect();
  }
  EXPECT_THAT(traced, SameTableAs(lazy.collect()));
  std::set<std::string> planned;
  for (std::string line : plan_lines(lazy.explain())) {
    planned.insert(line.substr(line.find_first_not_of(' ')));
  }
  std::set<std::string> operators;
  int queries = 0;
  for (const TraceSpan& span : trace->spans()) {
    if (span.category == "operator") {
      operators.insert(span.name);
      EXPECT_TRUE(planned.count(span.name)) << span.name << " is not a plan line";
    } else if (span.category == "query") {
      ++queries;
      EXPECT_THAT(span.name, ::testing::StartsWith("query: Sort"));
      ASSERT_EQ(span.args.size(), 2u);
      EXPECT_EQ(span.args[0], std::make_pair(std::string("rows"), std::string("20")));
      EXPECT_THAT(span.args[1].second, HasSubstr("rows=1599"));  // the analyzed plan
    }
  }
  EXPECT_EQ(queries, 1);
  for (const char* kind : {"Sort", "Aggregate", "Join", "Filter"}) {
    EXPECT_TRUE(std::any_of(operators.begin(), operators.end(), [&](const std::string& name) {
      return name.starts_with(kind);
    })) << kind;
  }
}

TEST(LazyFrame, PushesFiltersBelowProjectionsAndIntoScans) {
  auto source = std::make_shared<RecordingSource>(orders());
  LazyFrame lazy = LazyFrame::scan(source)
                       .select({col("id"), col("amount").alias("value")})
                       .filter("value > 6 and id < 5");
  EXPECT_EQ(lazy.explain(),
            "Project [id, amount AS value]\n"
            "  Scan memory orders columns=[id, amount] filter=((amount > 6) AND (id < 5))\n");
  Table result = lazy.collect();
  EXPECT_THAT(cells(result, "id"), ElementsAre("2", "3", "4"));
  ASSERT_EQ(source->requests.size(), 1u);
  EXPECT_EQ(source->requests[0].columns, (std::vector<std::string>{"id", "amount"}));
  ASSERT_TRUE(source->requests[0].filter.has_value());
}

TEST(LazyFrame, PushesFiltersIntoTheRightJoinSides) {
  LazyFrame joined =
      LazyFrame::from(orders()).join(LazyFrame::from(customers()), "customer", JoinType::kLeft);
  std::string plan = joined.filter("amount > 6 and city = 'LA'").explain();
  // The left-side predicate moves below the join; the right-side one cannot (left join).
  EXPECT_THAT(plan, HasSubstr("Filter (city = 'LA')\n  Join left on customer = customer"));
  EXPECT_THAT(plan, HasSubstr("    Filter (amount > 6)\n      Table"));
  std::string inner = LazyFrame::from(orders())
                          .join(LazyFrame::from(customers()), "customer")
                          .filter("city = 'LA'")
                          .explain();
  EXPECT_THAT(inner, HasSubstr("  Filter (city = 'LA')\n    Table (3 rows)"));
}

TEST(LazyFrame, AnOrAboveAJoinFiltersEachInputByWhatItImplies) {
  // Each branch tests both inputs: customers can only be NYC or LA rows, orders only those
  // over 100 or under 6, and the whole condition still decides above the join.
  const char* condition = "(city = 'NYC' and amount > 100) or (city = 'LA' and amount < 60)";
  LazyFrame inner = LazyFrame::from(orders()).join(LazyFrame::from(customers()), "customer");
  std::string plan = inner.filter(condition).explain();
  EXPECT_THAT(plan, HasSubstr("Filter ((amount > 100) OR (amount < 60))\n"));
  EXPECT_THAT(plan, HasSubstr("Filter ((city = 'NYC') OR (city = 'LA'))\n"));
  EXPECT_THAT(plan, HasSubstr("Filter (((city = 'NYC') AND (amount > 100)) OR"));
  Table eager = orders().join(customers(), "customer").filter(condition);
  EXPECT_THAT(inner.filter(condition).collect(), SameTableAs(eager));
  EXPECT_THAT(cells(eager, "id"), ElementsAre("2", "3"));

  // Below a left join only the left input may be narrowed: a customer filtered away would
  // turn its orders' rows into NULL-extended ones the condition then judges differently.
  LazyFrame left =
      LazyFrame::from(orders()).join(LazyFrame::from(customers()), "customer", JoinType::kLeft);
  const char* left_condition = "(amount > 100 and city is null) or (amount < 60 and city = 'LA')";
  std::string left_plan = left.filter(left_condition).explain();
  EXPECT_THAT(left_plan, HasSubstr("Filter ((amount > 100) OR (amount < 60))\n"));
  EXPECT_THAT(left_plan, Not(HasSubstr("Filter ((city IS NULL) OR")));
  EXPECT_THAT(
      left.filter(left_condition).collect(),
      SameTableAs(orders().join(customers(), "customer", JoinType::kLeft).filter(left_condition)));

  // A branch with no condition on an input implies nothing for it; planning twice (the
  // optimizer pushes filters in two passes) keeps one copy of each implied condition.
  std::string partial = inner.filter("(city = 'NYC' and amount > 100) or amount < 6").explain();
  EXPECT_THAT(partial, Not(HasSubstr("Filter ((city = 'NYC') OR")));
  EXPECT_EQ(plan.find("Filter ((amount > 100) OR (amount < 60))"),
            plan.rfind("Filter ((amount > 100) OR (amount < 60))"));
}

TEST(LazyFrame, FilterConditionsRunOnTheRowsTheEarlierOnesKept) {
  // Many batches, a selective first condition, later conditions over NULLs and strings,
  // each compared with the eager filter, which evaluates the whole condition at once.
  std::vector<std::optional<int64_t>> numbers;
  std::vector<std::optional<std::string>> words;
  for (int64_t i = 0; i < 200000; ++i) {
    numbers.push_back(i % 7 == 0 ? std::nullopt : std::optional<int64_t>(i % 100));
    words.push_back(i % 3 == 0 ? std::nullopt : std::optional<std::string>(i % 2 ? "odd" : "even"));
  }
  Table table =
      Table::from_columns({{"n", testing::int64s(numbers)}, {"w", testing::strings(words)}});
  for (const char* condition :
       {"n < 10 and w = 'odd' and n % 2 = 1", "n < 90 and w != 'even' and n > 3",
        "w = 'odd' and n < 5 and n is not null", "n is null and w is not null",
        "n < 5 and upper(w) = 'ODD' and length(w) > 2 and n % 2 = 1"}) {
    SCOPED_TRACE(condition);
    Table lazy = LazyFrame::from(table).filter(condition).collect();
    Table expected = table.filter(condition);
    EXPECT_THAT(lazy, SameTableAs(expected));
    EXPECT_GT(lazy.num_rows(), 0);
    Table twice = LazyFrame::from(table).filter("n < 60").filter(condition).collect();
    EXPECT_THAT(twice, SameTableAs(expected.filter("n < 60")));
  }
}

TEST(LazyFrame, FoldsConstantsAndMergesFilters) {
  std::string plan = LazyFrame::from(orders())
                         .filter(col("amount") > lit(Scalar::int64(2)) * 3)
                         .filter("true and id > 1")
                         .explain();
  EXPECT_EQ(plan,
            "Filter ((amount > 6) AND (id > 1))\n"
            "  Table (5 rows) [id, customer, amount, note]\n");
}

TEST(LazyFrame, PrunesColumnsNobodyUses) {
  std::string plan = LazyFrame::from(orders())
                         .join(LazyFrame::from(customers()), "customer")
                         .group_by({"city"})
                         .agg({sum(col("amount")).alias("total")})
                         .explain();
  // Only the two columns the join and the aggregate use are kept from the orders: the
  // table node itself is narrowed, so no operator sees the others.
  EXPECT_THAT(plan, HasSubstr("      Table (5 rows) [customer, amount]\n"));
  EXPECT_THAT(plan, HasSubstr("  Project [amount, city]\n    Join inner"));
}

TEST(LazyFrame, AggregatesWindowsAndUnions) {
  LazyFrame lazy = LazyFrame::from(orders())
                       .union_all(LazyFrame::from(orders()))
                       .with_column("rn", row_number().over({{"customer"}, {asc("id")}}))
                       .filter("rn = 1")
                       .group_by({"customer"})
                       .agg({count_all().alias("n")})
                       .filter("customer > 10");
  Table result = lazy.collect().sort({asc("customer")});
  EXPECT_THAT(result, TableIs({"customer", "n"}, {{"20", "1"}, {"30", "1"}}));
  // The optimized plan gives what the plan as written gives.
  EXPECT_THAT(result,
              SameTableAs(orders()
                              .union_all(orders())
                              .with_column("rn", row_number().over({{"customer"}, {asc("id")}}))
                              .filter("rn = 1")
                              .group_by({"customer"})
                              .agg({count_all().alias("n")})
                              .filter("customer > 10")
                              .sort({asc("customer")})));
  // The filter on the group key runs before the aggregate, but after the window.
  EXPECT_THAT(lazy.explain(), HasSubstr("Aggregate by [customer] [count(*) AS n]\n  Filter "));
}

TEST(LazyFrame, ErrorsSurfaceWhenThePlanIsBuilt) {
  LazyFrame lazy = LazyFrame::from(orders());
  EXPECT_THAT(message_of<SchemaError>([&] { return lazy.filter("amout > 1"); }),
              HasSubstr("did you mean \"amount\""));
  EXPECT_THAT(message_of<SchemaError>([&] { return lazy.select({col("nope")}); }),
              HasSubstr("no column \"nope\""));
  EXPECT_THROW(lazy.sort({asc("x")}), SchemaError);
  EXPECT_THROW(lazy.limit(-1), StateError);
}

TEST(LazyFrame, LimitAndDistinct) {
  Table result = LazyFrame::from(orders()).select({"customer"}).distinct().limit(2).collect();
  EXPECT_THAT(cells(result, "customer"), ElementsAre("10", "20"));
  EXPECT_EQ(LazyFrame::from(orders()).limit(2).explain_unoptimized(),
            "Limit 2\n  Table (5 rows) [id, customer, amount, note]\n");
}

}  // namespace
}  // namespace setl::engine
