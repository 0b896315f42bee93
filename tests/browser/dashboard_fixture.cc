// A pipeline to watch from the dashboard: "Prepare" is served from the result cache (a
// warm-up run filled it), "Optional" is skipped by its condition, two factories run in the
// namespace eu.orders, a factory named to inject markup runs after Prepare, and "Slow" runs
// until the run is cancelled (or a minute passes).
// Prints "URL TOKEN" once the monitor listens, runs the pipeline, then keeps serving until
// its standard input closes, so the page can show how the run ended.
// Usage: dashboard_fixture [--chain N]
#include <chrono>
#include <cstdlib>
#include <iostream>
#include <string>
#include <thread>
#include <utility>

#include "setl/core/cancellation.h"
#include "setl/core/error.h"
#include "setl/monitor/http_server.h"
#include "setl/workflow/composition.h"
#include "setl/workflow/pipeline.h"

namespace {

class Prepare : public setl::workflow::Factory<int64_t> {
 public:
  int64_t process() override { return 41; }
};

class Named : public setl::workflow::Factory<std::string> {
 public:
  explicit Named(std::string producer) : number{this, {.producer = std::move(producer)}} {}
  setl::workflow::Delivery<int64_t> number;
  std::string process() override { return std::to_string(*number + 1); }
};

// Adds one to the output of the previous link, named by its producer (the overhead
// benchmark's chain).
class Link : public setl::workflow::Factory<int64_t> {
 public:
  explicit Link(std::string previous) : previous_value{this, {.producer = std::move(previous)}} {}
  setl::workflow::Delivery<int64_t> previous_value;
  int64_t process() override { return *previous_value + 1; }
};

class Optional : public setl::workflow::Factory<int64_t> {
 public:
  int64_t process() override { return 0; }
};

class Slow : public setl::workflow::Factory<double> {
 public:
  setl::workflow::Delivery<std::string> text{this};
  double process() override {
    auto deadline = std::chrono::steady_clock::now() + std::chrono::minutes(1);
    while (std::chrono::steady_clock::now() < deadline) {
      setl::current_cancellation().check();  // the page's cancel ends it here
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    throw setl::StateError("nobody cancelled Slow within a minute");
  }
};

}  // namespace

int main(int argc, char** argv) {
  // --chain N: N more factories in a chain (one stage each) between Prepare and the
  // factory named with markup, for the dashboard's large-pipeline check.
  int chain = argc == 3 && std::string(argv[1]) == "--chain" ? std::atoi(argv[2]) : 0;
  setl::monitor::MonitorServer server("127.0.0.1", 0);
  auto cache = std::make_shared<setl::workflow::ResultCache>();
  const setl::workflow::CachePolicy cached{.mode = setl::workflow::CacheMode::kMemory};
  setl::workflow::Pipeline warm_up("warm-up");
  warm_up.set_cache(cache);
  warm_up.add_factory<Prepare>().set_reads_only_deliveries().set_cache_policy(cached);
  warm_up.run();
  setl::workflow::Pipeline pipeline("dashboard");
  pipeline.set_cache(cache);
  pipeline.add_factory<Prepare>().set_reads_only_deliveries().set_cache_policy(cached);
  pipeline.add_factory<Optional>().run_if("never", [] { return false; });
  setl::workflow::Pipeline regional("regional");  // drawn inside its namespace's box
  setl::workflow::Stage& counts = regional.add_stage();
  counts.add_factory<Optional>().set_name("Counts");
  counts.add_factory<Optional>().set_name("Totals");
  pipeline.include(std::move(regional), {.ns = "eu.orders"});
  std::string previous = "Prepare";
  for (int i = 0; i < chain; ++i) {
    std::string name = "link_" + std::to_string(i);
    pipeline.add_factory<Link>(previous).set_name(name);
    previous = name;
  }
  pipeline.add_factory<Named>(previous).set_name("<img src=x onerror=alert(1)>");
  pipeline.add_factory<Slow>();
  server.show(pipeline.dag());
  std::cout << server.url() << " " << server.token() << std::endl;
  std::string outcome = "succeeded";
  try {
    pipeline.run();
  } catch (const setl::CancelledError&) {
    outcome = "cancelled";
  } catch (const setl::Error& error) {
    outcome = std::string("failed: ") + error.what();
  }
  std::cout << "run " << outcome << std::endl;
  for (std::string line; std::getline(std::cin, line);) {
  }
  return outcome == "cancelled" ? 0 : 1;
}
