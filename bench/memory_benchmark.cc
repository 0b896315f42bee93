// Large inputs in bounded memory. Peak RSS is a property of a process, so each
// measurement is its own run of this program; bench/memory_benchmark.sh runs them all
// (with and without a limit) and prints one table.
//
//   memory_benchmark generate --sf 10 --dir DATA     # lineitem.csv and orders.csv, streamed
//   memory_benchmark run --query q1 --dir DATA [--limit 1GiB] [--spill-dir DIR] [--trace]
//
// --trace prints, twice a second, where the memory is: resident, tracked by the engine's
// buffers, reserved from the budget, and the malloc heap's used and free bytes (free but
// resident heap is what fragmentation costs).
//
// The data follows the TPC-H lineitem and orders columns and value ranges (6,000,000 line
// items and 1,500,000 orders per scale factor) from a seeded generator that writes batch
// by batch, so generating SF 10 never holds it in memory. Queries: "convert" (CSV →
// Parquet), "q1" (TPC-H Q1's aggregation), "sort" (lineitem by l_extendedprice) and
// "join" (lineitem ⋈ orders, revenue per order priority and ship mode).
#include <atomic>
#include <chrono>
#include <cstdio>
#include <iostream>
#include <random>
#include <string>
#include <thread>

#include <malloc.h>
#include <sys/resource.h>

#include "setl/core/memory.h"
#include "setl/core/memory_budget.h"
#include "setl/core/memory_context.h"
#include "setl/core/process_memory.h"
#include "setl/engine/builder.h"
#include "setl/engine/lazy_frame.h"
#include "setl/storage/csv_connector.h"
#include "setl/storage/parquet_connector.h"

namespace {

using namespace setl;
using engine::col;
using engine::DataType;
using engine::RecordBatch;

constexpr int64_t kBatchRows = 100'000;

// Line items or orders, generated batch by batch.
class Generator : public engine::BatchStream {
 public:
  Generator(bool orders, int64_t rows) : orders_(orders), rows_(rows), random_(orders ? 2 : 1) {
    std::vector<engine::Field> fields;
    if (orders_) {
      fields = {{"o_orderkey", DataType::int64(), false},
                {"o_orderdate", DataType::date32(), false},
                {"o_orderpriority", DataType::string(), false},
                {"o_totalprice", DataType::float64(), false}};
    } else {
      fields = {{"l_orderkey", DataType::int64(), false},
                {"l_quantity", DataType::float64(), false},
                {"l_extendedprice", DataType::float64(), false},
                {"l_discount", DataType::float64(), false},
                {"l_tax", DataType::float64(), false},
                {"l_returnflag", DataType::string(), false},
                {"l_linestatus", DataType::string(), false},
                {"l_shipdate", DataType::date32(), false},
                {"l_shipmode", DataType::string(), false}};
    }
    schema_ = std::make_shared<engine::Schema>(std::move(fields));
  }
  const engine::SchemaPtr& schema() const override { return schema_; }
  std::optional<RecordBatch> next() override {
    if (made_ >= rows_) {
      return std::nullopt;
    }
    int64_t rows = std::min(kBatchRows, rows_ - made_);
    std::vector<engine::ColumnBuilder> builders;
    for (const engine::Field& field : schema_->fields()) {
      builders.emplace_back(field.type, rows);
    }
    static const char* kPriorities[] = {"1-URGENT", "2-HIGH", "3-MEDIUM", "4-NOT SPECIFIED",
                                        "5-LOW"};
    static const char* kModes[] = {"REG AIR", "AIR", "RAIL", "SHIP", "TRUCK", "MAIL", "FOB"};
    for (int64_t r = 0; r < rows; ++r) {
      int64_t i = made_ + r;
      int32_t day = 8035 + static_cast<int32_t>(random_() % 2400);  // 1992-01-01 + ~6.5 years
      if (orders_) {
        builders[0].append_int(i * 4 + 1);
        builders[1].append_int(day);
        builders[2].append_string(kPriorities[random_() % 5]);
        builders[3].append_double(static_cast<double>(90'000 + random_() % 50'000'000) / 100);
      } else {
        double quantity = static_cast<double>(1 + random_() % 50);
        builders[0].append_int((i / 4) * 4 + 1);  // four items per order
        builders[1].append_double(quantity);
        builders[2].append_double(quantity * static_cast<double>(90'000 + random_() % 11'000) /
                                  100);
        builders[3].append_double(static_cast<double>(random_() % 11) / 100);
        builders[4].append_double(static_cast<double>(random_() % 9) / 100);
        builders[5].append_string(day > 9298 ? "N" : (random_() % 2 ? "R" : "A"));
        builders[6].append_string(day > 9298 ? "O" : "F");
        builders[7].append_int(day + 1 + static_cast<int32_t>(random_() % 121));
        builders[8].append_string(kModes[random_() % 7]);
      }
    }
    made_ += rows;
    std::vector<engine::ColumnPtr> columns;
    for (engine::ColumnBuilder& builder : builders) {
      columns.push_back(builder.finish());
    }
    return RecordBatch(schema_, std::move(columns), rows);
  }

 private:
  bool orders_;
  int64_t rows_;
  int64_t made_ = 0;
  std::mt19937_64 random_;
  engine::SchemaPtr schema_;
};

std::string argument(int argc, char** argv, const std::string& name, std::string fallback) {
  for (int i = 1; i + 1 < argc; ++i) {
    if (argv[i] == name) {
      return argv[i + 1];
    }
  }
  return fallback;
}

bool flag(int argc, char** argv, const std::string& name) {
  for (int i = 1; i < argc; ++i) {
    if (argv[i] == name) {
      return true;
    }
  }
  return false;
}

void trace(const std::atomic<bool>& done, const MemoryContext& context) {
  std::fprintf(stderr, "%10s %10s %10s %10s %10s (MiB)\n", "resident", "tracked", "reserved",
               "heap used", "heap free");
  while (!done) {
    struct mallinfo2 heap = mallinfo2();
    std::fprintf(stderr, "%10lld %10lld %10lld %10lld %10lld\n",
                 static_cast<long long>(memory::process_memory().resident_bytes >> 20),
                 static_cast<long long>(memory::bytes_allocated() >> 20),
                 static_cast<long long>(context.budget ? context.budget->used() >> 20 : 0),
                 static_cast<long long>(heap.uordblks >> 20),
                 static_cast<long long>(heap.fordblks >> 20));
    std::this_thread::sleep_for(std::chrono::milliseconds(500));
  }
}

int64_t peak_rss_bytes() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  return static_cast<int64_t>(usage.ru_maxrss) * 1024;
}

engine::LazyFrame query(const std::string& name, const std::filesystem::path& dir) {
  auto lineitem = storage::make_connector<storage::CsvConnector>(dir / "lineitem.csv");
  auto orders = storage::make_connector<storage::CsvConnector>(dir / "orders.csv");
  if (name == "q1") {
    return lineitem->lazy()
        .filter("l_shipdate <= date '1998-09-02'")
        .with_column("disc_price", col("l_extendedprice") * (engine::lit(1.0) - col("l_discount")))
        .group_by({"l_returnflag", "l_linestatus"})
        .agg({engine::fn::sum(col("l_quantity")).alias("sum_qty"),
              engine::fn::sum(col("disc_price")).alias("sum_disc_price"),
              engine::fn::mean(col("l_discount")).alias("avg_disc"),
              engine::fn::count_all().alias("count_order")})
        .sort({{"l_returnflag"}, {"l_linestatus"}});
  }
  if (name == "sort") {
    return lineitem->lazy().sort({{"l_extendedprice"}});
  }
  if (name == "join") {
    return lineitem->lazy()
        .join(orders->lazy(), {"l_orderkey"}, {"o_orderkey"})
        .group_by({"o_orderpriority", "l_shipmode"})
        .agg({engine::fn::sum(col("l_extendedprice")).alias("revenue")})
        .sort({{"o_orderpriority"}, {"l_shipmode"}});
  }
  return lineitem->lazy();  // "convert"
}

}  // namespace

int main(int argc, char** argv) try {
  if (argc < 2) {
    std::cerr << "usage: memory_benchmark generate|run [options] (see the source's header)\n";
    return 2;
  }
  std::string command = argv[1];
  std::filesystem::path dir = argument(argc, argv, "--dir", "memory-bench-data");
  if (command == "generate") {
    double sf = std::stod(argument(argc, argv, "--sf", "1"));
    std::filesystem::create_directories(dir);
    for (bool orders : {false, true}) {
      auto rows = static_cast<int64_t>(sf * (orders ? 1'500'000 : 6'000'000));
      Generator generator(orders, rows);
      storage::make_connector<storage::CsvConnector>(dir / (orders ? "orders.csv" : "lineitem.csv"))
          ->write_stream(generator, storage::SaveMode::kOverwrite);
    }
    std::cout << "generated " << dir << " (peak RSS " << memory::format_bytes(peak_rss_bytes())
              << ")\n";
    return 0;
  }
  std::string name = argument(argc, argv, "--query", "q1");
  std::string limit = argument(argc, argv, "--limit", "unlimited");
  MemoryContext context;
  int64_t limit_bytes = memory::parse_memory_size(limit);
  if (limit_bytes > 0) {
    context.budget = memory::MemoryBudget::create(limit_bytes);
  }
  context.spill_dir = argument(argc, argv, "--spill-dir", (dir / "spill").string());
  context.counters = std::make_shared<MemoryCounters>();
  context.owner = name;
  MemoryContextScope scope(context);
  auto start = std::chrono::steady_clock::now();
  std::atomic<bool> done{false};
  std::jthread tracer;
  if (flag(argc, argv, "--trace")) {
    tracer = std::jthread([&] { trace(done, context); });
  }
  int64_t rows = 0;
  if (name == "convert") {
    auto target = storage::make_connector<storage::ParquetConnector>(dir / "lineitem.parquet");
    target->sink(query(name, dir));
    rows = -1;
  } else {
    // The result is streamed and counted, never collected: it may be larger than the limit.
    std::unique_ptr<engine::BatchStream> result = query(name, dir).stream();
    while (std::optional<RecordBatch> batch = result->next()) {
      rows += batch->num_rows();
    }
  }
  done = true;
  double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::printf("%-8s %-10s %9.2f s  peak RSS %10s  spilled %10s  rows %lld\n", name.c_str(),
              limit.c_str(), seconds, memory::format_bytes(peak_rss_bytes()).c_str(),
              memory::format_bytes(context.counters->spilled_bytes.load()).c_str(),
              static_cast<long long>(rows));
  return 0;
} catch (const std::exception& error) {
  std::cerr << "memory_benchmark: " << error.what() << "\n";
  return 1;
}
