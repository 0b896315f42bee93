// Per-factory overhead of the workflow layer: DAG inspection, delivery and the lifecycle
// of trivial factories, in a 10,000-factory chain (one stage each) and a 10,000-factory
// fan-out (one producer, one wide stage). Reports microseconds per factory.
//
//   build/release/bench/workflow_overhead_benchmark
#include <string>

#include <benchmark/benchmark.h>

#include "setl/workflow/pipeline.h"

namespace {

using setl::workflow::Delivery;
using setl::workflow::Factory;
using setl::workflow::Pipeline;

constexpr int kFactories = 10'000;

class Seed : public Factory<int64_t> {
 public:
  int64_t process() override { return 1; }
};

// Adds one to the output of the previous link, named by its producer.
class Link : public Factory<int64_t> {
 public:
  explicit Link(std::string previous) : previous_value{this, {.producer = std::move(previous)}} {}
  Delivery<int64_t> previous_value;
  int64_t process() override { return *previous_value + 1; }
};

// Reads the seed's output; produces a different type so it does not compete with it.
class Leaf : public Factory<int32_t> {
 public:
  Delivery<int64_t> seed{this};
  int32_t process() override { return static_cast<int32_t>(*seed); }
};

Pipeline chain() {
  Pipeline pipeline("chain");
  pipeline.add_factory<Seed>().set_name("link_0");
  for (int i = 1; i < kFactories; ++i) {
    pipeline.add_factory<Link>("link_" + std::to_string(i - 1))
        .set_name("link_" + std::to_string(i));
  }
  return pipeline;
}

Pipeline fan_out(bool parallel) {
  Pipeline pipeline("fan_out");
  pipeline.add_factory<Seed>();
  setl::workflow::Stage& leaves = pipeline.add_stage().set_parallel(parallel);
  for (int i = 1; i < kFactories; ++i) {
    leaves.add_factory<Leaf>().set_name("leaf_" + std::to_string(i));
  }
  return pipeline;
}

// Seconds per factory (printed with an SI prefix: "6.5u" is 6.5 microseconds).
void report(benchmark::State& state) {
  state.counters["per_factory"] = benchmark::Counter(
      kFactories, benchmark::Counter::kIsIterationInvariantRate | benchmark::Counter::kInvert);
}

void BM_Chain(benchmark::State& state) {
  Pipeline pipeline = chain();
  for (auto _ : state) {
    pipeline.run();
  }
  if (pipeline.last_output<int64_t>() != kFactories) {
    state.SkipWithError("wrong chain result");
  }
  report(state);
}

void BM_FanOut(benchmark::State& state) {
  Pipeline pipeline = fan_out(state.range(0) != 0);
  for (auto _ : state) {
    pipeline.run();
  }
  if (pipeline.last_output<int32_t>() != 1) {
    state.SkipWithError("wrong fan-out result");
  }
  report(state);
}

void BM_ChainWithBenchmarkOn(benchmark::State& state) {
  Pipeline pipeline = chain();
  pipeline.set_benchmark(true);
  for (auto _ : state) {
    pipeline.run();
  }
  report(state);
}

}  // namespace

BENCHMARK(BM_Chain)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(BM_ChainWithBenchmarkOn)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(BM_FanOut)
    ->Arg(0)
    ->Arg(1)
    ->ArgName("parallel")
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();

BENCHMARK_MAIN();
