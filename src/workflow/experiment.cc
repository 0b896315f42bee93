#include "setl/workflow/experiment.h"

#include <chrono>
#include <cstdio>

#include "setl/core/error.h"
#include "setl/workflow/setl.h"
#include "setl/workflow/split.h"

namespace setl::workflow {
namespace {

uint64_t mix(uint64_t value) {  // splitmix64's finaliser: a well-spread draw from a counter
  value += 0x9e3779b97f4a7c15ULL;
  value = (value ^ (value >> 30)) * 0xbf58476d1ce4e5b9ULL;
  value = (value ^ (value >> 27)) * 0x94d049bb133111ebULL;
  return value ^ (value >> 31);
}

std::string milliseconds(Duration duration) {
  char text[32];
  std::snprintf(text, sizeof(text), "%.3f ms",
                std::chrono::duration<double, std::milli>(duration).count());
  return text;
}

}  // namespace

std::string ExperimentOutcome::to_string() const {
  std::string text = "experiment '" + name + "': ";
  if (!candidate_error.empty()) {
    text += "candidate '" + candidate + "' failed: " + candidate_error;
  } else if (!candidate_ran) {
    text += "candidate '" + candidate + "' did not run: " + candidate_skipped;
  } else if (!comparator_error.empty()) {
    text += "the comparator failed: " + comparator_error;
  } else {
    text += std::to_string(mismatches.count) + " mismatch(es)";
  }
  text += "; control " + milliseconds(control_time);
  if (candidate_ran || !candidate_error.empty()) {
    text += ", candidate " + milliseconds(candidate_time);
  }
  return text;
}

ExperimentBase::ExperimentBase(std::string name) : name_(std::move(name)) {
  if (name_.empty()) {
    throw ConfigError("an experiment needs a name");
  }
}

ExperimentBase::~ExperimentBase() = default;

void ExperimentBase::set_control(std::unique_ptr<FactoryBase> control) {
  if (control_) {
    throw StateError("experiment '" + name_ + "' has a control already ('" + control_->name() +
                     "')");
  }
  control->name();  // fixes the default name now, before threads read it
  control_ = std::move(control);
}

void ExperimentBase::set_candidate(std::unique_ptr<FactoryBase> candidate) {
  if (!control_) {
    throw StateError("experiment '" + name_ +
                     "': add the control before the candidate (the candidate runs after it)");
  }
  if (candidate_) {
    throw StateError("experiment '" + name_ + "' has a candidate already ('" + candidate_->name() +
                     "')");
  }
  candidate->name();
  // Nobody asks for this id: the output reaches no consumer, only the comparator.
  candidate->set_delivery_id("experiment." + name_ + ".candidate");
  candidate->depends_on(control_->name());
  FactoryBase* raw = candidate.get();
  candidate->run_if("experiment '" + name_ + "' is enabled and sampled",
                    [this, raw] { return candidate_runs(*raw); });
  candidate_ = std::move(candidate);
}

ExperimentBase& ExperimentBase::sample_percent(double percent, uint64_t seed) {
  if (!(percent >= 0 && percent <= 100)) {
    throw ConfigError("experiment '" + name_ + "': sample_percent must be in [0, 100], got " +
                      std::to_string(percent));
  }
  percent_ = percent;
  seed_ = seed;
  return *this;
}

ExperimentBase& ExperimentBase::sample_by_key(std::function<std::string()> key, double percent) {
  if (!key) {
    throw ConfigError("experiment '" + name_ + "': sample_by_key needs a key function");
  }
  sample_percent(percent);
  sample_key_ = std::move(key);
  return *this;
}

ExperimentBase& ExperimentBase::publish(std::function<void(const ExperimentOutcome&)> sink) {
  sink_ = std::move(sink);
  return *this;
}

bool ExperimentBase::candidate_runs(const FactoryBase& candidate) {
  if (candidate.has_context()) {
    const Config& config = candidate.context().config();
    if (config.has(enabled_key()) && !config.get_bool(enabled_key())) {
      return false;
    }
  }
  uint64_t run = runs_.fetch_add(1, std::memory_order_relaxed);
  if (percent_ >= 100) {
    return true;
  }
  if (sample_key_) {  // in for the first `percent_` of the hash space, out for the rest
    std::vector<SplitVariant> in_out{{"in", percent_ / 100}, {"out", 1 - percent_ / 100}};
    return percent_ > 0 && split_variant(name_, sample_key_(), in_out) == 0;
  }
  uint64_t draw = mix(seed_ ^ mix(std::hash<std::string>{}(name_) + run)) % 10'000;
  return static_cast<double>(draw) < percent_ * 100;
}

}  // namespace setl::workflow
