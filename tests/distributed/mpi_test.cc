// The distributed engine under mpirun: every rank runs these tests (SPMD) with the
// world communicator, and each compares the distributed result with the same query run
// in its own process. CTest runs this binary under `mpirun -np 1`, `2` and `4`
// (oversubscribed, loopback only). Only rank 0 prints; a failure on any rank fails the
// job. SETL_MPI_FAULT=1 runs the fault case instead: rank 1 fails while the others wait in
// a shuffle, and the job must end with the error, not hang.
#include "setl/dist/mpi.h"

#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <string_view>

#include <gtest/gtest.h>
#include <signal.h>
#include <unistd.h>

#include "oracle/sqlite_oracle.h"
#include "random_tables.h"
#include "setl/core/cancellation.h"
#include "setl/core/job_group.h"
#include "setl/engine/functions.h"
#include "setl/engine/lazy_frame.h"
#include "setl/storage/csv_connector.h"
#include "setl/storage/file_set_connector.h"
#include "setl/storage/json_lines_connector.h"
#include "setl/storage/parquet_connector.h"
#include "setl/storage/partitioned_connector.h"
#include "setl/tpch/data.h"
#include "setl/tpch/queries.h"
#include "setl/workflow/pipeline.h"
#include "testing/temp_dir.h"

namespace setl::testing {
namespace {

using engine::col;
using engine::DistributedContext;
using engine::DistributedScope;
using engine::LazyFrame;
using engine::Table;
namespace fn = engine::fn;

Communicator& world() {
  return dist::MpiRuntime::get()->world();
}

// The query distributed over the world and run alone in this process agree.
void expect_same(const std::function<LazyFrame()>& query, bool ordered,
                 DistributedContext context = {.broadcast_rows = 0, .chunk_bytes = 16 << 10}) {
  Table expected = query().collect();
  context.communicator = &world();
  DistributedScope scope(context);
  Table actual = query().collect();
  EXPECT_EQ(compare_rows(rows_of(expected), rows_of(actual), ordered), "") << query().explain();
}

TEST(Mpi, OperatorsOverSkewedAndNullKeys) {
  for (Keys keys : {Keys::kSpread, Keys::kSkewed, Keys::kAllNull}) {
    Table left = random_table(keys == Keys::kSpread ? 4000 : 600, keys, 1);
    Table right = random_table(keys == Keys::kSpread ? 1000 : 150, keys, 2);
    auto l = [&] { return LazyFrame::from(left); };
    auto r = [&] { return LazyFrame::from(right); };
    expect_same(
        [&] {
          return l().group_by({"k", "s"}).agg({fn::sum(col("d")), fn::count_all()});
        },
        false);
    expect_same(
        [&] {
          return l().aggregate({fn::mean(col("v")), fn::count_distinct(col("s"))});
        },
        false);
    expect_same(
        [&] {
          return l().join(r().select({"k", "v"}), {"k"}, {"k"}, engine::JoinType::kFull);
        },
        false);
    expect_same([&] { return l().join(r(), {"s"}, {"s"}, engine::JoinType::kSemi); }, false);
    expect_same([&] { return l().select({"s", "g"}).distinct(); }, false);
    expect_same([&] { return l().sort({engine::desc("d"), {"k"}, {"s"}, {"v"}, {"g"}}); }, true);
    expect_same([&] { return l().sort({{"d"}, {"s"}}).limit(17, 3); }, true);
    expect_same(
        [&] {
          return l().with_column(
              "rank",
              fn::row_number().over({.partition_by = {"s"}, .order_by = {{"d"}, {"k"}, {"v"}}}));
        },
        false);
    expect_same([&] { return l().union_all(r()).group_by({"g"}).agg({fn::max(col("d"))}); }, false);
  }
}

TEST(Mpi, ScansReadTheirShareOfRowGroupsFilesAndByteRanges) {
  // Every rank writes the same files to its own directory (ranks may not share one).
  TempDir directory;
  Table data = random_table(20000, Keys::kSpread, 3);
  auto parquet = storage::make_connector<storage::ParquetConnector>(
      directory.path() / "data.parquet", storage::ParquetOptions{.row_group_rows = 1500});
  parquet->write(data, storage::SaveMode::kOverwrite);
  auto partitioned = storage::make_connector<storage::PartitionedConnector>(
      directory.path() / "by_g", storage::PartitionFormat::kParquet, std::vector<std::string>{"g"});
  partitioned->write(data, storage::SaveMode::kOverwrite);
  auto file_set = storage::make_connector<storage::FileSetConnector>(
      directory.path() / "by_g" / "*" / "*.parquet",
      storage::FileSetOptions{.format = storage::FileFormat::kParquet});
  auto csv = storage::make_connector<storage::CsvConnector>(directory.path() / "data.csv");
  csv->write(data, storage::SaveMode::kOverwrite);
  auto lines =
      storage::make_connector<storage::JsonLinesConnector>(directory.path() / "data.jsonl");
  lines->write(data, storage::SaveMode::kOverwrite);
  for (const auto& source :
       {parquet->lazy(), partitioned->lazy(), file_set->lazy(), csv->lazy(), lines->lazy()}) {
    expect_same([&] { return source.group_by({"k"}).agg({fn::sum(col("d")).alias("total")}); },
                false);
    DistributedScope scope({.communicator = &world(), .broadcast_rows = 0});
    // Each rank's part holds only its share of the rows.
    int64_t mine = source.collect_partition().num_rows();
    std::vector<std::string> counts = world().all_gather(std::to_string(mine));
    int64_t total = 0;
    for (const std::string& count : counts) {
      total += std::stoll(count);
    }
    EXPECT_EQ(total, data.num_rows());
    if (world().size() > 1) {
      EXPECT_LT(mine, data.num_rows());
    }
  }
}

class MpiTpch : public ::testing::TestWithParam<int> {
 protected:
  static void SetUpTestSuite() {
    const char* scale = std::getenv("SETL_MPI_TPCH_SF");
    tables_ = new tpch::Tables(
        tpch::generate({.scale_factor = scale != nullptr ? std::atof(scale) : 0.1, .seed = 7}));
  }
  static void TearDownTestSuite() { delete tables_; }
  static tpch::Tables* tables_;
};
tpch::Tables* MpiTpch::tables_ = nullptr;

TEST_P(MpiTpch, SameAnswerAsOneProcess) {
  int query = GetParam();
  expect_same([&] { return tpch::query_plan(query, *tables_); }, tpch::query_is_ordered(query),
              {.broadcast_rows = 20000});
}

INSTANTIATE_TEST_SUITE_P(Queries, MpiTpch, ::testing::ValuesIn(tpch::query_numbers()),
                         [](const ::testing::TestParamInfo<int>& info) {
                           return "Q" + std::to_string(info.param);
                         });

// Not tests of their own: the fault cases end the job. SETL_MPI_FAULT=1: rank 1 throws;
// SETL_MPI_FAULT=kill: rank 1 is killed (SIGKILL) while the others wait in the shuffle.
void fail_mid_shuffle(bool killed) {
  Communicator& comm = world();
  DistributedScope scope({.communicator = &comm, .broadcast_rows = 0, .chunk_bytes = 1024});
  Table data = random_table(20000, Keys::kSpread, 4);
  // Rank 1 fails on its rows ("key-1" is no number); the others are in the shuffle by then.
  LazyFrame query = LazyFrame::from(data).with_column(
      "x", comm.rank() == 1 ? col("s").cast(engine::DataType::int32()) : col("g"));
  if (killed && comm.rank() == 1) {
    ::kill(::getpid(), SIGKILL);
  }
  (void)query.group_by({"k"}).agg({fn::sum(col("x"))}).collect();
}

}  // namespace
}  // namespace setl::testing

namespace setl::testing {
namespace {

// Rank 1 cancels its factory's job group (as a user would from the monitor) while the
// others wait for it in the query's exchanges: every rank stops there, cancelled.
class CancelledOnRankOne : public workflow::Factory<int64_t> {
 public:
  int64_t process() override {
    Communicator& comm = world();
    if (comm.rank() == 1) {
      cancel_job_group(current_job_group()->id);
      current_cancellation().check();
    }
    return LazyFrame::from(random_table(2000, Keys::kSpread, 5)).collect().num_rows();
  }
};

void cancel_on_rank_one() {
  workflow::Pipeline pipeline("cancelled");
  pipeline.add_factory<CancelledOnRankOne>();
  pipeline.set_distributed({.communicator = &world(), .broadcast_rows = 0});
  pipeline.run();
}

}  // namespace
}  // namespace setl::testing

int main(int argc, char** argv) {
  setl::dist::MpiRuntime& mpi = setl::dist::MpiRuntime::start(&argc, &argv);
  if (const char* fault = std::getenv("SETL_MPI_FAULT");
      fault != nullptr && std::string_view(fault) == "cancel") {
    try {
      setl::testing::cancel_on_rank_one();
    } catch (const setl::CancelledError& error) {
      // Every rank stops together, with the reason and the rank that cancelled.
      std::fprintf(stderr, "setl: %s: cancelled: %s\n", mpi.world().describe().c_str(),
                   error.what());
      return 130;
    }
    return 0;  // only with one rank: it cancels nothing
  }
  if (const char* fault = std::getenv("SETL_MPI_FAULT"); fault != nullptr) {
    setl::testing::fail_mid_shuffle(std::string_view(fault) == "kill");
    return 0;  // not reached when more than one rank runs: rank 1 ends the job
  }
  ::testing::InitGoogleTest(&argc, argv);
  if (mpi.rank() != 0) {
    auto& listeners = ::testing::UnitTest::GetInstance()->listeners();
    delete listeners.Release(listeners.default_result_printer());
  }
  int failed = RUN_ALL_TESTS();
  // Every rank's verdict: a failure on any rank fails the job with rank 0's exit code too.
  std::vector<std::string> verdicts = mpi.world().all_gather(failed != 0 ? "1" : "0");
  for (size_t rank = 0; rank < verdicts.size(); ++rank) {
    if (verdicts[rank] != "0") {
      if (mpi.rank() == 0) {
        std::fprintf(stderr, "rank %zu of %d failed its tests\n", rank, mpi.size());
      }
      return 1;
    }
  }
  return 0;
}
