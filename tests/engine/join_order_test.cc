// Chains of inner joins run their selective join first: the optimizer exchanges a chain's
// joins when that shrinks the intermediate result, and the answer keeps the written
// query's columns (names, order, types) and rows, compared with eager joins in the order
// written.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "setl/core/error.h"
#include "setl/engine/lazy_frame.h"
#include "testing/columns.h"
#include "testing/table_matchers.h"

namespace setl::engine {
namespace {

using ::testing::HasSubstr;
using testing::SameTableAs;

// Facts reference parts and suppliers; every third fact has no part (NULL never joins).
Table facts(int64_t rows) {
  std::vector<std::optional<int64_t>> ids, parts, suppliers, amounts;
  for (int64_t i = 0; i < rows; ++i) {
    ids.push_back(i);
    parts.push_back(i % 3 == 0 ? std::nullopt : std::optional<int64_t>(i % 2'000));
    suppliers.push_back(i % 200);
    amounts.push_back(i * 7 % 1'000);
  }
  return Table::from_columns({{"id", testing::int64s(ids)},
                              {"part", testing::int64s(parts)},
                              {"supplier", testing::int64s(suppliers)},
                              {"amount", testing::int64s(amounts)}});
}

// Both have a "name" column, so the joined names depend on the order of the joins.
Table parts() {
  std::vector<std::optional<int64_t>> keys, sizes;
  std::vector<std::optional<std::string>> names;
  for (int64_t i = 0; i < 2'000; ++i) {
    keys.push_back(i);
    sizes.push_back(i % 50);
    names.push_back("part-" + std::to_string(i));
  }
  return Table::from_columns({{"part", testing::int64s(keys)},
                              {"size", testing::int64s(sizes)},
                              {"name", testing::strings(names)}});
}

Table suppliers() {
  std::vector<std::optional<int64_t>> keys, regions;
  std::vector<std::optional<std::string>> names;
  for (int64_t i = 0; i < 200; ++i) {
    keys.push_back(i);
    names.push_back("supplier-" + std::to_string(i));
    regions.push_back(i % 5);
  }
  return Table::from_columns({{"supplier", testing::int64s(keys)},
                              {"name", testing::strings(names)},
                              {"region", testing::int64s(regions)}});
}

Table regions() {
  return Table::from_columns({{"region", testing::int64s({0, 1, 2, 3, 4})},
                              {"label", testing::strings({"a", "b", "c", "d", "e"})}});
}

Table sorted_by_every_column(const Table& table) {
  std::vector<SortKey> keys;
  for (const std::string& name : table.schema()->names()) {
    keys.push_back({name});
  }
  return table.sort(keys);
}

void expect_same_answer(const LazyFrame& lazy, const Table& eager) {
  Table collected = lazy.collect();
  EXPECT_EQ(collected.schema()->to_string(), eager.schema()->to_string());
  EXPECT_THAT(sorted_by_every_column(collected), SameTableAs(sorted_by_every_column(eager)));
}

TEST(JoinOrder, ALeftDeepChainJoinsItsSelectiveInputFirst) {
  Table small_parts = parts().filter("size = 3");
  LazyFrame lazy = LazyFrame::from(facts(20'000))
                       .join(LazyFrame::from(suppliers()), "supplier")
                       .join(LazyFrame::from(parts()).filter("size = 3"), "part");
  // Written: (facts ⋈ suppliers) ⋈ parts; run: (facts ⋈ parts) ⋈ suppliers, and the two
  // "name" columns exchanged back.
  std::string plan = lazy.explain();
  EXPECT_LT(plan.find("Join inner on supplier = supplier"), plan.find("Join inner on part = part"))
      << plan;
  EXPECT_THAT(plan, HasSubstr("name_right AS name"));
  expect_same_answer(lazy, facts(20'000).join(suppliers(), "supplier").join(small_parts, "part"));
}

TEST(JoinOrder, ARightDeepChainJoinsItsSelectiveInputFirst) {
  Table small_parts = parts().filter("size = 3");
  LazyFrame lazy =
      LazyFrame::from(parts())
          .filter("size = 3")
          .join(LazyFrame::from(facts(20'000)).join(LazyFrame::from(suppliers()), "supplier"),
                "part");
  std::string plan = lazy.explain();
  EXPECT_LT(plan.find("Join inner on supplier = supplier"), plan.find("Join inner on part = part"))
      << plan;
  expect_same_answer(lazy, small_parts.join(facts(20'000).join(suppliers(), "supplier"), "part"));
}

TEST(JoinOrder, ALongerChainIsReorderedAllTheWayDown) {
  // parts ⋈ ((facts ⋈ suppliers) ⋈ regions): the parts meet the facts first, two levels
  // down (the suppliers then meet their regions on their own), and both "name" columns
  // come back under their written names.
  Table small_parts = parts().filter("size = 3");
  LazyFrame lazy = LazyFrame::from(parts())
                       .filter("size = 3")
                       .join(LazyFrame::from(facts(20'000))
                                 .join(LazyFrame::from(suppliers()), "supplier")
                                 .join(LazyFrame::from(regions()), "region"),
                             "part");
  std::string plan = lazy.explain();
  size_t parts_join = plan.find("Join inner on part = part");
  EXPECT_LT(plan.find("Join inner on supplier = supplier"), parts_join) << plan;
  EXPECT_NE(plan.find("Join inner on region = region"), std::string::npos) << plan;
  expect_same_answer(
      lazy, small_parts.join(facts(20'000).join(suppliers(), "supplier").join(regions(), "region"),
                             "part"));
}

TEST(JoinOrder, KeysOfDifferentNamesAndTypesKeepTheirColumns) {
  // The parts' key is an int32 named differently: both key columns stay, each typed as
  // its own side.
  Table narrow_parts = parts().select(
      {col("part").cast(DataType::int32()).alias("p_key"), col("size"), col("name")});
  LazyFrame lazy = LazyFrame::from(facts(20'000))
                       .join(LazyFrame::from(suppliers()), "supplier")
                       .join(LazyFrame::from(narrow_parts).filter("size = 7"), {"part"}, {"p_key"});
  std::string plan = lazy.explain();
  EXPECT_LT(plan.find("Join inner on supplier = supplier"), plan.find("Join inner on part = p_key"))
      << plan;
  expect_same_answer(lazy, facts(20'000)
                               .join(suppliers(), "supplier")
                               .join(narrow_parts.filter("size = 7"), {"part"}, {"p_key"}));
}

TEST(JoinOrder, SemiAndAntiJoinsMoveOntoTheInputTheyTest) {
  // (facts ⋈ suppliers) ⋉ regions on the suppliers' region: the suppliers are filtered
  // before they meet the facts. The test column is a clash-renamed one on purpose.
  Table named =
      Table::from_columns({{"name", testing::strings({"supplier-3", "supplier-8", "nobody"})}});
  for (JoinType type : {JoinType::kSemi, JoinType::kAnti}) {
    LazyFrame lazy = LazyFrame::from(facts(20'000).with_column("name", lit("fact")))
                         .join(LazyFrame::from(suppliers()), "supplier")
                         .join(LazyFrame::from(named), {"name_right"}, {"name"}, type);
    std::string plan = lazy.explain();
    EXPECT_LT(plan.find("Join inner on supplier = supplier"),
              plan.find(type == JoinType::kSemi ? "Join semi" : "Join anti"))
        << plan;
    expect_same_answer(lazy, facts(20'000)
                                 .with_column("name", lit("fact"))
                                 .join(suppliers(), "supplier")
                                 .join(named, {"name_right"}, {"name"}, type));
  }
}

TEST(JoinOrder, AnOrderWhoseColumnNamesWouldClashIsNotChosen) {
  // Written, the suppliers' "c" becomes "c_right" and the parts' "c_right" becomes
  // "c_right_right"; joined first, the parts' "c_right" would take the name the
  // suppliers' "c" needs. The chain stays as written and still answers.
  Table tagged_facts = facts(5'000).with_column("c", lit("fact"));
  Table tagged_suppliers = suppliers().with_column("c", lit("supplier"));
  Table tagged_parts = parts().with_column("c_right", lit("part"));
  LazyFrame lazy = LazyFrame::from(tagged_facts)
                       .join(LazyFrame::from(tagged_suppliers), "supplier")
                       .join(LazyFrame::from(tagged_parts).filter("size = 3"), "part");
  expect_same_answer(lazy, tagged_facts.join(tagged_suppliers, "supplier")
                               .join(tagged_parts.filter("size = 3"), "part"));
}

TEST(JoinOrder, ARightSuffixNamesClashingColumnsInEveryOrder) {
  // The chain is reordered (parts first) and still names the suppliers' "name" with the
  // suffix the user chose.
  Table sizes = parts().select(std::vector<std::string>{"part", "size"});
  LazyFrame lazy = LazyFrame::from(facts(20'000).with_column("name", lit("fact")))
                       .join(LazyFrame::from(suppliers()), {"supplier"}, {"supplier"},
                             JoinType::kInner, "_supplier")
                       .join(LazyFrame::from(sizes).filter("size = 3"), {"part"}, {"part"},
                             JoinType::kInner, "_supplier");
  Table eager =
      facts(20'000)
          .with_column("name", lit("fact"))
          .join(suppliers(), {"supplier"}, {"supplier"}, JoinType::kInner, "_supplier")
          .join(sizes.filter("size = 3"), {"part"}, {"part"}, JoinType::kInner, "_supplier");
  EXPECT_TRUE(eager.schema()->find("name_supplier").has_value());
  std::string plan = lazy.explain();
  EXPECT_LT(plan.find("Join inner on supplier = supplier"), plan.find("Join inner on part = part"))
      << plan;
  expect_same_answer(lazy, eager);
  Table small_parts = parts().filter("size = 3");

  // Joins with different suffixes keep their written order (one name per clash), and an
  // outer join keeps its suffix when it runs mirrored.
  LazyFrame mixed =
      LazyFrame::from(facts(20'000).with_column("name", lit("fact")))
          .join(LazyFrame::from(suppliers()), {"supplier"}, {"supplier"}, JoinType::kInner, "_s")
          .join(LazyFrame::from(parts()).filter("size = 3"), {"part"}, {"part"}, JoinType::kInner,
                "_p");
  expect_same_answer(mixed,
                     facts(20'000)
                         .with_column("name", lit("fact"))
                         .join(suppliers(), {"supplier"}, {"supplier"}, JoinType::kInner, "_s")
                         .join(small_parts, {"part"}, {"part"}, JoinType::kInner, "_p"));
  Table named_facts = facts(5'000).with_column("name", lit("fact"));
  LazyFrame mirrored = LazyFrame::from(suppliers())
                           .join(LazyFrame::from(named_facts), {"supplier"}, {"supplier"},
                                 JoinType::kLeft, "_of_fact");
  expect_same_answer(mirrored, suppliers().join(named_facts, {"supplier"}, {"supplier"},
                                                JoinType::kLeft, "_of_fact"));
  EXPECT_THAT(mirrored.explain(), HasSubstr("Join right"));

  // A suffix that makes a name the other side already has is the join's own error.
  EXPECT_THROW(
      (void)LazyFrame::from(facts(10).with_column("name", lit("fact")))
          .join(LazyFrame::from(suppliers()), {"supplier"}, {"supplier"}, JoinType::kInner, ""),
      SchemaError);
}

TEST(JoinOrder, AChainStaysAsWrittenWhenNoOrderIsExpectedToShrinkIt) {
  // Every fact finds its part and its supplier: no join filters, so nothing to gain.
  LazyFrame lazy = LazyFrame::from(facts(5'000))
                       .join(LazyFrame::from(suppliers()), "supplier")
                       .join(LazyFrame::from(parts()), "part");
  std::string plan = lazy.explain();
  EXPECT_GT(plan.find("Join inner on supplier = supplier"), plan.find("Join inner on part = part"))
      << plan;
  expect_same_answer(lazy, facts(5'000).join(suppliers(), "supplier").join(parts(), "part"));
}

TEST(JoinOrder, OuterJoinsAndKeysFromBothSidesAreNotExchanged) {
  Table small_parts = parts().filter("size = 3");
  // A left join keeps the facts without a part: it does not associate with the inner one.
  LazyFrame left = LazyFrame::from(facts(5'000))
                       .join(LazyFrame::from(suppliers()), "supplier", JoinType::kLeft)
                       .join(LazyFrame::from(parts()).filter("size = 3"), "part");
  expect_same_answer(
      left, facts(5'000).join(suppliers(), "supplier", JoinType::kLeft).join(small_parts, "part"));
  // The outer join's keys come from both inputs of the inner one.
  Table pairs = Table::from_columns(
      {{"part", testing::int64s({1, 2, 3, 4})}, {"supplier", testing::int64s({1, 2, 3, 5})}});
  LazyFrame both = LazyFrame::from(facts(5'000))
                       .join(LazyFrame::from(suppliers()), "supplier")
                       .join(LazyFrame::from(pairs), {"part", "supplier"}, {"part", "supplier"});
  expect_same_answer(both, facts(5'000)
                               .join(suppliers(), "supplier")
                               .join(pairs, {"part", "supplier"}, {"part", "supplier"}));
}

}  // namespace
}  // namespace setl::engine
