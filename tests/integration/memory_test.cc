// A pipeline under a run-wide memory budget (the `memory` section): a factory's sort and
// aggregation over a CSV larger than the budget spill, its results equal the unlimited
// run's, the benchmark reports its peak memory and spilled bytes, and the spill
// directory is gone afterwards.
#include "setl/core/memory.h"

#include <cstdlib>
#include <fstream>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "setl/core/memory_budget.h"
#include "setl/setl.h"
#include "testing/table_matchers.h"
#include "testing/temp_dir.h"

namespace setl::workflow {
namespace {

using engine::col;
using engine::LazyFrame;
using engine::Table;
using storage::Connector;
using ::testing::HasSubstr;

void write_sales(const std::filesystem::path& path, int rows) {
  std::ofstream out(path);
  out << "id,customer,amount\n";
  for (int64_t i = 0; i < rows; ++i) {
    out << i << "," << (i * 7919) % 20011 << "," << (i % 977) << "." << (i % 89) << "\n";
  }
}

class TopCustomers : public Factory<Table> {
 public:
  Delivery<Connector> sales{this, {.id = "sales"}};
  Table process() override {
    return sales->lazy()
        .group_by({"customer"})
        .agg({engine::fn::sum(col("amount")).alias("total"), engine::fn::count_all().alias("n")})
        .sort({{"total", true}, {"customer"}})
        .collect();
  }
};

Config config_for(const std::filesystem::path& dir, const std::string& memory) {
  return Config::from_yaml("connectors:\n  sales: {storage: CSV, path: '" +
                           (dir / "sales.csv").string() + "'}\n" + memory);
}

Table run(const Config& config, BenchmarkReport* report = nullptr) {
  Setl setl(config);
  set_connector(setl, "connectors.sales");
  Pipeline pipeline = setl.new_pipeline("sales");
  pipeline.add<TopCustomers>();
  RunResult result = pipeline.run();
  if (report != nullptr) {
    *report = result.benchmark();
  }
  return result.output<Table>("TopCustomers");
}

struct TwoRuns {
  Table unlimited;
  Table limited;
  BenchmarkReport report;  // of the limited run
};

// The sales pipeline over 300,000 rows, without limits and with `limits` (lines of the
// memory section), both with small batches and a spill directory in `dir`.
TwoRuns run_with_and_without(const std::filesystem::path& dir, const std::string& limits) {
  write_sales(dir / "sales.csv", 300'000);
  std::string settings = "  spill_dir: '" + (dir / "spill").string() + "'\n  batch_bytes: 256KiB\n";
  TwoRuns runs;
  runs.unlimited = run(config_for(dir, "memory:\n" + settings));
  runs.limited = run(config_for(dir, "memory:\n" + limits + settings), &runs.report);
  return runs;
}

TEST(Memory, AFactoryOverABudgetSpillsAndGivesTheUnlimitedResult) {
  testing::TempDir dir;
  auto [unlimited, limited, report] = run_with_and_without(dir.path(), "  limit: 2MiB\n");
  EXPECT_THAT(limited, testing::SameTableAs(unlimited));
  ASSERT_EQ(report.factories.size(), 1u);
  const FactoryBenchmark& row = report.factories[0];
  EXPECT_GT(row.spilled_bytes, 0);
  EXPECT_GT(row.peak_memory_bytes, 0);
  EXPECT_GE(row.rows, 300'000);
  EXPECT_THAT(report.to_string(), HasSubstr("spilled"));
  EXPECT_FALSE(std::filesystem::exists(dir.path() / "spill"));
}

// About `bytes` of int64 values.
Table numbers(int64_t bytes) {
  engine::ColumnBuilder values(engine::DataType::int64());
  for (int64_t i = 0; i < bytes / 8; ++i) {
    values.append_int((i * 2654435761) % 1000003);
  }
  return Table::from_columns({{"value", values.finish()}});
}

class Lookup : public Factory<Table> {
 public:
  Lookup() { set_reads_only_deliveries(); }  // cacheable: it reads nothing else
  Table process() override { return numbers(4 << 20); }
};

class SortAfterLookup : public Factory<Table> {
 public:
  SortAfterLookup() { depends_on<Lookup>(); }
  Table process() override { return LazyFrame::from(numbers(1 << 20)).sort({{"value"}}).collect(); }
};

TEST(Memory, TheResultCacheGivesWayBeforeAnOperatorSpills) {
  testing::TempDir dir;
  Pipeline pipeline("cache-first");
  auto cache = std::make_shared<ResultCache>(int64_t{64} << 20);
  pipeline.set_cache(cache);
  // 4 MiB cached, then a sort that wants about 3 MiB of a 6 MiB budget.
  pipeline.set_memory({.limit = 6 << 20, .spill_dir = dir.path() / "spill"});
  pipeline.add<Lookup>().set_cache_policy({.mode = CacheMode::kMemory});
  pipeline.add<SortAfterLookup>();
  RunResult result = pipeline.run();
  EXPECT_EQ(cache->stats().evictions, 1) << "the cached lookup should have made room";
  EXPECT_EQ(cache->stats().entries, 0);
  const FactoryBenchmark* sort = nullptr;
  for (const FactoryBenchmark& row : result.benchmark().factories) {
    if (row.factory == "SortAfterLookup") {
      sort = &row;
    }
  }
  ASSERT_NE(sort, nullptr);
  EXPECT_EQ(sort->spilled_bytes, 0) << "the sort spilled although the cache could give way";
  EXPECT_GE(sort->peak_memory_bytes, 1 << 20);
}

class CappedSort : public Factory<Table> {
 public:
  CappedSort() { set_max_memory(2 << 20); }
  // One 1 MiB batch (65,536 rows of two columns: streams cut batches at that many rows):
  // the sort needs three times that at once and cannot spill less.
  Table process() override {
    Table wide = numbers(1 << 19).with_column("twice", engine::col("value") * 2);
    return LazyFrame::from(wide).sort({{"value"}}).collect();
  }
};

TEST(Memory, AFactoryPastItsMaxMemoryFailsWithMemoryBudgetExceededNamingIt) {
  testing::TempDir dir;
  Pipeline pipeline("capped");
  // The run's budget has room; the factory's own cap does not.
  pipeline.set_memory({.limit = 64 << 20, .spill_dir = dir.path() / "spill"});
  pipeline.add<CappedSort>();
  std::string message = testing::message_of<MemoryBudgetExceeded>([&] { pipeline.run(); });
  EXPECT_THAT(message, HasSubstr("factory 'CappedSort'"));
  EXPECT_THAT(message, HasSubstr("max_memory of 2.0 MiB"));
  EXPECT_THAT(message, HasSubstr("Sort (CappedSort)"));
  EXPECT_FALSE(std::filesystem::exists(dir.path() / "spill"));
}

TEST(Memory, AConfiguredMaxMemoryMakesThatFactorySpillWithoutARunLimit) {
  testing::TempDir dir;
  auto [unlimited, capped, report] =
      run_with_and_without(dir.path(), "  max_memory: {TopCustomers: 2MiB}\n");
  EXPECT_THAT(capped, testing::SameTableAs(unlimited));
  EXPECT_GT(report.factories.at(0).spilled_bytes, 0);
  EXPECT_EQ(report.memory.limit, 0);
}

// Holds a reservation of the run's budget beyond its own end (as a leak would).
std::optional<memory::MemoryBudget::Reservation>& held_reservation() {
  static std::optional<memory::MemoryBudget::Reservation> held;
  return held;
}

class Hog : public Factory<int> {
 public:
  int process() override {
    held_reservation() = current_memory_context().budget->reserve(6 << 20, "Hog's buffers");
    return 1;
  }
};

// Both wait for the hog; the first to start gives its memory back when it ends.
std::atomic<int> running_after_hog{0};
std::atomic<int> overlaps_while_paused{0};

template <int kId>
class AfterHog : public Factory<int> {
 public:
  AfterHog() { depends_on<Hog>(); }
  int process() override {
    if (held_reservation() && running_after_hog.load() > 0) {
      ++overlaps_while_paused;
    }
    ++running_after_hog;
    held_reservation().reset();
    --running_after_hog;
    return kId;
  }
};

TEST(Memory, AbovePauseNoNewFactoryStartsUntilUsageFallsBelowTarget) {
  Pipeline pipeline("paused");
  MemoryOptions options;
  options.limit = 10 << 20;
  options.pause = 0.5;
  options.target = 0.3;
  pipeline.set_memory(options).set_max_concurrency(3);
  pipeline.add<Hog>();
  pipeline.add<AfterHog<1>>();
  pipeline.add<AfterHog<2>>();
  auto events = std::make_shared<MemoryEventSink>();
  add_job_event_sink(events);
  RunResult result = pipeline.run();
  remove_job_event_sink(events);
  std::vector<std::string> crossings;
  for (const JobEvent& event : events->events()) {
    if (event.kind == JobEventKind::kMemoryPaused || event.kind == JobEventKind::kMemoryResumed) {
      EXPECT_EQ(event.group.name, "paused");
      crossings.push_back(std::string(to_string(event.kind)) + ": " + event.detail);
    }
  }
  ASSERT_EQ(crossings.size(), 2u);
  EXPECT_THAT(crossings[0], HasSubstr("memory_paused: 6.0 MiB reserved, above memory.pause"));
  EXPECT_THAT(crossings[1], HasSubstr("memory_resumed: 0 B reserved"));
  EXPECT_EQ(result.benchmark().memory.pauses, 1);
  EXPECT_EQ(overlaps_while_paused.load(), 0);
  EXPECT_TRUE(result.benchmark().memory.leaked.empty());
}

TEST(Memory, TheReportNamesReservationsStillHeldAfterTheRun) {
  Pipeline pipeline("leaky");
  pipeline.set_memory({.limit = 10 << 20});
  pipeline.add<Hog>();
  RunResult result = pipeline.run();
  const RunMemoryReport& memory = result.benchmark().memory;
  ASSERT_EQ(memory.leaked.size(), 1u);
  EXPECT_EQ(memory.leaked[0].first, "Hog's buffers");
  EXPECT_EQ(memory.leaked[0].second, 6 << 20);
  EXPECT_THAT(result.benchmark().to_string(),
              HasSubstr("memory leak: Hog's buffers still holds 6.0 MiB"));
  EXPECT_EQ(memory.peak_reserved, 6 << 20);
  EXPECT_GT(memory.resident_end, 0);
  held_reservation().reset();
}

TEST(Memory, TheReportHasTheRunsTrackedAndResidentMemory) {
  Pipeline pipeline("report");
  pipeline.add<Lookup>();
  RunResult result = pipeline.run();
  const RunMemoryReport& memory = result.benchmark().memory;
  EXPECT_GE(memory.peak_tracked, 4 << 20);
  EXPECT_GE(memory.tracked_end, 4 << 20) << "the output is still held";
  EXPECT_GE(memory.resident_end, memory.tracked_end);
  EXPECT_TRUE(memory.leaked.empty());
  EXPECT_THAT(result.benchmark().to_string(), HasSubstr("peak tracked 4.0 MiB"));
}

class ParquetTotals : public Factory<Table> {
 public:
  Delivery<Connector> sales{this, {.id = "sales"}};
  Table process() override {
    return sales->lazy().group_by({"customer"}).agg({engine::fn::sum(col("amount"))}).collect();
  }
};

TEST(Memory, TheReportSeparatesMappedInputFilesFromResidentMemory) {
  testing::TempDir dir;
  write_sales(dir.path() / "sales.csv", 200'000);
  auto parquet = storage::make_connector<storage::ParquetConnector>(dir.path() / "sales.parquet");
  parquet->write(storage::make_connector<storage::CsvConnector>(dir.path() / "sales.csv")->read(),
                 storage::SaveMode::kOverwrite);
  Setl setl(Config::from_yaml("connectors:\n  sales: {storage: PARQUET, path: '" +
                              (dir.path() / "sales.parquet").string() + "'}\n"));
  set_connector(setl, "connectors.sales");
  Pipeline pipeline = setl.new_pipeline("mapped");
  pipeline.add<ParquetTotals>();
  RunResult result = pipeline.run();
  const RunMemoryReport& memory = result.benchmark().memory;
  EXPECT_GE(memory.peak_mapped,
            static_cast<int64_t>(std::filesystem::file_size(dir.path() / "sales.parquet")));
  EXPECT_GT(memory.file_resident_end, 0) << "the program itself is file-backed";
  EXPECT_LE(memory.file_resident_end, memory.resident_end);
  EXPECT_THAT(result.benchmark().to_string(), HasSubstr("peak mapped files "));
  EXPECT_EQ(memory::mapped_bytes(), 0) << "readers unmap their files when done";
}

TEST(Memory, PauseAndMaxMemoryComeFromTheConfiguration) {
  Setl setl(Config::from_yaml(
      "memory: {limit: 1GiB, pause: 90%, target: 0.75, max_memory: {Orders: 256MiB}}\n"));
  EXPECT_DOUBLE_EQ(setl.memory_options().pause, 0.9);
  EXPECT_DOUBLE_EQ(setl.memory_options().target, 0.75);
  EXPECT_EQ(setl.memory_options().max_memory.at("Orders"), int64_t{256} << 20);
  EXPECT_THAT(testing::message_of<ConfigError>(
                  [] { Setl bad(Config::from_yaml("memory: {pause: 90%}\n")); }),
              HasSubstr("set a limit"));
  EXPECT_THAT(testing::message_of<ConfigError>([] {
                Setl bad(Config::from_yaml("memory: {limit: 1GiB, pause: 50%, target: 60%}\n"));
              }),
              HasSubstr("target"));
  EXPECT_THAT(testing::message_of<ConfigError>(
                  [] { Setl bad(Config::from_yaml("memory: {limit: 1GiB, pause: 150%}\n")); }),
              HasSubstr("90%"));
}

// A chain of 4 MiB results, each a new table computed from the one before.
class ChainA : public Factory<Table> {
 public:
  Table process() override { return numbers(4 << 20); }
};
template <class Before>
class ChainNext : public Factory<Table> {
 public:
  Delivery<Table> before{this, {.producer = producer<Before>()}};
  Table process() override {
    return LazyFrame::from(*before)
        .select({(col("value") + engine::lit(int64_t{1})).alias("value")})
        .collect();
  }
};
using ChainB = ChainNext<ChainA>;
using ChainC = ChainNext<ChainB>;
using ChainD = ChainNext<ChainC>;

RunResult run_chain(bool release, const Pipeline::RunOptions& options = {}) {
  Pipeline pipeline("chain");
  MemoryOptions memory;
  memory.release_intermediates = release;
  pipeline.set_memory(memory);
  pipeline.add<ChainA>();
  pipeline.add<ChainB>();
  pipeline.add<ChainC>();
  pipeline.add<ChainD>();
  return pipeline.run(options);
}

TEST(Memory, AnIntermediateIsReleasedWhenItsLastConsumerHasFinished) {
  int64_t result_bytes = 4 << 20;
  RunResult kept = run_chain(false);
  RunResult released = run_chain(true);
  // Kept: all four results at the end. Released: at most the one being read and the
  // one being written at a time, and only the last result at the end.
  EXPECT_GE(kept.benchmark().memory.peak_tracked, 4 * result_bytes);
  EXPECT_LT(released.benchmark().memory.peak_tracked, 3 * result_bytes);
  EXPECT_LT(released.benchmark().memory.tracked_end, 2 * result_bytes);
  EXPECT_THAT(released.output<Table>(producer<ChainD>()),
              testing::SameTableAs(kept.output<Table>(producer<ChainD>())));
  EXPECT_TRUE(released.factory(producer<ChainB>()).released);
  EXPECT_FALSE(released.factory(producer<ChainD>()).released);
  EXPECT_THAT(testing::message_of<StateError>([&] { released.output<Table>(producer<ChainB>()); }),
              HasSubstr("released after its last consumer"));
}

TEST(Memory, ATargetIsKeptEvenWhenSomethingReadsIt) {
  std::string b = producer<ChainB>();
  std::string c = producer<ChainC>();
  RunResult released = run_chain(true, {.targets = {b, c}});
  EXPECT_FALSE(released.factory(b).released);
  EXPECT_TRUE(released.factory(producer<ChainA>()).released);
  EXPECT_EQ(released.output<Table>(b).num_rows(), (4 << 20) / 8);
}

TEST(Memory, TheEnvironmentGivesTheLimitWhenTheConfigurationHasNone) {
  testing::TempDir dir;
  ::setenv("SETL_MEMORY_LIMIT", "60%", 1);
  Setl from_environment(Config::from_yaml("memory: {}\n"));
  Setl from_configuration(Config::from_yaml("memory: {limit: 1GiB}\n"));
  ::unsetenv("SETL_MEMORY_LIMIT");
  EXPECT_NEAR(static_cast<double>(from_environment.memory_options().limit),
              0.6 * static_cast<double>(setl::memory::physical_memory_bytes()), 1 << 20);
  EXPECT_EQ(from_configuration.memory_options().limit, int64_t{1} << 30);
  EXPECT_EQ(from_configuration.new_pipeline("p").memory().limit, int64_t{1} << 30);
}

TEST(Memory, BadSettingsAreConfigErrorsNamingTheKey) {
  EXPECT_THAT(testing::message_of<ConfigError>(
                  [] { Setl setl(Config::from_yaml("memory: {limit: lots}\n")); }),
              HasSubstr("lots"));
  EXPECT_THAT(testing::message_of<ConfigError>(
                  [] { Setl setl(Config::from_yaml("memory: {limits: 1GiB}\n")); }),
              HasSubstr("unknown key 'limits'"));
  EXPECT_THAT(testing::message_of<ConfigError>(
                  [] { Setl setl(Config::from_yaml("memory: {batch_bytes: 0}\n")); }),
              HasSubstr("batch_bytes"));
}

}  // namespace
}  // namespace setl::workflow
