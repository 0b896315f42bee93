// Distributed queries on in-process ranks (LocalCluster) against the same queries run in
// one process: every operator, over data that stresses the exchanges — skewed keys, keys
// that are all NULL or all one value (every row on one rank), string keys, inputs empty on
// some ranks — and with rounds cut small so that every exchange takes many of them.
#include <atomic>
#include <filesystem>
#include <functional>
#include <mutex>
#include <random>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "oracle/sqlite_oracle.h"
#include "random_tables.h"
#include "setl/core/cancellation.h"
#include "setl/core/error.h"
#include "setl/core/job_group.h"
#include "setl/core/local_cluster.h"
#include "setl/core/memory_budget.h"
#include "setl/core/memory_context.h"
#include "setl/engine/distributed.h"
#include "setl/engine/functions.h"
#include "setl/engine/lazy_frame.h"
#include "testing/temp_dir.h"

namespace setl::testing {
namespace {

using engine::col;
using engine::DistributedContext;
using engine::DistributedScope;
using engine::JoinType;
using engine::LazyFrame;
using engine::lit;
using engine::Table;
namespace fn = engine::fn;

struct RunOptions {
  int ranks = 3;
  int64_t broadcast_rows = 0;  // shuffle everything unless a test asks for broadcasts
  int64_t chunk_bytes = 4096;  // many rounds per exchange
};

// The query's result on every rank of a cluster; checks that the ranks agree.
Table distributed(const std::function<LazyFrame()>& query, const RunOptions& options = {}) {
  LocalCluster cluster(options.ranks);
  std::vector<Table> results(static_cast<size_t>(options.ranks));
  cluster.run([&](Communicator& comm) {
    DistributedScope scope({.communicator = &comm,
                            .broadcast_rows = options.broadcast_rows,
                            .chunk_bytes = options.chunk_bytes,
                            .sample_rows = 64});
    results[static_cast<size_t>(comm.rank())] = query().collect();
  });
  for (size_t rank = 1; rank < results.size(); ++rank) {
    EXPECT_EQ(compare_rows(rows_of(results[0]), rows_of(results[rank]), true), "")
        << "rank " << rank << " got other rows than rank 0";
  }
  return results[0];
}

void expect_same(const std::function<LazyFrame()>& query, bool ordered = false,
                 const RunOptions& options = {}) {
  Table expected = query().collect();
  Table actual = distributed(query, options);
  EXPECT_EQ(actual.schema()->names(), expected.schema()->names());
  EXPECT_EQ(compare_rows(rows_of(expected), rows_of(actual), ordered), "") << query().explain();
}

class ExchangeByKeys : public ::testing::TestWithParam<Keys> {
 protected:
  // Few keys make a join nearly the product of its inputs: keep those inputs small.
  int64_t scale_ = GetParam() == Keys::kOneValue ? 1 : GetParam() == Keys::kSkewed ? 3 : 10;
  Table left_ = random_table(300 * scale_, GetParam(), 1);
  Table right_ = random_table(80 * scale_, GetParam(), 2);
  LazyFrame left() const { return LazyFrame::from(left_); }
  LazyFrame right() const { return LazyFrame::from(right_); }
};

TEST_P(ExchangeByKeys, GroupByAggregatesCombinePartialResults) {
  expect_same([&] {
    return left().group_by({"k"}).agg(
        {fn::count_all().alias("n"), fn::sum(col("v")).alias("sv"), fn::sum(col("d")).alias("sd"),
         fn::min(col("s")).alias("lo"), fn::max(col("d")).alias("hi"),
         fn::mean(col("d")).alias("avg_d"), fn::count(col("v")).alias("nv")});
  });
}

TEST_P(ExchangeByKeys, AggregatesThatCannotCombineShuffleTheRows) {
  expect_same([&] {
    return left()
        .group_by({"s", "g"})
        .agg({fn::count_distinct(col("k")).alias("keys"), fn::stddev(col("v")).alias("spread")});
  });
}

TEST_P(ExchangeByKeys, TotalsWithoutKeys) {
  expect_same([&] {
    return left().aggregate({fn::count_all().alias("n"), fn::sum(col("d")).alias("total"),
                             fn::mean(col("v")).alias("mean_v"),
                             fn::count_distinct(col("s")).alias("names")});
  });
}

TEST_P(ExchangeByKeys, JoinsOfEveryType) {
  for (JoinType type : {JoinType::kInner, JoinType::kLeft, JoinType::kRight, JoinType::kFull,
                        JoinType::kSemi, JoinType::kAnti}) {
    SCOPED_TRACE(static_cast<int>(type));
    expect_same([&] {
      return left().select({"k", "g", "d"}).join(right().select({"k", "s"}), {"k"}, {"k"}, type);
    });
  }
}

TEST_P(ExchangeByKeys, JoinsOnStringAndCompositeKeys) {
  expect_same([&] { return left().join(right(), {"s", "g"}, {"s", "g"}, JoinType::kInner, "_r"); });
  expect_same([&] { return left().join(right(), {"s"}, {"s"}, JoinType::kFull, "_r"); });
}

TEST_P(ExchangeByKeys, JoinsThatBroadcastTheSmallSide) {
  RunOptions broadcast{.ranks = 4, .broadcast_rows = 1000};
  for (JoinType type :
       {JoinType::kInner, JoinType::kLeft, JoinType::kRight, JoinType::kSemi, JoinType::kAnti}) {
    SCOPED_TRACE(static_cast<int>(type));
    expect_same(
        [&] {
          return left().join(right().select({"k", "v"}), {"k"}, {"k"}, type);
        },
        false, broadcast);
  }
}

TEST_P(ExchangeByKeys, DistinctSortLimitAndWindows) {
  expect_same([&] { return left().select({"k", "s"}).distinct(); });
  expect_same([&] { return left().sort({{"k"}, engine::desc("d"), {"s"}, {"v"}, {"g"}}); }, true);
  expect_same([&] { return left().sort({engine::desc("d"), {"s"}, {"k"}}).limit(25, 5); }, true);
  expect_same([&] {
    return left().with_column(
        "running", fn::sum(col("d")).over({.partition_by = {"k"}, .order_by = {{"d"}, {"s"}}}));
  });
  expect_same([&] {
    return left().with_column("n", fn::count_all().over({.partition_by = {"s", "g"}}));
  });
}

INSTANTIATE_TEST_SUITE_P(Keys, ExchangeByKeys,
                         ::testing::Values(Keys::kSpread, Keys::kSkewed, Keys::kOneValue,
                                           Keys::kAllNull));

TEST(Exchange, UnionsOfWholeAndSpreadInputs) {
  Table big = random_table(2000, Keys::kSpread, 3);
  Table small = random_table(10, Keys::kSpread, 4);
  expect_same([&] { return LazyFrame::from(big).union_all(LazyFrame::from(small)); }, false,
              {.broadcast_rows = 100});
  expect_same(
      [&] {
        return LazyFrame::from(small)
            .union_all(LazyFrame::from(small))
            .group_by({"g"})
            .agg({fn::sum(col("d")).alias("total")});
      },
      false, {.broadcast_rows = 100});
}

TEST(Exchange, EmptyInputsAndRanksWithoutRows) {
  Table few = random_table(2, Keys::kSpread, 5);
  Table none = random_table(0, Keys::kSpread, 6);
  RunOptions many_ranks{.ranks = 5};
  expect_same([&] { return LazyFrame::from(few).group_by({"k"}).agg({fn::count_all()}); }, false,
              many_ranks);
  expect_same([&] { return LazyFrame::from(none).sort({{"k"}}); }, true, many_ranks);
  expect_same([&] { return LazyFrame::from(none).aggregate({fn::count_all().alias("n")}); }, false,
              many_ranks);
  expect_same(
      [&] { return LazyFrame::from(few).join(LazyFrame::from(none), "k", JoinType::kLeft); }, false,
      many_ranks);
}

TEST(Exchange, OneRankRunsTheSamePlan) {
  Table data = random_table(500, Keys::kSkewed, 7);
  expect_same([&] { return LazyFrame::from(data).group_by({"s"}).agg({fn::sum(col("d"))}); }, false,
              {.ranks = 1});
}

TEST(Exchange, ExplainShowsTheExchanges) {
  Table data = random_table(500, Keys::kSpread, 8);
  LocalCluster cluster(2);
  std::vector<std::string> plans(2);
  cluster.run([&](Communicator& comm) {
    DistributedScope scope({.communicator = &comm, .broadcast_rows = 10});
    plans[static_cast<size_t>(comm.rank())] = LazyFrame::from(data)
                                                  .group_by({"k"})
                                                  .agg({fn::sum(col("v")).alias("total")})
                                                  .sort({{"k"}})
                                                  .explain();
  });
  EXPECT_THAT(plans[0], ::testing::HasSubstr("Exchange hash [k]"));
  EXPECT_THAT(plans[0], ::testing::HasSubstr("Exchange range [k asc]"));
  EXPECT_THAT(plans[0], ::testing::HasSubstr("Exchange gather"));
  EXPECT_THAT(plans[0], ::testing::HasSubstr("Table (250 rows on this rank)"));
}

TEST(Exchange, PartitionsOfEachRankAreCombined) {
  // Each rank holds its own rows (from_partition); the result covers all of them.
  LocalCluster cluster(3);
  std::vector<Table> results(3);
  std::vector<Table> parts(3);
  cluster.run([&](Communicator& comm) {
    auto rank = static_cast<size_t>(comm.rank());
    DistributedScope scope({.communicator = &comm});
    Table mine = random_table(100 * static_cast<int64_t>(rank + 1), Keys::kSkewed,
                              static_cast<uint32_t>(10 + rank));
    results[rank] =
        LazyFrame::from_partition(mine).group_by({"k"}).agg({fn::count_all().alias("n")}).collect();
    parts[rank] = LazyFrame::from_partition(mine).filter(col("g") == lit(1)).collect_partition();
  });
  Table all = random_table(100, Keys::kSkewed, 10)
                  .union_all(random_table(200, Keys::kSkewed, 11))
                  .union_all(random_table(300, Keys::kSkewed, 12));
  Table expected = all.group_by({"k"}).agg({fn::count_all().alias("n")});
  for (const Table& result : results) {
    EXPECT_EQ(compare_rows(rows_of(expected), rows_of(result), false), "");
  }
  for (size_t rank = 0; rank < 3; ++rank) {
    Table mine = random_table(100 * static_cast<int64_t>(rank + 1), Keys::kSkewed,
                              static_cast<uint32_t>(10 + rank));
    EXPECT_EQ(compare_rows(rows_of(mine.filter(col("g") == lit(1))), rows_of(parts[rank]), true),
              "");
  }
}

TEST(Exchange, ARankThatFailsEndsTheQueryOnEveryRank) {
  Table data = random_table(3000, Keys::kSpread, 9);
  LocalCluster cluster(4);
  std::mutex mutex;
  std::vector<std::string> errors;
  EXPECT_THROW(cluster.run([&](Communicator& comm) {
    DistributedScope scope({.communicator = &comm, .broadcast_rows = 0, .chunk_bytes = 1024});
    // Rank 2 fails on its rows ("key-1" is no number) before the shuffle, while the others
    // wait in it.
    LazyFrame query = LazyFrame::from(data).with_column(
        "x", comm.rank() == 2 ? col("s").cast(engine::DataType::int32()) : col("g"));
    try {
      (void)query.group_by({"k"}).agg({fn::sum(col("x"))}).collect();
    } catch (const std::exception& error) {
      std::lock_guard lock(mutex);
      errors.push_back(error.what());
      throw;
    }
  }),
               DistributedError);
  ASSERT_EQ(errors.size(), 4u);
  for (const std::string& error : errors) {
    EXPECT_THAT(error, ::testing::HasSubstr("rank 2 of 4 failed"));
  }
}

// Every query whose exchanges hold more than a rank's budget: each exchange spills what it
// holds to send and what it received, and the rows are those of one process.
TEST(Exchange, ShufflesLargerThanTheBudgetSpillAndGiveTheSameRows) {
  TempDir spill_dir;
  Table data = random_table(40000, Keys::kSkewed, 12);
  Table other = random_table(30000, Keys::kSpread, 13);
  std::vector<std::pair<std::string, std::function<LazyFrame()>>> queries = {
      {"gather", [&] { return LazyFrame::from(data).filter(col("g") >= lit(0)); }},
      {"hash",
       [&] {
         return LazyFrame::from(data).select({"k", "s", "g"}).distinct();
       }},
      {"range",
       [&] {
         return LazyFrame::from(data).sort({{"s"}, {"k"}, {"v"}, {"d"}, {"g"}});
       }},
      {"join",
       [&] {
         LazyFrame counts =
             LazyFrame::from(other).group_by({"k"}).agg({fn::count_all().alias("n")});
         return LazyFrame::from(data).join(counts, {"k"}, {"k"}, JoinType::kLeft, "_r");
       }},
  };
  for (const auto& [name, query] : queries) {
    SCOPED_TRACE(name);
    Table expected = query().collect();
    LocalCluster cluster(3);
    std::vector<Table> results(3);
    std::atomic<int64_t> spilled{0};
    cluster.run([&](Communicator& comm) {
      auto counters = std::make_shared<MemoryCounters>();
      MemoryContext context;
      context.budget = memory::MemoryBudget::create(int64_t{384} << 10);
      context.spill_dir = spill_dir.path();
      context.batch_bytes = 32 << 10;
      context.owner = "rank " + std::to_string(comm.rank());
      context.counters = counters;
      MemoryContextScope memory(context);
      DistributedScope scope({.communicator = &comm, .broadcast_rows = 0, .chunk_bytes = 64 << 10});
      results[static_cast<size_t>(comm.rank())] = query().collect();
      spilled += counters->spilled_bytes.load();
      EXPECT_EQ(context.budget->used(), 0) << "every reservation is given back";
    });
    EXPECT_GT(spilled.load(), 0) << "the exchanges spilled";
    for (const Table& result : results) {
      EXPECT_EQ(compare_rows(rows_of(expected), rows_of(result), name == "range"), "");
    }
    EXPECT_TRUE(!std::filesystem::exists(spill_dir.path()) ||
                std::filesystem::is_empty(spill_dir.path()))
        << "spill files are removed";
  }
}

// Each rank's share is a slice of the table; on rank `cancelling`, reading it cancels the
// rank's job group (as a user would from the monitor) mid-query.
class CancellingSource : public engine::ScanSource {
 public:
  CancellingSource(Table table, int cancelling)
      : table_(std::move(table)), cancelling_(cancelling) {}
  engine::SchemaPtr schema() const override { return table_.schema(); }
  std::string describe() const override { return "cancelling source"; }
  bool reads_shares() const override { return true; }
  engine::ScanResult scan(const engine::ScanRequest& request) const override {
    if (request.shard == cancelling_) {
      (void)cancel_job_group(current_job_group()->id, "stopped from the monitor");
      current_cancellation().check();
    }
    int64_t rows = table_.num_rows();
    int64_t begin = rows * request.shard / request.shards;
    int64_t end = rows * (request.shard + 1) / request.shards;
    return {table_.slice(begin, end - begin), {}};
  }

 private:
  Table table_;
  int cancelling_;
};

TEST(Exchange, ARankCancelledMidQueryStopsEveryRankAtItsNextExchange) {
  Table data = random_table(3000, Keys::kSpread, 4);
  LocalCluster cluster(4);
  std::atomic<int> cancelled{0};
  std::atomic<int> groups_cancelled{0};
  cluster.run([&](Communicator& comm) {
    DistributedScope scope({.communicator = &comm, .broadcast_rows = 0, .chunk_bytes = 1024});
    {
      JobGroup query("query");
      auto source = std::make_shared<CancellingSource>(data, 2);
      try {
        (void)LazyFrame::scan(source).group_by({"k"}).agg({fn::sum(col("g"))}).collect();
        ADD_FAILURE() << "rank " << comm.rank() << " finished a cancelled query";
      } catch (const CancelledError& error) {
        EXPECT_THAT(error.what(), ::testing::HasSubstr("stopped from the monitor"));
        ++cancelled;
      }
      groups_cancelled += query.token().cancelled() ? 1 : 0;
    }
    // Nobody was left in an exchange: the next query runs on every rank.
    Table next = LazyFrame::from(data).group_by({"k"}).agg({fn::count_all()}).collect();
    EXPECT_EQ(next.num_rows(), LazyFrame::from(data).select({"k"}).distinct().collect().num_rows());
  });
  EXPECT_EQ(cancelled, 4);
  EXPECT_EQ(groups_cancelled, 4) << "the group 'query' is cancelled on every rank";
}

TEST(Exchange, RanksThatPlanDifferentlyAreToldSo) {
  LocalCluster cluster(2);
  EXPECT_THROW(cluster.run([&](Communicator& comm) {
    DistributedScope scope({.communicator = &comm, .broadcast_rows = 0});
    LazyFrame data = LazyFrame::from(random_table(100, Keys::kSpread, 1));
    LazyFrame query = comm.rank() == 0 ? data.distinct() : data.sort({{"k"}});
    (void)query.collect();
  }),
               DistributedError);
}

}  // namespace
}  // namespace setl::testing
