// Factories that stream (MM-6): a factory hands over a LazyFrame (a plan, not data), the
// next adds to the plan, and the last sinks it into a Parquet file batch by batch. A CSV
// ten times the run's memory budget goes through in bounded memory, and the file holds
// exactly what the eager computation gives.
#include <fstream>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "setl/setl.h"
#include "testing/table_matchers.h"
#include "testing/temp_dir.h"

namespace setl::workflow {
namespace {

using engine::col;
using engine::LazyFrame;
using engine::lit;
using engine::Table;
using storage::Connector;

int64_t write_events(const std::filesystem::path& path, int64_t rows) {
  std::ofstream out(path);
  out << "id,customer,amount,note\n";
  for (int64_t i = 0; i < rows; ++i) {
    out << i << "," << (i * 7919) % 20011 << "," << (i % 977) << "." << (i % 89) << ",note number "
        << i % 1000 << "\n";
  }
  out.close();
  return static_cast<int64_t>(std::filesystem::file_size(path));
}

// Reads lazily: its output is the plan "scan the CSV, keep the larger amounts".
class LargeEvents : public Factory<LazyFrame> {
 public:
  Delivery<Connector> events{this, {.id = "events"}};
  LazyFrame process() override { return events->lazy().filter("amount > 100"); }
};

class TaxedEvents : public Factory<LazyFrame> {
 public:
  Delivery<LazyFrame> large{this, {.producer = producer<LargeEvents>()}};
  LazyFrame process() override {
    return large->with_column("taxed", col("amount") * lit(1.2)).drop({"note"});
  }
};

// The end of the stream: writes while reading, holding a few batches at a time.
class ExportEvents : public Factory<int64_t> {
 public:
  Delivery<LazyFrame> taxed{this, {.producer = producer<TaxedEvents>()}};
  Delivery<Connector> out{this, {.id = "export"}};
  int64_t process() override {
    auto& file = dynamic_cast<const storage::FileConnector&>(*out);
    file.sink(*taxed);
    return 1;
  }
};

TEST(StreamFactory, ACsvTenTimesTheBudgetStreamsIntoParquetInBoundedMemory) {
  testing::TempDir dir;
  int64_t budget = int64_t{2} << 20;
  int64_t csv_bytes = write_events(dir.path() / "events.csv", 650'000);
  ASSERT_GT(csv_bytes, 10 * budget);
  Setl setl(Config::from_yaml(
      "events: {storage: CSV, path: '" + (dir.path() / "events.csv").string() +
      "'}\nexport: {storage: PARQUET, path: '" + (dir.path() / "taxed.parquet").string() +
      "'}\nmemory: {limit: 2MiB, batch_bytes: 256KiB, batches_in_flight: 4, spill_dir: '" +
      (dir.path() / "spill").string() + "'}\n"));
  set_connector(setl, "events");
  set_connector(setl, "export");
  Pipeline pipeline = setl.new_pipeline("stream");
  pipeline.add<LargeEvents>();
  pipeline.add<TaxedEvents>();
  pipeline.add<ExportEvents>();
  RunResult result = pipeline.run();

  const RunMemoryReport& memory = result.benchmark().memory;
  std::printf("CSV %lld bytes; peak tracked %lld, peak reserved %lld\n",
              static_cast<long long>(csv_bytes), static_cast<long long>(memory.peak_tracked),
              static_cast<long long>(memory.peak_reserved));
  // A few batches, the CSV block being parsed and the row group being filled.
  EXPECT_LT(memory.peak_tracked, 4 * budget) << "the run held a large part of the data";
  EXPECT_LE(memory.peak_reserved, budget);
  Table expected = storage::make_connector<storage::CsvConnector>(dir.path() / "events.csv")
                       ->read()
                       .filter("amount > 100")
                       .with_column("taxed", col("amount") * lit(1.2))
                       .drop({"note"});
  Table written =
      storage::make_connector<storage::ParquetConnector>(dir.path() / "taxed.parquet")->read();
  EXPECT_THAT(written, testing::SameTableAs(expected));
}

}  // namespace
}  // namespace setl::workflow
