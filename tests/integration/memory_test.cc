// A pipeline under a run-wide memory budget (the `memory` section): a factory's sort and
// aggregation over a CSV larger than the budget spill, its results equal the unlimited
// run's, the benchmark reports its peak memory and spilled bytes, and the spill
// directory is gone afterwards.
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

TEST(Memory, AFactoryOverABudgetSpillsAndGivesTheUnlimitedResult) {
  testing::TempDir dir;
  write_sales(dir.path() / "sales.csv", 300'000);
  std::string settings =
      "  spill_dir: '" + (dir.path() / "spill").string() + "'\n  batch_bytes: 256KiB\n";
  Table unlimited = run(config_for(dir.path(), "memory:\n" + settings));
  BenchmarkReport report;
  Table limited = run(config_for(dir.path(), "memory:\n  limit: 2MiB\n" + settings), &report);
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
