// CSV and JSON Lines read/write throughput on the TPC-H lineitem table (MB/s and rows/s),
// with one thread and all threads.
//
//   SETL_TPCH_SF=1 build/release/bench/storage_throughput_benchmark
#include <cstdlib>
#include <filesystem>
#include <memory>

#include <benchmark/benchmark.h>

#include "setl/engine/execution.h"
#include "setl/storage/csv_connector.h"
#include "setl/storage/json_lines_connector.h"
#include "tpch_data.h"

namespace {

using setl::storage::SaveMode;

double scale_factor() {
  const char* env = std::getenv("SETL_TPCH_SF");
  return env ? std::atof(env) : 1.0;
}

const setl::engine::Table& lineitem() {
  static const setl::engine::Table table =
      setl::tpch::generate({.scale_factor = scale_factor(), .seed = 1}).lineitem;
  return table;
}

std::filesystem::path scratch(const std::string& name) {
  std::filesystem::path directory = std::filesystem::temp_directory_path() / "setl-storage-bench";
  std::filesystem::create_directories(directory);
  return directory / name;
}

template <class Connector>
void write_benchmark(benchmark::State& state, const std::string& file) {
  auto connector = std::make_shared<Connector>(scratch(file));
  for (auto _ : state) {
    connector->write(lineitem(), SaveMode::kOverwrite);
  }
  double bytes = static_cast<double>(std::filesystem::file_size(scratch(file)));
  state.counters["MB_per_s"] =
      benchmark::Counter(bytes / 1e6, benchmark::Counter::kIsIterationInvariantRate);
  state.counters["rows_per_s"] = benchmark::Counter(static_cast<double>(lineitem().num_rows()),
                                                    benchmark::Counter::kIsIterationInvariantRate);
}

template <class Connector>
void read_benchmark(benchmark::State& state, const std::string& file) {
  auto connector = std::make_shared<Connector>(scratch(file));
  if (!connector->exists()) {
    connector->write(lineitem(), SaveMode::kOverwrite);
  }
  setl::engine::set_num_threads(static_cast<int>(state.range(0)));
  int64_t rows = 0;
  for (auto _ : state) {
    rows = connector->read().num_rows();
  }
  setl::engine::set_num_threads(0);
  double bytes = static_cast<double>(std::filesystem::file_size(scratch(file)));
  state.counters["MB_per_s"] =
      benchmark::Counter(bytes / 1e6, benchmark::Counter::kIsIterationInvariantRate);
  state.counters["rows_per_s"] =
      benchmark::Counter(static_cast<double>(rows), benchmark::Counter::kIsIterationInvariantRate);
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

}  // namespace

BENCHMARK(BM_CsvWrite)->Unit(benchmark::kMillisecond)->UseRealTime()->Iterations(1);
BENCHMARK(BM_CsvRead)
    ->Arg(1)
    ->Arg(0)
    ->ArgName("threads")
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime()
    ->Iterations(2);
BENCHMARK(BM_JsonLinesWrite)->Unit(benchmark::kMillisecond)->UseRealTime()->Iterations(1);
BENCHMARK(BM_JsonLinesRead)
    ->Arg(1)
    ->Arg(0)
    ->ArgName("threads")
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime()
    ->Iterations(2);

BENCHMARK_MAIN();
