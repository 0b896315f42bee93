// A pipeline to watch from the dashboard: "Prepare" runs at once, a factory named to
// inject markup runs after it, and "Slow" runs until the run is cancelled (or a minute
// passes).
// Prints "URL TOKEN" once the monitor listens, runs the pipeline, then keeps serving until
// its standard input closes, so the page can show how the run ended.
// Usage: dashboard_fixture
#include <chrono>
#include <iostream>
#include <string>
#include <thread>

#include "setl/core/cancellation.h"
#include "setl/core/error.h"
#include "setl/monitor/http_server.h"
#include "setl/workflow/pipeline.h"

namespace {

class Prepare : public setl::workflow::Factory<int64_t> {
 public:
  int64_t process() override { return 41; }
};

class Named : public setl::workflow::Factory<std::string> {
 public:
  setl::workflow::Delivery<int64_t> number{this};
  std::string process() override { return std::to_string(*number + 1); }
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

int main() {
  setl::monitor::MonitorServer server("127.0.0.1", 0);
  setl::workflow::Pipeline pipeline("dashboard");
  pipeline.add_factory<Prepare>();
  pipeline.add_factory<Named>().set_name("<img src=x onerror=alert(1)>");
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
