// CSV, JSON Lines and Parquet read/write throughput on the TPC-H lineitem table, with one
// thread and all threads. MB_per_s counts the file's bytes, table_MB_per_s the in-memory
// columns' bytes (comparable across formats), rows_per_s the rows.
//
//   SETL_TPCH_SF=1 build/release/bench/storage_throughput_benchmark
#include <cstdlib>
#include <filesystem>
#include <memory>

#include <benchmark/benchmark.h>

#include "lineitem_fixture.h"
#include "setl/engine/execution.h"
#include "setl/storage/csv_connector.h"
#include "setl/storage/json_lines_connector.h"
#include "setl/storage/parquet_connector.h"

namespace {

using setl::storage::SaveMode;

using setl::bench::lineitem;

std::filesystem::path scratch(const std::string& name) {
  return setl::bench::scratch_file("setl-storage-bench", name);
}

void report(benchmark::State& state, const std::string& file, int64_t rows, double table_bytes) {
  double bytes = static_cast<double>(std::filesystem::file_size(scratch(file)));
  state.counters["MB_per_s"] =
      benchmark::Counter(bytes / 1e6, benchmark::Counter::kIsIterationInvariantRate);
  state.counters["table_MB_per_s"] =
      benchmark::Counter(table_bytes / 1e6, benchmark::Counter::kIsIterationInvariantRate);
  state.counters["rows_per_s"] =
      benchmark::Counter(static_cast<double>(rows), benchmark::Counter::kIsIterationInvariantRate);
  state.counters["file_MB"] = bytes / 1e6;
}

template <class Connector>
void write_benchmark(benchmark::State& state, const std::string& file) {
  auto connector = setl::storage::make_connector<Connector>(scratch(file));
  const setl::engine::Table& table = lineitem();  // generated before the clock starts
  setl::engine::set_num_threads(static_cast<int>(state.range(0)));
  for (auto _ : state) {
    connector->write(table, SaveMode::kOverwrite);
  }
  setl::engine::set_num_threads(0);
  report(state, file, lineitem().num_rows(), static_cast<double>(lineitem().memory_size()));
}

template <class Connector>
void read_benchmark(benchmark::State& state, const std::string& file) {
  auto connector = setl::storage::make_connector<Connector>(scratch(file));
  if (!connector->exists()) {
    connector->write(lineitem(), SaveMode::kOverwrite);
  }
  setl::engine::set_num_threads(static_cast<int>(state.range(0)));
  setl::engine::Table table;
  for (auto _ : state) {
    table = connector->read();
  }
  setl::engine::set_num_threads(0);
  // The generated table's size: the read table's slices would count shared buffers twice.
  report(state, file, table.num_rows(), static_cast<double>(lineitem().memory_size()));
}

void BM_CsvWrite(benchmark::State& state) {
  write_benchmark<setl::storage::CsvConnector>(state, "lineitem.csv");
}
void BM_CsvRead(benchmark::State& state) {
  read_benchmark<setl::storage::CsvConnector>(state, "lineitem.csv");
}
void BM_JsonLinesWrite(benchmark::State& state) {
  write_benchmark<setl::storage::JsonLinesConnector>(state, "lineitem.jsonl");
}
void BM_JsonLinesRead(benchmark::State& state) {
  read_benchmark<setl::storage::JsonLinesConnector>(state, "lineitem.jsonl");
}

void BM_ParquetWrite(benchmark::State& state) {
  write_benchmark<setl::storage::ParquetConnector>(state, "lineitem.parquet");
}
void BM_ParquetRead(benchmark::State& state) {
  read_benchmark<setl::storage::ParquetConnector>(state, "lineitem.parquet");
}
// The four columns TPC-H Q6 needs: only their column chunks are read.
void BM_ParquetReadQ6Columns(benchmark::State& state) {
  auto connector =
      setl::storage::make_connector<setl::storage::ParquetConnector>(scratch("lineitem.parquet"));
  if (!connector->exists()) {
    connector->write(lineitem(), SaveMode::kOverwrite);
  }
  setl::engine::set_num_threads(static_cast<int>(state.range(0)));
  setl::engine::ScanResult scanned;
  for (auto _ : state) {
    scanned = connector->scan(
        {{"l_quantity", "l_extendedprice", "l_discount", "l_shipdate"}, std::nullopt});
  }
  const setl::engine::Table& table = scanned.table;
  setl::engine::set_num_threads(0);
  state.counters["rows_per_s"] = benchmark::Counter(static_cast<double>(table.num_rows()),
                                                    benchmark::Counter::kIsIterationInvariantRate);
  state.counters["MB_read_per_s"] =
      benchmark::Counter(static_cast<double>(scanned.stats.bytes_read) / 1e6,
                         benchmark::Counter::kIsIterationInvariantRate);
}

}  // namespace

#define SETL_THREADS_BENCHMARK(name, iterations) \
  BENCHMARK(name)                                \
      ->Arg(1)                                   \
      ->Arg(0)                                   \
      ->ArgName("threads")                       \
      ->Unit(benchmark::kMillisecond)            \
      ->UseRealTime()                            \
      ->Iterations(iterations)

SETL_THREADS_BENCHMARK(BM_CsvWrite, 1);
SETL_THREADS_BENCHMARK(BM_CsvRead, 2);
SETL_THREADS_BENCHMARK(BM_JsonLinesWrite, 1);
SETL_THREADS_BENCHMARK(BM_JsonLinesRead, 2);
SETL_THREADS_BENCHMARK(BM_ParquetWrite, 1);
SETL_THREADS_BENCHMARK(BM_ParquetRead, 2);
SETL_THREADS_BENCHMARK(BM_ParquetReadQ6Columns, 3);

BENCHMARK_MAIN();
