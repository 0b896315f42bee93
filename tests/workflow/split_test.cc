// Splits: a stable hash routes each key to one variant, the same in every run; shares
// hold on a million keys; each variant's rows and the audit table are delivered.
#include "setl/workflow/split.h"

#include <map>
#include <set>
#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "setl/core/error.h"
#include "setl/engine/table.h"
#include "setl/workflow/pipeline.h"
#include "testing/columns.h"

namespace setl::workflow {
namespace {

using engine::Table;

TEST(Split, SharesHoldWithinOnePercentOnAMillionKeys) {
  for (const std::vector<SplitVariant>& variants :
       {std::vector<SplitVariant>{{"A", 0.5}, {"B", 0.5}},
        std::vector<SplitVariant>{{"control", 0.2}, {"x", 0.3}, {"y", 0.5}}}) {
    std::vector<int64_t> counts(variants.size(), 0);
    constexpr int64_t kKeys = 1'000'000;
    for (int64_t key = 0; key < kKeys; ++key) {
      ++counts[split_variant("scoring-ab", std::to_string(key), variants)];
    }
    for (size_t v = 0; v < variants.size(); ++v) {
      EXPECT_NEAR(static_cast<double>(counts[v]) / kKeys, variants[v].share, 0.01)
          << variants[v].name;
    }
  }
}

TEST(Split, AKeyKeepsItsVariantAcrossRunsAndGrowingAShareMovesFewKeys) {
  std::vector<SplitVariant> even{{"A", 0.5}, {"B", 0.5}};
  std::vector<SplitVariant> more_a{{"A", 0.6}, {"B", 0.4}};
  int moved = 0;
  for (int key = 0; key < 10'000; ++key) {
    std::string text = "customer-" + std::to_string(key);
    size_t first = split_variant("ab", text, even);
    EXPECT_EQ(split_variant("ab", text, even), first);
    size_t after = split_variant("ab", text, more_a);
    // Growing A from 50 % to 60 % only moves keys from B to A.
    EXPECT_TRUE(after == first || (first == 1 && after == 0));
    moved += after != first ? 1 : 0;
  }
  EXPECT_NEAR(moved / 10'000.0, 0.1, 0.02);
  // The split's name salts the hash: another split routes independently.
  int same = 0;
  for (int key = 0; key < 10'000; ++key) {
    std::string text = std::to_string(key);
    same += split_variant("ab", text, even) == split_variant("other", text, even) ? 1 : 0;
  }
  EXPECT_NEAR(same / 10'000.0, 0.5, 0.03);
}

class Orders : public Factory<Table> {
 public:
  Table process() override {
    std::vector<std::optional<int64_t>> customers;
    std::vector<std::optional<double>> totals;
    for (int64_t row = 0; row < 3000; ++row) {
      customers.emplace_back(row % 1000);  // three orders per customer
      totals.emplace_back(static_cast<double>(row));
    }
    return Table::from_columns(
        {{"customer", testing::int64s(customers)}, {"total", testing::float64s(totals)}});
  }
};

template <char kVariant>
class Score : public Factory<int64_t> {
 public:
  Delivery<Table> orders{this, {.id = std::string("scoring.") + kVariant}};
  int64_t process() override { return orders->num_rows(); }
};

RunResult run_split() {
  Pipeline pipeline("split");
  pipeline.add<Orders>();
  pipeline.add_split(
      "scoring",
      {.input = {.producer = "Orders"}, .key = "customer", .variants = {{"A", 0.5}, {"B", 0.5}}});
  pipeline.add<Score<'A'>>().set_name("ScoreA");
  pipeline.add<Score<'B'>>().set_name("ScoreB");
  return pipeline.run();
}

TEST(Split, EachVariantGetsItsRowsAndTheAuditRecordsEveryRoute) {
  RunResult result = run_split();
  const Table& part_a = result.output<Table>("scoring.A");
  const Table& part_b = result.output<Table>("scoring.B");
  EXPECT_EQ(result.output<int64_t>("ScoreA"), part_a.num_rows());
  EXPECT_EQ(result.output<int64_t>("ScoreB"), part_b.num_rows());
  EXPECT_EQ(part_a.num_rows() + part_b.num_rows(), 3000);
  EXPECT_EQ(part_a.num_rows() % 3, 0);  // a customer's orders stay together
  std::set<int64_t> in_a;
  for (int64_t row = 0; row < part_a.num_rows(); ++row) {
    in_a.insert(part_a.at(row, "customer").as_int());
  }
  for (int64_t row = 0; row < part_b.num_rows(); ++row) {
    EXPECT_EQ(in_a.count(part_b.at(row, "customer").as_int()), 0U);
  }
  const Table& audit = result.output<Table>("scoring.audit");
  ASSERT_EQ(audit.num_rows(), 3000);
  std::map<int64_t, std::string> routes;
  for (int64_t row = 0; row < audit.num_rows(); ++row) {
    routes[audit.at(row, "customer").as_int()] = audit.at(row, "variant").as_string();
  }
  for (int64_t customer : in_a) {
    EXPECT_EQ(routes[customer], "A");
  }
  // Sticky: a second, separate run routes every customer the same way.
  const Table again = run_split().output<Table>("scoring.audit");
  for (int64_t row = 0; row < again.num_rows(); ++row) {
    EXPECT_EQ(routes[again.at(row, "customer").as_int()], again.at(row, "variant").as_string());
  }
}

TEST(Split, BadVariantsAreRefusedWhenAdded) {
  Pipeline pipeline("bad");
  auto add = [&](std::vector<SplitVariant> variants, std::string key = "k") {
    pipeline.add_split("s", {.input = {}, .key = std::move(key), .variants = std::move(variants)});
  };
  EXPECT_THROW(add({{"A", 0.5}, {"B", 0.4}}), ConfigError);
  EXPECT_THROW(add({{"A", 0.5}, {"A", 0.5}}), ConfigError);
  EXPECT_THROW(add({{"A", 0}, {"B", 1}}), ConfigError);
  EXPECT_THROW(add({}), ConfigError);
  EXPECT_THROW(add({{"A", 1}}, ""), ConfigError);
}

TEST(Split, AMissingKeyColumnFailsTheSplitNamingIt) {
  Pipeline pipeline("missing key");
  pipeline.add<Orders>();
  pipeline.add_split(
      "s",
      {.input = {.producer = "Orders"}, .key = "client", .variants = {{"A", 0.5}, {"B", 0.5}}});
  try {
    pipeline.run();
    FAIL() << "expected the split to fail";
  } catch (const Error& error) {
    EXPECT_THAT(std::string(error.what()),
                ::testing::HasSubstr("split 's': the input has no key column \"client\""));
  }
}

}  // namespace
}  // namespace setl::workflow
