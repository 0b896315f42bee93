// Per-factory overhead of the workflow layer: DAG inspection, delivery and the lifecycle
// of trivial factories, in a 10,000-factory chain (one stage each, or unstaged on the
// dependency scheduler) and a 10,000-factory fan-out (one producer, one wide stage, or
// unstaged). Reports microseconds per factory. BM_UnstagedChainWithConditions adds a
// run-time condition to every factory of the unstaged chain: all true (the cost of a
// condition), or the first false (every factory skipped).
//
// BM_WideDag shows that the scheduler runs independent factories concurrently: 16
// unstaged factories that each wait 20 ms (I/O-bound work, so the figure does not depend
// on the number of cores), under a concurrency bound of 1, 2, 4, 8 and 16. It reports the
// wall time, the critical path of the RunResult (20 ms: no factory depends on another)
// and the concurrency reached (sum of factory times / wall time).
//
// BM_ComposedInstances runs the same 10,000 unstaged factories as 2,500 instances of a
// four-factory template, included under two levels of namespaces (g<k>.i<n>): every
// instance's first factory reads a free input that the lookup finds only at the root,
// after trying both namespaces — the cost of composition per factory, next to
// BM_UnstagedChain's.
//
//   build/release/bench/workflow_overhead_benchmark
#include <chrono>
#include <string>
#include <thread>

#include <benchmark/benchmark.h>

#include "setl/engine/expr.h"
#include "setl/workflow/composition.h"
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

Pipeline unstaged_chain() {
  Pipeline pipeline("unstaged_chain");
  pipeline.add<Seed>().set_name("link_0");
  for (int i = 1; i < kFactories; ++i) {
    pipeline.add<Link>("link_" + std::to_string(i - 1)).set_name("link_" + std::to_string(i));
  }
  return pipeline;
}

Pipeline unstaged_fan_out() {
  Pipeline pipeline("unstaged_fan_out");
  pipeline.add<Seed>();
  for (int i = 1; i < kFactories; ++i) {
    pipeline.add<Leaf>().set_name("leaf_" + std::to_string(i));
  }
  return pipeline;
}

// The unstaged chain with a condition on every factory. state.range(0):
//   0: a C++ predicate, false for the first factory (every other one is skipped because
//      its upstream was);
//   1: a C++ predicate, true for all (the cost of checking a condition, against
//      BM_UnstagedChain);
//   2: an expression on the input, `delivered(link_<i-1>)`, bound when planned and
//      evaluated by the engine when the run reaches each factory (true for all);
//   3: an expression on the configuration, `1 = 1`, decided when planned.
enum ConditionKind { kFalsePredicate, kTruePredicate, kInputExpression, kConfigExpression };

Pipeline conditional_chain(ConditionKind kind) {
  Pipeline pipeline = unstaged_chain();
  for (size_t i = 0; i < pipeline.unstaged().size(); ++i) {
    setl::workflow::FactoryBase& factory = *pipeline.unstaged()[i];
    bool first = i == 0;
    switch (kind) {
      case kFalsePredicate:
      case kTruePredicate:
        factory.run_if("always", [hold = kind == kTruePredicate, first] { return hold || !first; });
        break;
      case kInputExpression:
        if (!first) {
          factory.run_if("delivered(link_" + std::to_string(i - 1) + ")");
        }
        break;
      case kConfigExpression:
        factory.run_if("1 = 1");
        break;
    }
  }
  return pipeline;
}

void BM_UnstagedChainWithConditions(benchmark::State& state) {
  auto kind = static_cast<ConditionKind>(state.range(0));
  Pipeline pipeline = conditional_chain(kind);
  for (auto _ : state) {
    pipeline.run();
  }
  size_t skipped = pipeline.last_run().skipped().size();
  if (skipped != (kind == kFalsePredicate ? static_cast<size_t>(kFactories) : 0u)) {
    state.SkipWithError("wrong number of skipped factories");
  }
  report(state);
}

// What the expression of kind 2 costs by itself: the engine evaluating
// `delivered(link) ` (a bool column) over one row, as BoundCondition::holds does.
void BM_ConditionExpressionAlone(benchmark::State& state) {
  setl::engine::RowEvaluator evaluator(
      setl::engine::col("delivered(link)"),
      setl::engine::Schema({{"delivered(link)", setl::engine::DataType::boolean()}}));
  std::vector<setl::engine::Scalar> values{setl::engine::Scalar::boolean(true)};
  for (auto _ : state) {
    benchmark::DoNotOptimize(evaluator.evaluate(values));
  }
}

void BM_UnstagedChain(benchmark::State& state) {
  Pipeline pipeline = unstaged_chain();
  for (auto _ : state) {
    pipeline.run();
  }
  if (pipeline.last_run().output<int64_t>("link_" + std::to_string(kFactories - 1)) != kFactories) {
    state.SkipWithError("wrong chain result");
  }
  report(state);
}

void BM_UnstagedFanOut(benchmark::State& state) {
  Pipeline pipeline = unstaged_fan_out();
  pipeline.set_max_concurrency(static_cast<size_t>(state.range(0)));
  for (auto _ : state) {
    pipeline.run();
  }
  if (pipeline.last_run().output<int32_t>("leaf_1") != 1) {
    state.SkipWithError("wrong fan-out result");
  }
  report(state);
}

constexpr int kWideFactories = 16;
constexpr std::chrono::milliseconds kWideWork{20};

class Waits : public Factory<int64_t> {
 public:
  int64_t process() override {
    std::this_thread::sleep_for(kWideWork);
    return 1;
  }
};

void BM_WideDag(benchmark::State& state) {
  Pipeline pipeline("wide");
  for (int i = 0; i < kWideFactories; ++i) {
    pipeline.add<Waits>().set_name("wait_" + std::to_string(i));
  }
  pipeline.set_max_concurrency(static_cast<size_t>(state.range(0)));
  double concurrency = 0;
  double critical_path_ms = 0;
  for (auto _ : state) {
    const setl::workflow::RunResult& result = pipeline.run();
    double busy_ms = 0;
    for (const setl::workflow::FactoryOutcome& outcome : result.factories()) {
      busy_ms +=
          std::chrono::duration<double, std::milli>(outcome.finished - outcome.started).count();
    }
    double wall_ms = std::chrono::duration<double, std::milli>(result.wall()).count();
    concurrency += busy_ms / wall_ms;
    critical_path_ms +=
        std::chrono::duration<double, std::milli>(result.critical_path_time()).count();
  }
  state.counters["concurrency"] =
      benchmark::Counter(concurrency, benchmark::Counter::kAvgIterations);
  state.counters["critical_path_ms"] =
      benchmark::Counter(critical_path_ms, benchmark::Counter::kAvgIterations);
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

// Reads the free input "base" of its instance.
class Start : public Factory<int64_t> {
 public:
  Delivery<int64_t> base{this, {.id = "base"}};
  int64_t process() override { return *base; }
};

Pipeline instance() {
  Pipeline fragment("instance");
  fragment.add<Start>().set_name("link_0");
  for (int i = 1; i < 4; ++i) {
    fragment.add<Link>("link_" + std::to_string(i - 1)).set_name("link_" + std::to_string(i));
  }
  return fragment;
}

void BM_ComposedInstances(benchmark::State& state) {
  constexpr int kGroups = 50;
  constexpr int kPerGroup = kFactories / 4 / kGroups;
  Pipeline pipeline("composed");
  pipeline.set_input<int64_t>(1, {.id = "base"});
  for (int g = 0; g < kGroups; ++g) {
    Pipeline group("group");
    for (int i = 0; i < kPerGroup; ++i) {
      group.include(instance(), {.ns = "i" + std::to_string(i)});
    }
    pipeline.include(std::move(group), {.ns = "g" + std::to_string(g)});
  }
  for (auto _ : state) {
    pipeline.run();
  }
  if (pipeline.last_run().output<int64_t>("g49.i49.link_3") != 4) {
    state.SkipWithError("wrong instance result");
  }
  report(state);
}

BENCHMARK(BM_Chain)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(BM_ComposedInstances)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(BM_ChainWithBenchmarkOn)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(BM_FanOut)
    ->Arg(0)
    ->Arg(1)
    ->ArgName("parallel")
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();

BENCHMARK(BM_UnstagedChain)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(BM_UnstagedChainWithConditions)
    ->ArgName("kind")
    ->DenseRange(0, 3)
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();
BENCHMARK(BM_ConditionExpressionAlone)->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_UnstagedFanOut)
    ->Arg(1)
    ->Arg(2)
    ->ArgName("threads")
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();
BENCHMARK(BM_WideDag)
    ->RangeMultiplier(2)
    ->Range(1, kWideFactories)
    ->ArgName("threads")
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();

BENCHMARK_MAIN();
