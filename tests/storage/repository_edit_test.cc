// Repository update (upsert by key), delete and drop, through every connector that does
// them: the same results, nothing half-written on bad input, no lost concurrent update.
#include <functional>
#include <thread>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "setl/storage/csv_connector.h"
#include "setl/storage/json_connector.h"
#include "setl/storage/json_lines_connector.h"
#include "setl/storage/parquet_connector.h"
#include "setl/storage/partitioned_connector.h"
#include "setl/storage/repository.h"
#include "setl/storage/sqlite_connector.h"
#include "testing/temp_dir.h"

namespace shop {
struct Stock {
  std::string store;
  std::string item;
  int64_t quantity = 0;
  std::optional<std::string> note;
};
}  // namespace shop
SETL_SCHEMA(shop::Stock, store, item, quantity, note)

namespace setl::storage {
namespace {

using engine::Dataset;
using shop::Stock;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using testing::message_of;

using Factory = std::function<std::shared_ptr<Connector>(const std::filesystem::path& dir)>;

struct Target {
  const char* name;
  Factory make;
};

class RepositoryEdits : public ::testing::TestWithParam<Target> {
 protected:
  Repository<Stock> repository(RepositoryOptions options = {.keys = {"store", "item"}}) {
    return Repository<Stock>(GetParam().make(dir_.path()), options);
  }
  // Rows as "store/item=quantity", sorted, for comparisons that ignore row order.
  static std::vector<std::string> rows(const Dataset<Stock>& data) {
    std::vector<std::string> out;
    for (const Stock& stock : data) {
      out.push_back(stock.store + "/" + stock.item + "=" + std::to_string(stock.quantity));
    }
    std::sort(out.begin(), out.end());
    return out;
  }
  testing::TempDir dir_;
};

std::vector<Stock> initial() {
  return {{"paris", "apple", 10, "fresh"},
          {"paris", "pear", 5, std::nullopt},
          {"lyon", "apple", 7, std::nullopt}};
}

TEST_P(RepositoryEdits, UpdateReplacesRowsWithEqualKeysAndAddsTheOthers) {
  Repository<Stock> stock = repository();
  stock.update(Dataset<Stock>::from(initial()));  // nothing stored yet: written
  stock.update(Dataset<Stock>::from(
      std::vector<Stock>{{"paris", "pear", 6, "restocked"}, {"lyon", "plum", 3, std::nullopt}}));
  EXPECT_THAT(rows(stock.find_all()),
              ElementsAre("lyon/apple=7", "lyon/plum=3", "paris/apple=10", "paris/pear=6"));
  // Another handle on the same data sees the same.
  EXPECT_THAT(rows(repository().find_by("store = 'paris'")),
              ElementsAre("paris/apple=10", "paris/pear=6"));
}

TEST_P(RepositoryEdits, BadUpdatesAreRefusedAndChangeNothing) {
  Repository<Stock> stock = repository();
  stock.save(Dataset<Stock>::from(initial()), SaveMode::kOverwrite);
  auto one = Dataset<Stock>::from(std::vector<Stock>{{"paris", "apple", 1, std::nullopt}});
  EXPECT_THAT(message_of<SchemaError>([&] { repository({}).update(one); }),
              HasSubstr("no key columns"));
  EXPECT_THAT(message_of<SchemaError>([&] { stock.update(one, {"shelf"}); }),
              HasSubstr("key 'shelf' is not a column"));
  auto twice = Dataset<Stock>::from(
      std::vector<Stock>{{"paris", "apple", 1, std::nullopt}, {"paris", "apple", 2, "x"}});
  EXPECT_THAT(message_of<SchemaError>([&] { stock.update(twice); }),
              HasSubstr("the rows repeat a key"));
  EXPECT_THAT(message_of<SchemaError>([&] { stock.update(one, {"note"}); }),
              HasSubstr("a key column is NULL"));
  EXPECT_THAT(rows(stock.find_all()),
              ElementsAre("lyon/apple=7", "paris/apple=10", "paris/pear=5"));
}

TEST_P(RepositoryEdits, DeleteRemovesTheMatchingRowsOnly) {
  Repository<Stock> stock = repository();
  stock.save(Dataset<Stock>::from(initial()), SaveMode::kOverwrite);
  stock.delete_where("store = 'paris' and quantity < 8");
  EXPECT_THAT(rows(stock.find_all()), ElementsAre("lyon/apple=7", "paris/apple=10"));
  // A condition that is NULL for a row keeps it, as SQL's DELETE does.
  stock.delete_where("note = 'fresh'");
  EXPECT_THAT(rows(stock.find_all()), ElementsAre("lyon/apple=7"));
}

TEST_P(RepositoryEdits, DropRemovesTheStoredData) {
  Repository<Stock> stock = repository();
  stock.save(Dataset<Stock>::from(initial()), SaveMode::kOverwrite);
  ASSERT_TRUE(stock.connector()->exists());
  stock.drop();
  EXPECT_FALSE(stock.connector()->exists());
  stock.drop();  // nothing stored: nothing to do
  stock.update(Dataset<Stock>::from(initial()));
  EXPECT_EQ(stock.find_all().size(), 3);
}

// Each thread upserts its own key at the same time as the others: every one must land,
// which a read-modify-write without the lock or the transaction would not guarantee.
TEST_P(RepositoryEdits, ConcurrentUpdatesAreNotLost) {
  repository().save(Dataset<Stock>::from(initial()), SaveMode::kOverwrite);
  constexpr int kThreads = 6;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([this, t] {
      repository().update(Dataset<Stock>::from(
          std::vector<Stock>{{"store" + std::to_string(t), "apple", t, std::nullopt}}));
    });
  }
  for (std::thread& thread : threads) {
    thread.join();
  }
  EXPECT_EQ(repository().find_all().size(), 3 + kThreads);
}

INSTANTIATE_TEST_SUITE_P(
    Connectors, RepositoryEdits,
    ::testing::Values(
        Target{"csv", [](const auto& dir) { return make_connector<CsvConnector>(dir / "s.csv"); }},
        Target{"jsonl",
               [](const auto& dir) { return make_connector<JsonLinesConnector>(dir / "s.jsonl"); }},
        Target{"json",
               [](const auto& dir) { return make_connector<JsonConnector>(dir / "s.json"); }},
        Target{"parquet",
               [](const auto& dir) { return make_connector<ParquetConnector>(dir / "s.parquet"); }},
        Target{"partitioned",
               [](const auto& dir) {
                 return make_connector<PartitionedConnector>(dir / "s", PartitionFormat::kParquet,
                                                             std::vector<std::string>{"store"});
               }},
        Target{"sqlite",
               [](const auto& dir) {
                 return make_connector<SqliteConnector>(dir / "s.db", "stock");
               }}),
    [](const ::testing::TestParamInfo<Target>& info) { return std::string(info.param.name); });

TEST(RepositoryEdits, AConnectorThatCannotSaysSo) {
  testing::TempDir dir;
  auto query = make_connector<SqliteConnector>(dir.path() / "q.db", SqlQuery{"SELECT 1 AS x"});
  EXPECT_THAT(message_of<StateError>([&] { query->upsert(engine::Table(), {"x"}); }),
              HasSubstr("reads a query and cannot be written to"));
  EXPECT_THAT(message_of<StateError>([&] { query->drop(); }), HasSubstr("cannot be dropped"));
}

}  // namespace
}  // namespace setl::storage
