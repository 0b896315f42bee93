#include "factory_runner.h"

#include <chrono>
#include <exception>
#include <random>

#include <fmt/format.h>

#include "phase_runner.h"
#include "setl/core/error.h"
#include "setl/core/job_group.h"
#include "setl/core/log.h"
#include "setl/core/memory.h"
#include "setl/core/parallel.h"
#include "setl/core/trace.h"

namespace setl::workflow::detail {
namespace {

using Clock = std::chrono::steady_clock;

std::string phase_name(FactoryPhase phase) {
  return std::string(to_string(phase)) + "()";
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

namespace {

/// The most specific policy for `phase`: the factory's, the stage's, the pipeline's, or
/// the default.
PhaseSettings phase_settings(FactoryPhase phase, const FactoryBase& factory,
                             const FactoryRunOptions& options) {
  PhaseSettings settings{
      .phase = phase, .policy = &default_retry_policy(phase), .budget = options.budget};
  bool policy_found = false;
  bool timeout_found = false;
  for (const FailurePolicies* level :
       {&factory.failure_policies(), options.stage_policies, options.pipeline_policies}) {
    if (level == nullptr) {
      continue;
    }
    if (const RetryPolicy* policy = level->retry_for(phase); !policy_found && policy != nullptr) {
      settings.policy = policy;
      policy_found = true;
    }
    if (auto limit = level->timeout_for(phase); !timeout_found && limit) {
      settings.timeout = limit;
      timeout_found = true;
    }
  }
  return settings;
}

}  // namespace

FactoryBenchmark FactoryRunner::run(FactoryBase& factory, const FactoryRunOptions& options) {
  LogScope log_scope(options.scope);
  JobGroup group(factory.name(), options.description, job_tags(factory), "factory");
  MemoryContext context = options.memory;
  context.owner = factory.name();
  if (factory.max_memory() > 0) {
    context.budget = memory::MemoryBudget::create_child(factory.max_memory(), options.memory.budget,
                                                        "factory '" + factory.name() + "'");
  }
  context.counters = std::make_shared<MemoryCounters>();
  MemoryContextScope memory_scope(context);
  std::optional<engine::DistributedScope> distributed_scope;
  if (options.distributed != nullptr) {
    distributed_scope.emplace(options.local_queries ? engine::DistributedContext{}
                                                    : *options.distributed);
  }
  FactoryBenchmark timing;
  timing.factory = factory.name();
  timing.ns = factory.namespace_path();
  FactoryPhase phase = FactoryPhase::kRead;
  bool should_write = factory.writable() && options.stage_writable &&
                      (options.distributed == nullptr || factory.writes_on_every_rank() ||
                       options.distributed->communicator->rank() == 0);
  factory.reset_output();
  factory.used_context_resources_.store(false, std::memory_order_relaxed);
  RunningFactoryScope running(&factory);
  std::shared_ptr<TraceRecorder> trace = current_trace();
  TraceScope factory_span(trace, "factory", factory.name());
  static const RetryEnvironment kRealEnvironment;
  const RetryEnvironment& environment =
      options.environment != nullptr ? *options.environment : kRealEnvironment;
  std::mt19937_64 random(environment.seed ^ std::hash<std::string>{}(factory.name()));
  std::vector<Attempt> attempts;
  auto run_one = [&](FactoryPhase which, const std::function<void()>& body) {
    TraceScope span(trace, "factory", factory.name() + "." + std::string(to_string(which)) + "()");
    run_phase(
        phase_settings(which, factory, options), environment, random, group.token(), body,
        [&](const Attempt& failed) {
          std::string detail = fmt::format(
              "factory '{}' {}() attempt {} failed ({}): {}{}", factory.name(), to_string(which),
              failed.number, to_string(failed.category), failed.message,
              failed.delay.count() > 0
                  ? fmt::format(
                        "; retrying in {} ms",
                        std::chrono::duration_cast<std::chrono::milliseconds>(failed.delay).count())
                  : std::string());
          log::warn("{}", detail);
          group.report(JobEventKind::kAttemptFailed, detail);
        },
        attempts);
  };
  auto publish_attempts = [&] {
    if (options.attempts != nullptr) {
      options.attempts->insert(options.attempts->end(), attempts.begin(), attempts.end());
    }
  };
  try {
    log::debug("start");
    Clock::time_point start = options.measure ? Clock::now() : Clock::time_point();
    run_one(FactoryPhase::kRead, [&] { factory.read(); });
    Clock::time_point after_read = options.measure ? Clock::now() : start;
    phase = FactoryPhase::kProcess;
    run_one(FactoryPhase::kProcess, [&] {
      factory.reset_output();
      factory.run_process();
    });
    Clock::time_point after_process = options.measure ? Clock::now() : start;
    phase = FactoryPhase::kWrite;
    if (should_write) {
      run_one(FactoryPhase::kWrite, [&] { factory.write(); });
      timing.wrote = true;
    }
    if (options.measure) {
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
    factory_span.arg("stage", options.stage_name);
    factory_span.arg("rows", std::to_string(info.rows));
    factory_span.arg("cpu_ms", fmt::format("{:.3f}", static_cast<double>(info.cpu_nanos) / 1e6));
    factory_span.arg("peak_memory", memory::format_bytes(info.peak_memory_bytes));
  } catch (Error& error) {
    publish_attempts();
    group.set_failure(error.message());
    error.add_context("in factory '" + factory.name() + "' (" + options.stage_name + ") during " +
                      phase_name(phase));
    log::error("failed during {}: {}", phase_name(phase), error.message());
    throw;
  } catch (const std::exception& error) {
    publish_attempts();
    group.set_failure(error.what());
    log::error("failed during {}: {}", phase_name(phase), error.what());
    std::throw_with_nested(FactoryError("factory '" + factory.name() + "' (" + options.stage_name +
                                        ") failed during " + phase_name(phase) + ": " +
                                        error.what()));
  } catch (...) {
    publish_attempts();
    log::error("failed during {} with a non-standard exception", phase_name(phase));
    std::throw_with_nested(FactoryError("factory '" + factory.name() + "' (" + options.stage_name +
                                        ") failed during " + phase_name(phase) +
                                        " with an exception not derived from std::exception"));
  }
  publish_attempts();
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
