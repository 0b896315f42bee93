// Pipelines on the ranks of a distributed run (LocalCluster): factories run on every rank
// with distributed queries, plain writes happen once (rank 0), collective writes on every
// rank, and a factory failing on one rank ends the run on all of them, naming both.
#include "setl/workflow/pipeline.h"

#include <atomic>
#include <mutex>
#include <set>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "oracle/sqlite_oracle.h"
#include "random_tables.h"
#include "setl/cache_codecs.h"
#include "setl/core/error.h"
#include "setl/core/job_group.h"
#include "setl/core/local_cluster.h"
#include "setl/engine/functions.h"
#include "setl/monitor/metrics.h"
#include "setl/storage/partitioned_connector.h"
#include "testing/temp_dir.h"

namespace setl::testing {
namespace {

using engine::col;
using engine::LazyFrame;
using engine::Table;
using workflow::Delivery;
using workflow::Factory;
namespace fn = engine::fn;

// The same rows on every rank (as a program that builds or reads them alike has).
class Orders : public Factory<Table> {
 public:
  Orders() { set_reads_only_deliveries(); }  // so its result can be cached
  Table process() override { return random_table(5000, Keys::kSkewed, 31); }
};

// A distributed aggregation; its plain write must happen once, on rank 0.
class Totals : public Factory<Table> {
 public:
  Delivery<Table> orders{this};
  explicit Totals(std::atomic<int>& writes) : writes_(writes) {}
  Table process() override {
    return LazyFrame::from(*orders)
        .group_by({"k"})
        .agg({fn::sum(col("d")).alias("total")})
        .collect();
  }
  void write() override { ++writes_; }

 private:
  std::atomic<int>& writes_;
};

// Each rank writes its part of the rows; rank 0 commits them together.
class Lake : public Factory<Table> {
 public:
  Delivery<Table> orders{this, {.producer = "Orders"}};
  Lake(std::filesystem::path root, Communicator& comm) : root_(std::move(root)), comm_(comm) {
    set_writes_on_every_rank();
  }
  Table process() override {
    return LazyFrame::from(*orders).filter("v > 100").collect_partition();
  }
  void write() override {
    storage::make_connector<storage::PartitionedConnector>(
        root_, storage::PartitionFormat::kParquet, std::vector<std::string>{"g"})
        ->write_parts(get(), storage::SaveMode::kOverwrite, comm_);
  }

 private:
  std::filesystem::path root_;
  Communicator& comm_;
};

TEST(DistributedPipeline, FactoriesRunOnEveryRankAndWriteOnce) {
  TempDir directory;
  std::atomic<int> writes{0};
  LocalCluster cluster(3);
  std::vector<Table> totals(3);
  cluster.run([&](Communicator& comm) {
    workflow::Pipeline pipeline("distributed");
    pipeline.add_factory<Orders>();
    pipeline.add_factory<Totals>(writes);
    pipeline.add_factory<Lake>(directory.path() / "lake", comm);
    pipeline.set_distributed({.communicator = &comm, .broadcast_rows = 0});
    pipeline.run();
    totals[static_cast<size_t>(comm.rank())] = pipeline.last_run().output<Table>("Totals");
  });
  Table orders = random_table(5000, Keys::kSkewed, 31);
  Table expected = orders.group_by({"k"}).agg({fn::sum(col("d")).alias("total")});
  for (const Table& result : totals) {
    EXPECT_EQ(compare_rows(rows_of(expected), rows_of(result), false), "");
  }
  EXPECT_EQ(writes.load(), 1);
  Table lake = storage::make_connector<storage::PartitionedConnector>(
                   directory.path() / "lake", storage::PartitionFormat::kParquet)
                   ->read()
                   .select({"k", "s", "g", "v", "d"});
  EXPECT_EQ(compare_rows(rows_of(orders.filter("v > 100")), rows_of(lake), false), "");
}

TEST(DistributedPipeline, RankZeroSeesEveryRanksEventsMetricsAndFigures) {
  auto events = std::make_shared<MemoryEventSink>();
  auto metrics = std::make_shared<monitor::MetricsCollector>();
  add_job_event_sink(events);
  add_job_event_sink(metrics);
  std::atomic<int> writes{0};
  LocalCluster cluster(3);
  std::vector<workflow::RunResult> results(3);
  cluster.run([&](Communicator& comm) {
    workflow::Pipeline pipeline("ranked");
    pipeline.add_factory<Orders>();
    pipeline.add_factory<Totals>(writes);
    pipeline.set_distributed({.communicator = &comm, .broadcast_rows = 0});
    pipeline.set_benchmark(true);
    pipeline.run();
    results[static_cast<size_t>(comm.rank())] = pipeline.last_run();
  });
  remove_job_event_sink(events);
  remove_job_event_sink(metrics);

  // Every rank has every rank's figures; the job's are their sum (times: the slowest).
  for (const workflow::RunResult& result : results) {
    ASSERT_EQ(result.rank_benchmarks().size(), 3u);
    std::vector<workflow::FactoryBenchmark> combined = result.benchmark().factories;
    ASSERT_EQ(combined.size(), 2u);
    const workflow::FactoryBenchmark& totals = combined[1];
    EXPECT_EQ(totals.factory, "Totals");
    int64_t rows = 0;
    int64_t exchanged = 0;
    workflow::Duration slowest{0};
    for (const workflow::BenchmarkReport& rank : result.rank_benchmarks()) {
      ASSERT_EQ(rank.factories.size(), 2u);
      const workflow::FactoryBenchmark& own = rank.factories[1];
      EXPECT_GT(own.exchanged_bytes, 0) << "each rank sends its share of the shuffle";
      rows += own.rows;
      exchanged += own.exchanged_bytes;
      slowest = std::max(slowest, own.total);
    }
    EXPECT_EQ(totals.rows, rows);
    EXPECT_EQ(totals.exchanged_bytes, exchanged);
    EXPECT_EQ(totals.total, slowest);
  }
  std::string table = workflow::ranks_to_string(results[0].rank_benchmarks());
  EXPECT_THAT(table, ::testing::ContainsRegex("Totals +2 "));

  // Rank 0 forwarded the other ranks' events, marked with their rank and ids.
  std::set<int> ranks_seen;
  for (const JobEvent& event : events->events()) {
    if (event.rank >= 0 && event.group.name == "Totals" && event.kind == JobEventKind::kSucceeded) {
      ranks_seen.insert(event.rank);
      EXPECT_EQ(event.group.id.rfind(std::to_string(event.rank) + ":", 0), 0u) << event.group.id;
      EXPECT_EQ(event.group.path, "ranked/stage-1/Totals");
    }
  }
  EXPECT_EQ(ranks_seen, (std::set<int>{1, 2})) << "rank 0's own events are not forwarded";
  std::string exposition = metrics->to_prometheus();
  EXPECT_THAT(exposition,
              ::testing::HasSubstr(
                  "setl_factory_rows_total{pipeline=\"ranked\",factory=\"Totals\",rank=\"2\"}"));
}

class FailsOnRankOne : public Factory<Table> {
 public:
  Delivery<Table> orders{this};
  explicit FailsOnRankOne(int rank) : rank_(rank) {}
  Table process() override {
    if (rank_ == 1) {
      throw IoError("the disk of rank 1 is full");
    }
    // The others are in the shuffle when rank 1 fails.
    return LazyFrame::from(*orders).group_by({"s"}).agg({fn::count_all()}).collect();
  }

 private:
  int rank_;
};

TEST(DistributedPipeline, AFactoryFailingOnOneRankEndsTheRunOnAll) {
  LocalCluster cluster(3);
  std::mutex mutex;
  std::vector<std::string> errors;
  EXPECT_THROW(cluster.run([&](Communicator& comm) {
    workflow::Pipeline pipeline("failing");
    pipeline.add_factory<Orders>();
    pipeline.add_factory<FailsOnRankOne>(comm.rank());
    pipeline.set_distributed({.communicator = &comm, .broadcast_rows = 0});
    try {
      pipeline.run();
    } catch (const std::exception& error) {
      std::lock_guard lock(mutex);
      errors.push_back(error.what());
      throw;
    }
  }),
               DistributedError);
  ASSERT_EQ(errors.size(), 3u);
  for (const std::string& error : errors) {
    EXPECT_THAT(error, ::testing::HasSubstr(
                           "rank 1 of 3: factory 'FailsOnRankOne' failed: the disk of rank 1"));
  }
}

// Rank 1 cancels its own job group (as a user would from the monitor) before its query,
// while the others are already in that query's collectives.
class CancelledOnRankOne : public Factory<Table> {
 public:
  Delivery<Table> orders{this};
  explicit CancelledOnRankOne(int rank) : rank_(rank) {}
  Table process() override {
    if (rank_ == 1) {
      cancel_job_group(current_job_group()->id, "stopped from the monitor");
    }
    return LazyFrame::from(*orders).group_by({"s"}).agg({fn::count_all()}).collect();
  }

 private:
  int rank_;
};

TEST(DistributedPipeline, CancellingAJobGroupOnOneRankCancelsItOnEveryRank) {
  LocalCluster cluster(3);
  std::mutex mutex;
  std::vector<std::string> errors;
  std::atomic<int> went_on{0};
  cluster.run([&](Communicator& comm) {
    workflow::Pipeline cancelled("cancelled");
    cancelled.add_factory<Orders>();
    cancelled.add_factory<CancelledOnRankOne>(comm.rank());
    cancelled.set_distributed({.communicator = &comm, .broadcast_rows = 0});
    try {
      cancelled.run();
      ADD_FAILURE() << "rank " << comm.rank() << " finished a cancelled run";
    } catch (const CancelledError& error) {
      std::lock_guard lock(mutex);
      errors.push_back(error.what());
    }
    // The ranks stopped together, without an abort: the next run on them works.
    workflow::Pipeline next("next");
    next.add_factory<Orders>();
    std::atomic<int> writes{0};
    next.add_factory<Totals>(writes);
    next.set_distributed({.communicator = &comm, .broadcast_rows = 0});
    next.run();
    ++went_on;
  });
  ASSERT_EQ(errors.size(), 3u);
  for (const std::string& error : errors) {
    EXPECT_THAT(error, ::testing::HasSubstr("stopped from the monitor"));
  }
  EXPECT_EQ(went_on, 3);
  int cancelled_groups = 0;
  for (const JobGroupInfo& group : finished_job_groups()) {
    cancelled_groups += group.name == "CancelledOnRankOne" && group.state == JobState::kCancelled;
  }
  EXPECT_EQ(cancelled_groups, 3) << "the factory's group is cancelled on every rank";
}

// Runs on rank 0 alone: counts its runs, returns a small lookup table.
class Regions : public Factory<Table> {
 public:
  explicit Regions(std::atomic<int>& runs) : runs_(runs) { set_single_rank(); }
  Table process() override {
    ++runs_;
    return LazyFrame::from(random_table(400, Keys::kSpread, 77))
        .select({col("k"), col("s").alias("region")})
        .distinct()
        .collect();
  }

 private:
  std::atomic<int>& runs_;
};

class Banner : public Factory<std::string> {
 public:
  explicit Banner(std::atomic<int>& runs) : runs_(runs) { set_single_rank(); }
  std::string process() override {
    ++runs_;
    return "report of " + std::to_string(runs_.load());
  }

 private:
  std::atomic<int>& runs_;
};

class ByRegion : public Factory<Table> {
 public:
  Delivery<Table> orders{this, {.producer = "Orders"}};
  Delivery<Table> regions{this, {.producer = "Regions"}};
  Delivery<std::string> banner{this};
  Table process() override {
    return LazyFrame::from(*orders)
        .join(LazyFrame::from(*regions), "k")
        .group_by({"region"})
        .agg({fn::count_all().alias("n")})
        .with_column("banner", engine::lit(*banner))
        .collect();
  }
};

TEST(DistributedPipeline, SingleRankFactoriesRunOnRankZeroAndReachEveryRank) {
  std::atomic<int> runs{0};
  LocalCluster cluster(3);
  std::vector<Table> results(3);
  cluster.run([&](Communicator& comm) {
    workflow::Pipeline pipeline("single_rank");
    setl::add_table_codecs(pipeline.transfer_codecs());
    pipeline.add_factory<Orders>();
    pipeline.add_factory<Regions>(runs);
    pipeline.add_factory<Banner>(runs);
    pipeline.add_factory<ByRegion>();
    pipeline.set_distributed({.communicator = &comm, .broadcast_rows = 0});
    pipeline.run();
    results[static_cast<size_t>(comm.rank())] = pipeline.last_run().output<Table>("ByRegion");
  });
  EXPECT_EQ(runs.load(), 2);  // each single-rank factory once
  std::atomic<int> alone_runs{0};
  workflow::Pipeline alone("alone");
  alone.add_factory<Orders>();
  alone.add_factory<Regions>(alone_runs);
  alone.add_factory<Banner>(alone_runs);
  alone.add_factory<ByRegion>();
  alone.run();
  Table expected = alone.last_run().output<Table>("ByRegion");
  for (const Table& result : results) {
    EXPECT_EQ(compare_rows(rows_of(expected), rows_of(result), false), "");
  }
}

struct Opaque {
  int value = 0;
};
class MakesOpaque : public Factory<Opaque> {
 public:
  MakesOpaque() { set_single_rank(); }
  Opaque process() override { return {1}; }
};

TEST(DistributedPipeline, ASingleRankOutputWithoutCodecIsRefusedBeforeTheRun) {
  LocalCluster cluster(2);
  std::atomic<int> refused{0};
  cluster.run([&](Communicator& comm) {
    workflow::Pipeline pipeline("opaque");
    pipeline.add_factory<MakesOpaque>();
    pipeline.set_distributed({.communicator = &comm});
    try {
      pipeline.run();
    } catch (const ConfigError& error) {
      EXPECT_THAT(error.what(), ::testing::HasSubstr("factory 'MakesOpaque' runs on rank 0 alone"));
      ++refused;
    }
  });
  EXPECT_EQ(refused.load(), 2);
}

// Counts its runs; the distributed aggregation it runs is cached per rank.
class CountedTotals : public Factory<Table> {
 public:
  Delivery<Table> orders{this};
  explicit CountedTotals(std::atomic<int>& runs) : runs_(runs) { set_reads_only_deliveries(); }
  Table process() override {
    ++runs_;
    return LazyFrame::from(*orders)
        .group_by({"g"})
        .agg({fn::sum(col("d")).alias("total")})
        .collect();
  }

 private:
  std::atomic<int>& runs_;
};

TEST(DistributedPipeline, ResultsAreCachedPerRankAndRestoredOnlyWhereEveryRankHasThem) {
  std::vector<std::shared_ptr<workflow::ResultCache>> caches;
  for (int rank = 0; rank < 3; ++rank) {
    caches.push_back(std::make_shared<workflow::ResultCache>());
  }
  std::atomic<int> runs{0};
  auto run_on_ranks = [&] {
    LocalCluster cluster(3);
    cluster.run([&](Communicator& comm) {
      workflow::Pipeline pipeline("cached");
      pipeline.set_cache(caches[static_cast<size_t>(comm.rank())]);
      pipeline.set_default_cache_policy({.mode = workflow::CacheMode::kMemory});
      pipeline.add_factory<Orders>();
      pipeline.add_factory<CountedTotals>(runs);
      pipeline.set_distributed({.communicator = &comm, .broadcast_rows = 0});
      pipeline.run();
      EXPECT_EQ(pipeline.last_run().output<Table>("CountedTotals").num_rows(), 7);
    });
  };
  run_on_ranks();
  EXPECT_EQ(runs.load(), 3);  // once per rank
  run_on_ranks();
  EXPECT_EQ(runs.load(), 3);  // every rank restored it
  caches[1]->clear();         // rank 1 lost its entries: every rank runs it again
  run_on_ranks();
  EXPECT_EQ(runs.load(), 6);
}

}  // namespace
}  // namespace setl::testing
