// TPC-H queries on generated data held in memory, with one thread and with all threads.
//
//   build/release/bench/tpch_benchmark [--sf=1] [benchmark flags]
// SETL_TPCH_SF sets the scale factor too (default 1).
#include <cstdlib>
#include <cstring>
#include <iostream>
#include <memory>
#include <string>

#include <benchmark/benchmark.h>

#include "setl/engine/execution.h"
#include "setl/tpch/data.h"
#include "setl/tpch/queries.h"

namespace {

double scale_factor = 1.0;

const setl::tpch::Tables& tables() {
  static const std::unique_ptr<setl::tpch::Tables> data = [] {
    auto start = std::chrono::steady_clock::now();
    auto generated = std::make_unique<setl::tpch::Tables>(
        setl::tpch::generate({.scale_factor = scale_factor, .seed = 1}));
    double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    std::cerr << "generated TPC-H SF " << scale_factor << " (" << generated->lineitem.num_rows()
              << " lineitem rows) in " << seconds << " s\n";
    return generated;
  }();
  return *data;
}

void BM_TpchQuery(benchmark::State& state) {
  int query = static_cast<int>(state.range(0));
  int threads = static_cast<int>(state.range(1));
  const setl::tpch::Tables& data = tables();
  setl::engine::set_num_threads(threads);
  int64_t rows = 0;
  // One untimed run first: the first touches of fresh memory are page faults that a
  // long-running process pays once, not per query.
  benchmark::DoNotOptimize(setl::tpch::run_query(query, data).num_rows());
  for (auto _ : state) {
    setl::engine::Table result = setl::tpch::run_query(query, data);
    rows = result.num_rows();
    benchmark::DoNotOptimize(rows);
  }
  setl::engine::set_num_threads(0);
  state.counters["result_rows"] = static_cast<double>(rows);
  state.SetLabel("Q" + std::to_string(query) + (threads == 0 ? " all threads" : " 1 thread"));
}

// The specification's SQL text through setl::sql: planning (parse, bind, optimize) is
// timed with the run, as a user pays it.
void BM_TpchSqlQuery(benchmark::State& state) {
  int query = static_cast<int>(state.range(0));
  int threads = static_cast<int>(state.range(1));
  const setl::tpch::Tables& data = tables();
  auto run = [&] { return setl::tpch::sql_query_plan(query, data).collect().num_rows(); };
  setl::engine::set_num_threads(threads);
  benchmark::DoNotOptimize(run());
  int64_t rows = 0;
  for (auto _ : state) {
    rows = run();
    benchmark::DoNotOptimize(rows);
  }
  setl::engine::set_num_threads(0);
  state.counters["result_rows"] = static_cast<double>(rows);
  state.SetLabel("Q" + std::to_string(query) + " SQL" +
                 (threads == 0 ? " all threads" : " 1 thread"));
}

void register_queries() {
  for (int query : setl::tpch::query_numbers()) {
    for (int threads : {1, 0}) {
      benchmark::RegisterBenchmark("TPCH", BM_TpchQuery)
          ->Args({query, threads})
          ->ArgNames({"q", "threads"})
          ->Unit(benchmark::kMillisecond)
          ->UseRealTime()
          ->MinTime(0.5);
      benchmark::RegisterBenchmark("TPCH_SQL", BM_TpchSqlQuery)
          ->Args({query, threads})
          ->ArgNames({"q", "threads"})
          ->Unit(benchmark::kMillisecond)
          ->UseRealTime()
          ->MinTime(0.5);
    }
  }
}

}  // namespace

int main(int argc, char** argv) {
  if (const char* env = std::getenv("SETL_TPCH_SF")) {
    scale_factor = std::atof(env);
  }
  for (int i = 1; i < argc; ++i) {
    if (std::strncmp(argv[i], "--sf=", 5) == 0) {
      scale_factor = std::atof(argv[i] + 5);
    }
  }
  register_queries();
  benchmark::Initialize(&argc, argv);
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
}
