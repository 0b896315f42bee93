// Filter and project throughput on int64 columns: values processed per second.
//
//   build/release/bench/engine_throughput_benchmark
#include <benchmark/benchmark.h>

#include "setl/engine/builder.h"
#include "setl/engine/execution.h"
#include "setl/engine/table.h"

namespace {

using namespace setl::engine;

constexpr int64_t kRows = 16 * 1024 * 1024;

const Table& numbers() {
  static const Table table = [] {
    ColumnBuilder a(DataType::int64(), kRows);
    ColumnBuilder b(DataType::int64(), kRows);
    for (int64_t i = 0; i < kRows; ++i) {
      a.append_int((i * 7919) % 1000);
      b.append_int(i);
    }
    return Table::from_columns({{"a", a.finish()}, {"b", b.finish()}}).rechunk();
  }();
  return table;
}

void report(benchmark::State& state) {
  state.counters["values_per_s"] =
      benchmark::Counter(static_cast<double>(kRows), benchmark::Counter::kIsIterationInvariantRate);
}

void BM_FilterInt64(benchmark::State& state) {
  set_num_threads(static_cast<int>(state.range(0)));
  Expr predicate = col("a") < 100;  // 10% selectivity
  for (auto _ : state) {
    benchmark::DoNotOptimize(numbers().filter(predicate).num_rows());
  }
  set_num_threads(0);
  report(state);
}

void BM_ProjectInt64(benchmark::State& state) {
  set_num_threads(static_cast<int>(state.range(0)));
  std::vector<Expr> projection = {(col("a") * 3 + col("b")).alias("c")};
  for (auto _ : state) {
    benchmark::DoNotOptimize(numbers().select(projection).num_rows());
  }
  set_num_threads(0);
  report(state);
}

void BM_CompareInt64(benchmark::State& state) {
  set_num_threads(static_cast<int>(state.range(0)));
  std::vector<Expr> projection = {(col("a") < 100).alias("c")};
  for (auto _ : state) {
    benchmark::DoNotOptimize(numbers().select(projection).num_rows());
  }
  set_num_threads(0);
  report(state);
}

}  // namespace

BENCHMARK(BM_FilterInt64)
    ->Arg(1)
    ->Arg(0)
    ->ArgName("threads")
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();
BENCHMARK(BM_ProjectInt64)
    ->Arg(1)
    ->Arg(0)
    ->ArgName("threads")
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();
BENCHMARK(BM_CompareInt64)
    ->Arg(1)
    ->Arg(0)
    ->ArgName("threads")
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();

BENCHMARK_MAIN();
