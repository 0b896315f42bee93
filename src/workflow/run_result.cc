#include "setl/workflow/run_result.h"

#include <algorithm>
#include <map>

#include <fmt/format.h>

namespace setl::workflow {
namespace {

double milliseconds(Duration duration) {
  return std::chrono::duration<double, std::milli>(duration).count();
}

}  // namespace

std::string_view to_string(FactoryOutcome::Status status) {
  switch (status) {
    case FactoryOutcome::Status::kRan:
      return "ran";
    case FactoryOutcome::Status::kCached:
      return "cached";
    case FactoryOutcome::Status::kNotNeeded:
      return "not needed";
    case FactoryOutcome::Status::kFailed:
      return "failed";
    case FactoryOutcome::Status::kCancelled:
      return "cancelled";
    case FactoryOutcome::Status::kNotRun:
      return "not run";
    case FactoryOutcome::Status::kSkipped:
      return "skipped";
    case FactoryOutcome::Status::kResumed:
      return "resumed";
  }
  return "?";
}

const FactoryOutcome& RunResult::factory(std::string_view name) const {
  for (const FactoryOutcome& outcome : factories_) {
    if (outcome.factory == name) {
      return outcome;
    }
  }
  throw DeliveryError("run of pipeline '" + pipeline_ + "' has no factory named '" +
                      std::string(name) + "'");
}

std::vector<std::string> RunResult::executed() const {
  std::vector<const FactoryOutcome*> ran;
  for (const FactoryOutcome& outcome : factories_) {
    if (outcome.status == FactoryOutcome::Status::kRan ||
        outcome.status == FactoryOutcome::Status::kFailed ||
        (outcome.status == FactoryOutcome::Status::kCancelled && outcome.timing.total.count())) {
      ran.push_back(&outcome);
    }
  }
  std::stable_sort(ran.begin(), ran.end(), [](const FactoryOutcome* a, const FactoryOutcome* b) {
    return a->started < b->started;
  });
  std::vector<std::string> names;
  for (const FactoryOutcome* outcome : ran) {
    names.push_back(outcome->factory);
  }
  return names;
}

std::vector<std::string> RunResult::with_status(FactoryOutcome::Status status) const {
  std::vector<std::string> names;
  for (const FactoryOutcome& outcome : factories_) {
    if (outcome.status == status) {
      names.push_back(outcome.factory);
    }
  }
  return names;
}

std::vector<std::string> RunResult::cancelled() const {
  return with_status(FactoryOutcome::Status::kCancelled);
}

std::vector<std::string> RunResult::skipped() const {
  return with_status(FactoryOutcome::Status::kSkipped);
}

std::vector<std::string> RunResult::resumed() const {
  return with_status(FactoryOutcome::Status::kResumed);
}

std::vector<CacheDecision> RunResult::cache_report() const {
  std::vector<CacheDecision> report;
  for (const FactoryOutcome& outcome : factories_) {
    report.push_back(outcome.cache);
  }
  return report;
}

int64_t RunResult::output_bytes() const noexcept {
  int64_t total = 0;
  for (const FactoryOutcome& outcome : factories_) {
    total += outcome.output_bytes;
  }
  return total;
}

const RunResult::Output& RunResult::find_output(std::string_view factory,
                                                const TypeInfo& type) const {
  auto found = outputs_.find(factory);
  if (found == outputs_.end()) {
    const FactoryOutcome& outcome = this->factory(factory);  // throws for unknown names
    if (outcome.released) {
      throw StateError("factory '" + outcome.factory +
                       "': its output was released after its last consumer finished "
                       "(memory.release_intermediates); make it a target to keep it");
    }
    throw StateError("factory '" + outcome.factory + "' has no output in this run (" +
                     std::string(to_string(outcome.status)) + ")");
  }
  if (!(*found->second.type == type)) {
    throw DeliveryError("factory '" + std::string(factory) + "' produces " +
                        found->second.type->name() + ", not " + type.name());
  }
  return found->second;
}

std::string RunResult::summary() const {
  size_t width = 7;
  for (const FactoryOutcome& outcome : factories_) {
    width = std::max(width, outcome.factory.size());
  }
  std::string text = fmt::format("run of '{}': {}, {:.3f} ms\n", pipeline_,
                                 ok_ ? "succeeded" : "failed", milliseconds(wall_));
  text += fmt::format("  {:<{}} {:<10} {:<12} {:>10} {:>10}\n", "factory", width, "status", "cache",
                      "start ms", "took ms");
  for (const FactoryOutcome& outcome : factories_) {
    text += fmt::format("  {:<{}} {:<10} {:<12} {:>10.3f} {:>10.3f}\n", outcome.factory, width,
                        to_string(outcome.status), to_string(outcome.cache.outcome),
                        milliseconds(outcome.started),
                        milliseconds(outcome.finished - outcome.started));
    if (!outcome.skip_reason.empty()) {
      text +=
          fmt::format("  {:<{}}   {}: {}\n", "", width,
                      outcome.status == FactoryOutcome::Status::kResumed ? "resumed" : "skipped",
                      outcome.skip_reason);
    }
  }
  if (!run_id_.empty()) {
    text += "  run id: " + run_id_ +
            (resumed_from_.empty() ? std::string() : " (resumes " + resumed_from_ + ")") + "\n";
  }
  for (const std::string& note : resume_notes_) {
    text += "  resume: " + note + "\n";
  }
  for (const PoolStats& pool : pools_) {
    text += fmt::format(
        "  pool {}: {} open ({} idle) of {}, {} opened, {} reused, {} broken, {} "
        "expired, {} waits\n",
        pool.endpoint, pool.open, pool.idle, pool.max_size, pool.created, pool.reused, pool.broken,
        pool.expired, pool.waits);
  }
  for (const BreakerStats& breaker : breakers_) {
    text +=
        fmt::format("  breaker {}: {}, {} calls, {} failed, {} refused\n", breaker.resource,
                    to_string(breaker.state), breaker.calls, breaker.failures, breaker.rejected);
    for (const BreakerTransition& change : breaker.transitions) {
      text += fmt::format("    {} -> {}: {}\n", to_string(change.from), to_string(change.to),
                          change.reason);
    }
  }
  std::string path;
  for (const std::string& name : critical_path_) {
    path += (path.empty() ? "" : " -> ") + name;
  }
  text += fmt::format("  critical path ({:.3f} ms): {}\n", milliseconds(critical_path_time_),
                      path.empty() ? std::string("none") : path);
  std::map<std::string, std::string> components;  // id -> its factories
  for (const FactoryOutcome& outcome : factories_) {
    if (!outcome.component.empty()) {
      std::string& names = components[outcome.component];
      names += (names.empty() ? "" : ", ") + outcome.factory;
    }
  }
  for (const auto& [component, names] : components) {
    text += "  component " + component + ": " + names + "\n";
  }
  return text;
}

}  // namespace setl::workflow
