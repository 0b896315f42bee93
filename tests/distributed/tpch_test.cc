// The TPC-H queries on in-process ranks give the single-process answers: with the default
// size rule (small tables stay whole on every rank, joins with them stay local), and with
// every join and aggregation shuffled.
#include <gtest/gtest.h>

#include "oracle/sqlite_oracle.h"
#include "setl/core/local_cluster.h"
#include "setl/engine/distributed.h"
#include "setl/tpch/data.h"
#include "setl/tpch/queries.h"

namespace setl::testing {
namespace {

struct Case {
  int query;
  int ranks;
  int64_t broadcast_rows;
};

class DistributedTpch : public ::testing::TestWithParam<Case> {
 protected:
  static void SetUpTestSuite() {
    tables_ = new tpch::Tables(tpch::generate({.scale_factor = 0.01, .seed = 42}));
  }
  static void TearDownTestSuite() { delete tables_; }
  static tpch::Tables* tables_;
};
tpch::Tables* DistributedTpch::tables_ = nullptr;

TEST_P(DistributedTpch, SameAnswerAsOneProcess) {
  const Case& test = GetParam();
  engine::Table expected = tpch::run_query(test.query, *tables_);
  LocalCluster cluster(test.ranks);
  std::vector<engine::Table> results(static_cast<size_t>(test.ranks));
  std::string plan;
  cluster.run([&](Communicator& comm) {
    engine::DistributedScope scope(
        {.communicator = &comm, .broadcast_rows = test.broadcast_rows, .chunk_bytes = 64 << 10});
    engine::LazyFrame query = tpch::query_plan(test.query, *tables_);
    results[static_cast<size_t>(comm.rank())] = query.collect();
    if (comm.rank() == 0) {
      plan = query.explain();
    }
  });
  for (const engine::Table& result : results) {
    EXPECT_EQ(compare_rows(rows_of(expected), rows_of(result), tpch::query_is_ordered(test.query)),
              "")
        << "TPC-H Q" << test.query << " on " << test.ranks << " ranks:\n"
        << plan;
  }
  if (test.broadcast_rows == 0) {
    EXPECT_NE(plan.find("Exchange"), std::string::npos) << plan;
  }
}

std::vector<Case> cases() {
  std::vector<Case> all;
  for (int query : tpch::query_numbers()) {
    all.push_back({query, 3, 0});     // every join and aggregation exchanges rows
    all.push_back({query, 2, 5000});  // small tables whole on every rank
  }
  return all;
}

INSTANTIATE_TEST_SUITE_P(Queries, DistributedTpch, ::testing::ValuesIn(cases()),
                         [](const ::testing::TestParamInfo<Case>& info) {
                           return "Q" + std::to_string(info.param.query) + "_" +
                                  std::to_string(info.param.ranks) + "ranks_" +
                                  (info.param.broadcast_rows == 0 ? "shuffled" : "broadcast");
                         });

}  // namespace
}  // namespace setl::testing
