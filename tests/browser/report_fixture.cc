// Writes the run report of a pipeline built to stress it: a factory named to inject markup,
// one that fails with markup in its message, one that succeeds, and one skipped by a
// condition. Usage: report_fixture OUT.html
#include <iostream>

#include "setl/core/error.h"
#include "setl/monitor/run_report.h"
#include "setl/workflow/pipeline.h"

namespace {

class Numbers : public setl::workflow::Factory<int64_t> {
 public:
  int64_t process() override { return 41; }
};

class PlusOne : public setl::workflow::Factory<int64_t> {
 public:
  setl::workflow::Delivery<int64_t> number{this};
  int64_t process() override { return *number + 1; }
};

class Breaks : public setl::workflow::Factory<std::string> {
 public:
  std::string process() override {
    throw setl::IoError("the disk said <script>document.title='pwned'</script>");
  }
};

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::cerr << "usage: report_fixture OUT.html\n";
    return 2;
  }
  setl::workflow::Pipeline pipeline("browser <check>");
  pipeline.add_factory<Numbers>();
  pipeline.add_factory<PlusOne>().set_name("<img src=x onerror=alert(1)>");
  pipeline.add_factory<Breaks>();
  pipeline.set_failure_mode(setl::workflow::Pipeline::FailureMode::kKeepGoing);
  pipeline.set_benchmark(true);
  try {
    pipeline.run();
  } catch (const setl::Error&) {
    // the failure is what the report shows
  }
  setl::monitor::write_run_report(argv[1], pipeline.dag(), pipeline.last_run());
  return 0;
}
