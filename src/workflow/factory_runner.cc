#include "factory_runner.h"

#include <chrono>
#include <exception>

#include <fmt/format.h>

#include "setl/core/error.h"
#include "setl/core/job_group.h"
#include "setl/core/log.h"
#include "setl/core/memory.h"
#include "setl/core/parallel.h"
#include "setl/core/trace.h"

namespace setl::workflow::detail {
namespace {

using Clock = std::chrono::steady_clock;

enum class Phase { kRead, kProcess, kWrite };

const char* phase_name(Phase phase) {
  switch (phase) {
    case Phase::kRead:
      return "read()";
    case Phase::kProcess:
      return "process()";
    case Phase::kWrite:
      return "write()";
  }
  return "?";
}

thread_local FactoryBase* running_factory = nullptr;

// Makes `factory` the one whose context() lookups are noted on this thread.
class RunningFactoryScope {
 public:
  explicit RunningFactoryScope(FactoryBase* factory) : previous_(running_factory) {
    running_factory = factory;
  }
  ~RunningFactoryScope() { running_factory = previous_; }
  RunningFactoryScope(const RunningFactoryScope&) = delete;
  RunningFactoryScope& operator=(const RunningFactoryScope&) = delete;

 private:
  FactoryBase* previous_;
};

// A factory's job group carries "namespace:eu" and "namespace:eu.orders" for a factory of
// namespace eu.orders, so that a whole namespace can be observed or cancelled by tag.
std::vector<std::string> job_tags(const FactoryBase& factory) {
  std::vector<std::string> tags = factory.tags();
  const std::string& ns = factory.namespace_path();
  for (size_t end = ns.find('.'); !ns.empty(); end = ns.find('.', end + 1)) {
    tags.push_back("namespace:" + ns.substr(0, end));
    if (end == std::string::npos) {
      break;
    }
  }
  return tags;
}

}  // namespace

std::string FactoryRunner::key_parameters(const FactoryBase& factory) {
  std::string text = factory.cache_parameters();
  for (const auto& [name, value] : factory.params()) {
    text += (text.empty() ? "" : "; ") + name + "=" + value;
  }
  if (!factory.component_.empty()) {
    text += (text.empty() ? "" : "; ") + std::string("component=") + factory.component_;
  }
  if (factory.took_over_name_) {
    text +=
        (text.empty() ? "" : "; ") + std::string("class=") + unqualified_type_name(typeid(factory));
  }
  return text;
}

void note_context_resource_access() noexcept {
  if (running_factory != nullptr) {
    FactoryRunner::mark_context_use(*running_factory);
  }
}

FactoryBenchmark FactoryRunner::run(FactoryBase& factory, const std::string& stage_name,
                                    bool stage_writable, bool measure, const std::string& scope,
                                    const MemoryContext& memory) {
  LogScope log_scope(scope);
  JobGroup group(factory.name(), "factory run", job_tags(factory), "factory");
  MemoryContext context = memory;
  context.owner = factory.name();
  if (factory.max_memory() > 0) {
    context.budget = memory::MemoryBudget::create_child(factory.max_memory(), memory.budget,
                                                        "factory '" + factory.name() + "'");
  }
  context.counters = std::make_shared<MemoryCounters>();
  MemoryContextScope memory_scope(context);
  FactoryBenchmark timing;
  timing.factory = factory.name();
  timing.ns = factory.namespace_path();
  Phase phase = Phase::kRead;
  bool should_write = factory.writable() && stage_writable;
  factory.reset_output();
  factory.used_context_resources_.store(false, std::memory_order_relaxed);
  RunningFactoryScope running(&factory);
  std::shared_ptr<TraceRecorder> trace = current_trace();
  TraceScope factory_span(trace, "factory", factory.name());
  try {
    log::debug("start");
    Clock::time_point start = measure ? Clock::now() : Clock::time_point();
    {
      TraceScope span(trace, "factory", factory.name() + ".read()");
      factory.read();
    }
    Clock::time_point after_read = measure ? Clock::now() : start;
    phase = Phase::kProcess;
    {
      TraceScope span(trace, "factory", factory.name() + ".process()");
      factory.run_process();
    }
    Clock::time_point after_process = measure ? Clock::now() : start;
    phase = Phase::kWrite;
    if (should_write) {
      TraceScope span(trace, "factory", factory.name() + ".write()");
      factory.write();
      timing.wrote = true;
    }
    if (measure) {
      Clock::time_point end = Clock::now();
      timing.read = after_read - start;
      timing.process = after_process - after_read;
      timing.write = end - after_process;
      timing.total = end - start;
    }
    log::debug("done{}", should_write ? "" : " (write skipped: not writable)");
    JobGroupInfo info = group.info();
    timing.peak_memory_bytes = info.peak_memory_bytes;
    timing.rows = info.rows;
    timing.bytes = info.bytes;
    timing.cpu = Duration(info.cpu_nanos);
    timing.spilled_bytes = context.counters->spilled_bytes.load();
    factory_span.arg("stage", stage_name);
    factory_span.arg("rows", std::to_string(info.rows));
    factory_span.arg("cpu_ms", fmt::format("{:.3f}", static_cast<double>(info.cpu_nanos) / 1e6));
    factory_span.arg("peak_memory", memory::format_bytes(info.peak_memory_bytes));
  } catch (Error& error) {
    group.set_failure(error.message());
    error.add_context("in factory '" + factory.name() + "' (" + stage_name + ") during " +
                      phase_name(phase));
    log::error("failed during {}: {}", phase_name(phase), error.message());
    throw;
  } catch (const std::exception& error) {
    group.set_failure(error.what());
    log::error("failed during {}: {}", phase_name(phase), error.what());
    std::throw_with_nested(FactoryError("factory '" + factory.name() + "' (" + stage_name +
                                        ") failed during " + phase_name(phase) + ": " +
                                        error.what()));
  } catch (...) {
    log::error("failed during {} with a non-standard exception", phase_name(phase));
    std::throw_with_nested(FactoryError("factory '" + factory.name() + "' (" + stage_name +
                                        ") failed during " + phase_name(phase) +
                                        " with an exception not derived from std::exception"));
  }
  return timing;
}

void run_stage_members(const std::string& stage_name, bool parallel, size_t max_threads,
                       size_t count, const std::function<std::string(size_t)>& name,
                       const std::function<void(size_t)>& run_member) {
  if (count == 0) {
    return;
  }
  JobGroup group(stage_name, parallel ? "parallel stage" : "stage", {}, "stage");
  TraceScope span(current_trace(), "stage", stage_name);
  auto run_one = [&](size_t k) {
    try {
      run_member(k);
    } catch (const CancelledError&) {
      throw;
    } catch (const std::exception& error) {
      group.token().cancel("factory '" + name(k) + "' failed: " + error.what());
      throw;
    }
  };
  if (parallel && count > 1) {
    run_parallel(count, max_threads, run_one);
  } else {
    for (size_t k = 0; k < count; ++k) {
      run_one(k);
    }
  }
}

}  // namespace setl::workflow::detail
