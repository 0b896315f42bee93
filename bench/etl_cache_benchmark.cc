// The main job (examples/tpch_etl) with the result cache: a cold run (empty cache
// directory) and a warm run (a new process's view: fresh Setl, same directory), at
// SETL_TPCH_SF (default 1). Reports both wall times and warm/cold (the target is
// below 5%).
//
//   SETL_TPCH_SF=1 build/release/bench/etl_cache_benchmark
#include <chrono>
#include <cstdlib>
#include <filesystem>

#include <benchmark/benchmark.h>

#include "tpch_etl_factories.h"

namespace {

double seconds_of_run(const std::filesystem::path& work, double scale_factor) {
  setenv("SETL_DATA_DIR", (work / "data").c_str(), 1);
  setl::Config config = setl::Config::load(SETL_EXAMPLES_DIR "/tpch_etl.yaml")
                            .with_value("data.scale_factor", std::to_string(scale_factor))
                            .with_value("cache.mode", "memory+disk")
                            .with_value("cache.dir", (work / "cache").string());
  setl::workflow::Setl setl(config);
  etl::prepare(setl);
  setl::workflow::Pipeline pipeline = etl::build_pipeline(setl);
  auto start = std::chrono::steady_clock::now();
  pipeline.run(etl::kTargets);
  benchmark::DoNotOptimize(pipeline.last_output<int64_t>());
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

void BM_EtlColdThenWarm(benchmark::State& state) {
  const char* env = std::getenv("SETL_TPCH_SF");
  double scale_factor = env ? std::atof(env) : 1.0;
  std::filesystem::path work = std::filesystem::temp_directory_path() / "setl-etl-cache-bench";
  double cold = 0;
  double warm = 0;
  for (auto _ : state) {
    std::filesystem::remove_all(work);
    cold = seconds_of_run(work, scale_factor);
    warm = seconds_of_run(work, scale_factor);
    state.SetIterationTime(warm);
  }
  state.counters["cold_s"] = cold;
  state.counters["warm_s"] = warm;
  state.counters["warm_over_cold_pct"] = 100.0 * warm / cold;
  std::filesystem::remove_all(work);
}

}  // namespace

BENCHMARK(BM_EtlColdThenWarm)->UseManualTime()->Unit(benchmark::kMillisecond)->Iterations(1);

BENCHMARK_MAIN();
