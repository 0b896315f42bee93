// Filters over joins, generated at random and checked against eager evaluation: the
// optimizer moves conditions (and what an OR of ANDs implies for each input) below inner
// and left joins, and the filter runs an AND chain's later conditions on the rows the
// earlier ones kept. Neither may change a row. The eager side joins first and then filters
// the whole condition at once, so it shares neither rewrite.
#include <random>

#include <gtest/gtest.h>

#include "setl/engine/lazy_frame.h"
#include "testing/columns.h"
#include "testing/table_matchers.h"

namespace setl::engine {
namespace {

using testing::SameTableAs;

// Lines reference items; NULLs in keys and values, a few lines without an item.
Table lines(int64_t rows) {
  std::vector<std::optional<int64_t>> ids, items, quantities;
  std::vector<std::optional<std::string>> modes;
  const char* const kModes[] = {"AIR", "RAIL", "SHIP", "TRUCK", "AIR REG"};
  for (int64_t i = 0; i < rows; ++i) {
    ids.push_back(i);
    items.push_back(i % 13 == 0 ? std::nullopt : std::optional<int64_t>(i % 400));
    quantities.push_back(i % 11 == 0 ? std::nullopt : std::optional<int64_t>(i * 7 % 50));
    modes.push_back(i % 17 == 0 ? std::nullopt : std::optional<std::string>(kModes[i % 5]));
  }
  return Table::from_columns({{"id", testing::int64s(ids)},
                              {"item", testing::int64s(items)},
                              {"quantity", testing::int64s(quantities)},
                              {"mode", testing::strings(modes)}});
}

Table items() {
  std::vector<std::optional<int64_t>> keys, sizes;
  std::vector<std::optional<std::string>> brands;
  for (int64_t i = 0; i < 350; ++i) {
    keys.push_back(i);
    sizes.push_back(i % 9 == 0 ? std::nullopt : std::optional<int64_t>(i % 40));
    brands.push_back(i % 23 == 0 ? std::nullopt
                                 : std::optional<std::string>("B" + std::to_string(i % 6)));
  }
  return Table::from_columns({{"item_key", testing::int64s(keys)},
                              {"size", testing::int64s(sizes)},
                              {"brand", testing::strings(brands)}});
}

// One comparison on a column of either input.
std::string atom(std::mt19937& random) {
  const char* const kOps[] = {"=", "!=", "<", "<=", ">", ">="};
  const char* op = kOps[random() % 6];
  switch (random() % 6) {
    case 0:
      return "quantity " + std::string(op) + " " + std::to_string(random() % 50);
    case 1:
      return "size " + std::string(op) + " " + std::to_string(random() % 40);
    case 2:
      return "mode " + std::string(random() % 2 ? "=" : "!=") +
             (random() % 2 ? " 'AIR'" : " 'SHIP'");
    case 3:
      return "brand in ('B" + std::to_string(random() % 6) + "', 'B" +
             std::to_string(random() % 6) + "')";
    case 4:
      return random() % 2 ? "brand is null" : "mode is not null";
    default:
      return "id % " + std::to_string(2 + random() % 5) + " = 0";
  }
}

std::string branch(std::mt19937& random) {
  std::string text = atom(random);
  for (int i = static_cast<int>(random() % 3); i > 0; --i) {
    text = "(" + text + " and " + atom(random) + ")";
  }
  return text;
}

// An OR of ANDs, sometimes ANDed with more conditions: the shapes the rewrites act on.
std::string condition(std::mt19937& random) {
  std::string text = branch(random);
  for (int i = static_cast<int>(random() % 3); i > 0; --i) {
    text = "(" + text + " or " + branch(random) + ")";
  }
  for (int i = static_cast<int>(random() % 3); i > 0; --i) {
    text = atom(random) + " and " + text;
  }
  return text;
}

TEST(FilterDifferential, RandomConditionsOverJoinsMatchEagerFilters) {
  Table left = lines(30'000);
  Table right = items();
  std::mt19937 random(20261203);
  for (int round = 0; round < 120; ++round) {
    std::string text = condition(random);
    JoinType type = round % 3 == 2 ? JoinType::kLeft : JoinType::kInner;
    SCOPED_TRACE(text + (type == JoinType::kLeft ? " (left join)" : " (inner join)"));
    Table lazy = LazyFrame::from(left)
                     .join(LazyFrame::from(right), {"item"}, {"item_key"}, type)
                     .filter(text)
                     .sort({asc("id")})
                     .collect();
    Table eager = left.join(right, {"item"}, {"item_key"}, type).filter(text).sort({asc("id")});
    ASSERT_THAT(lazy, SameTableAs(eager));
  }
}

}  // namespace
}  // namespace setl::engine
