// Every implemented TPC-H query, on generated SF 0.01 data, must give SQLite's answer:
// over the tables in memory, and over the tables written as dbgen-style .tbl files read
// back through CSV connectors (the queries are a library for any data).
#include <gtest/gtest.h>

#include "setl/core/memory_context.h"
#include "setl/storage/csv_connector.h"
#include "setl/tpch/data.h"
#include "setl/tpch/queries.h"
#include "sqlite_oracle.h"
#include "testing/temp_dir.h"
#include "tpch_oracle.h"

namespace setl::testing {
namespace {

class Tpch : public ::testing::TestWithParam<int> {
 protected:
  static void SetUpTestSuite() {
    tables_ = new tpch::Tables(tpch::generate({.scale_factor = 0.01, .seed = 42}));
    oracle_ = new SqliteOracle();
    load_tpch(*oracle_, *tables_);
    files_ = new TempDir();
    tpch::write_tbl(*tables_, files_->path());
  }
  static void TearDownTestSuite() {
    delete files_;
    delete oracle_;
    delete tables_;
  }

  // The .tbl files as dbgen writes them: '|'-separated, a '|' ending every line, no
  // header; the schema says the columns' names and types.
  static tpch::Sources tbl_sources() {
    auto scan = [](const std::string& name, const engine::Table& like) {
      storage::CsvOptions options{
          .header = false, .delimiter = '|', .schema = like.schema(), .trailing_delimiter = true};
      return storage::make_connector<storage::CsvConnector>(files_->path() / (name + ".tbl"),
                                                            options)
          ->lazy();
    };
    const tpch::Tables& t = *tables_;
    return {.region = scan("region", t.region),
            .nation = scan("nation", t.nation),
            .supplier = scan("supplier", t.supplier),
            .customer = scan("customer", t.customer),
            .part = scan("part", t.part),
            .partsupp = scan("partsupp", t.partsupp),
            .orders = scan("orders", t.orders),
            .lineitem = scan("lineitem", t.lineitem)};
  }

  static tpch::Tables* tables_;
  static SqliteOracle* oracle_;
  static TempDir* files_;
};
tpch::Tables* Tpch::tables_ = nullptr;
SqliteOracle* Tpch::oracle_ = nullptr;
TempDir* Tpch::files_ = nullptr;

TEST_P(Tpch, QueryAgreesWithSqlite) {
  int number = GetParam();
  Rows expected = oracle_->query(tpch::query_sql(number));
  engine::Table result = tpch::run_query(number, *tables_);
  std::string difference = compare_rows(expected, rows_of(result), tpch::query_is_ordered(number));
  EXPECT_EQ(difference, "") << "TPC-H Q" << number;
  // Queries with a WHERE clause must select something at this scale, or they test nothing.
  if (number != 18) {
    EXPECT_GT(result.num_rows(), 0) << "TPC-H Q" << number;
  }
}

TEST_P(Tpch, QueryOverDbgenStyleFilesAgreesWithSqlite) {
  int number = GetParam();
  Rows expected = oracle_->query(tpch::query_sql(number));
  engine::Table result = tpch::run_query(number, tbl_sources());
  EXPECT_EQ(compare_rows(expected, rows_of(result), tpch::query_is_ordered(number)), "")
      << "TPC-H Q" << number << " over .tbl files";
}

TEST_P(Tpch, BitIdenticalOnAnyThreadCount) {
  // Floats printed with 17 digits: equal text is equal bits. Sums reduce per morsel in
  // morsel order, so the thread count cannot change them.
  int number = GetParam();
  auto run_on = [&](int threads) {
    MemoryContext context;
    context.threads = threads;
    MemoryContextScope scope(context);
    return rows_of(tpch::run_query(number, *tables_));
  };
  Rows single = run_on(1);
  EXPECT_EQ(run_on(2), single) << "TPC-H Q" << number << " on 2 threads";
  EXPECT_EQ(run_on(4), single) << "TPC-H Q" << number << " on 4 threads";
}

INSTANTIATE_TEST_SUITE_P(Queries, Tpch, ::testing::ValuesIn(tpch::query_numbers()),
                         [](const ::testing::TestParamInfo<int>& info) {
                           return "Q" + std::to_string(info.param);
                         });

TEST(TpchData, IsDeterministicAndShapedLikeTheSpecification) {
  tpch::Tables a = tpch::generate({.scale_factor = 0.01, .seed = 7});
  tpch::Tables b = tpch::generate({.scale_factor = 0.01, .seed = 7});
  EXPECT_EQ(a.lineitem.to_string(50), b.lineitem.to_string(50));
  EXPECT_EQ(a.region.num_rows(), 5);
  EXPECT_EQ(a.nation.num_rows(), 25);
  EXPECT_EQ(a.supplier.num_rows(), 100);
  EXPECT_EQ(a.customer.num_rows(), 1500);
  EXPECT_EQ(a.part.num_rows(), 2000);
  EXPECT_EQ(a.partsupp.num_rows(), 8000);
  EXPECT_EQ(a.orders.num_rows(), 15000);
  // 1 to 7 lines per order: about 4 on average.
  EXPECT_GT(a.lineitem.num_rows(), 15000 * 3.5);
  EXPECT_LT(a.lineitem.num_rows(), 15000 * 4.5);
  // Every order's customer exists and is not a multiple of 3.
  EXPECT_EQ(a.orders.filter("o_custkey % 3 = 0 or o_custkey > 1500").num_rows(), 0);
}

}  // namespace
}  // namespace setl::testing
