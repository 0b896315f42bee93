#include "setl/workflow/stage.h"

#include <chrono>
#include <mutex>

#include "factory_runner.h"
#include "setl/core/error.h"
#include "setl/core/job_group.h"
#include "setl/core/parallel.h"

namespace setl::workflow {

Stage::Stage(std::string name) : name_(std::move(name)) {}
Stage::Stage(Stage&&) noexcept = default;
Stage& Stage::operator=(Stage&&) noexcept = default;
Stage::~Stage() = default;

Stage& Stage::set_parallel(bool parallel, size_t max_threads) noexcept {
  parallel_ = parallel;
  max_threads_ = max_threads;
  return *this;
}

Stage& Stage::set_writable(bool writable) noexcept {
  writable_ = writable;
  return *this;
}

Stage& Stage::set_name(std::string name) {
  name_ = std::move(name);
  return *this;
}

FactoryBase& Stage::factory(size_t index) const {
  if (index >= factories_.size()) {
    throw StateError("stage '" + name_ + "' has " + std::to_string(factories_.size()) +
                     " factories; index " + std::to_string(index) + " is out of range");
  }
  return *factories_[index];
}

void Stage::add_owned(std::unique_ptr<FactoryBase> factory) {
  if (!factory) {
    throw StateError("stage '" + name_ + "': cannot add a null factory");
  }
  factory->name();  // fixes the default name now, before threads read it
  factories_.push_back(std::move(factory));
}

void Stage::run() {
  run_with([](size_t) {}, name_.empty() ? "stage" : name_, true);
}

void Stage::run_with(const std::function<void(size_t)>& prepare, const std::string& scope_prefix,
                     bool measure, const std::vector<bool>& selected) {
  std::vector<size_t> chosen;
  for (size_t index = 0; index < factories_.size(); ++index) {
    if (selected.empty() || selected[index]) {
      chosen.push_back(index);
    }
  }
  std::vector<FactoryBenchmark> timings(chosen.size());
  timings_.clear();
  cancelled_.clear();
  if (chosen.empty()) {
    return;
  }
  std::string stage_name = name_.empty() ? std::string("stage") : name_;
  JobGroup group(stage_name, parallel_ ? "parallel stage" : "stage", {}, "stage");
  std::mutex cancelled_mutex;
  auto run_one = [&](size_t k) {
    size_t index = chosen[k];
    FactoryBase& factory = *factories_[index];
    prepare(index);
    try {
      timings[k] = detail::FactoryRunner::run(factory, stage_name, writable_, measure,
                                              scope_prefix + "/" + factory.name());
    } catch (const CancelledError&) {
      std::lock_guard lock(cancelled_mutex);
      cancelled_.push_back(factory.name());
      throw;
    } catch (const std::exception& error) {
      // The stage fails anyway: stop the siblings before they write.
      group.token().cancel("factory '" + factory.name() + "' failed: " + error.what());
      throw;
    }
  };
  if (parallel_ && chosen.size() > 1) {
    run_parallel(chosen.size(), max_threads_, run_one);
  } else {
    for (size_t k = 0; k < chosen.size(); ++k) {
      run_one(k);
    }
  }
  timings_ = std::move(timings);
}

}  // namespace setl::workflow
