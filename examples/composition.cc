// Composition in C++: a template instantiated under namespaces, the >> operator, an
// extension with its diff, and a versioned component from the library — the same
// components a plugin offers to `setl run examples/composed.pipeline.yaml`.
//
//   composition
#include <iostream>

#include "numbers_components.h"

using namespace setl::workflow;

int main() {
  Registry registry;
  numbers::register_all(registry);

  Pipeline daily("daily");
  registry.instantiate(daily, "numbers/ingest", "^1", setl::Config::from_yaml("count: 3"),
                       {.ns = "eu", .outputs = {{"Total", "first"}}});
  registry.instantiate(daily, "numbers/ingest", "1.0",
                       setl::Config::from_yaml("count: 4\nfactor: 10"),
                       {.ns = "us", .outputs = {{"Total", "second"}}});
  daily.add<numbers::Combine>();
  daily.set_benchmark(true);
  RunResult result = daily.run();
  std::cout << "== composed ==\n" << daily.describe() << "\n" << result.summary();
  std::cout << "Combine = " << result.output<int64_t>("Combine") << "\n";
  for (const NamespaceBenchmark& sum : daily.benchmark().namespaces()) {
    std::cout << "namespace " << sum.ns << ": " << sum.factories << " factories\n";
  }

  // The same chain with >>: free inputs bind to the latest producer of their type and id.
  auto one = [](auto factory) {
    Pipeline fragment("step");
    fragment.add(std::move(factory));
    return fragment;
  };
  Pipeline chained =
      one(std::make_unique<numbers::Generate>(setl::Config::from_yaml("count: 5"))) >>
      one(std::make_unique<numbers::Scale>(setl::Config::from_yaml("factor: 2"))) >>
      one(std::make_unique<numbers::Total>());
  std::cout << "\n== chained ==\nTotal = " << chained.run().output<int64_t>("Total") << "\n";

  // Extension: the component with a larger factor; diff() says what changed.
  Pipeline base = registry.build("numbers/ingest", "1.0.0", setl::Config());
  Pipeline derived = registry.build("numbers/ingest", "1.0.0", setl::Config());
  derived.with_params("Scale", {{"factor", "3"}});
  std::cout << "\n== diff ==\n" << diff(base, derived).to_string();
  std::cout << "Total " << base.run().output<int64_t>("Total") << " -> "
            << derived.run().output<int64_t>("Total") << "\n";
}
