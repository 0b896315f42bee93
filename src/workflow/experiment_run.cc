#include "experiment_run.h"

#include "setl/core/log.h"

namespace setl::workflow::detail {
namespace {

using Status = FactoryOutcome::Status;

Duration time_of(const FactoryOutcome& outcome) {
  return outcome.status == Status::kRan ? outcome.timing.total : outcome.finished - outcome.started;
}

}  // namespace

ExperimentRuns::ExperimentRuns(const std::vector<std::unique_ptr<ExperimentBase>>& experiments,
                               const std::vector<Pipeline::Member>& members) {
  for (const auto& experiment : experiments) {
    Run& run = runs_.emplace_back();
    run.experiment = experiment.get();
    for (size_t m = 0; m < members.size(); ++m) {
      if (members[m].factory == experiment->control_factory()) {
        run.control = m;
      } else if (members[m].factory == experiment->candidate_factory()) {
        run.candidate = m;
      }
    }
  }
}

std::optional<size_t> ExperimentRuns::experiment_of_candidate(size_t m) const {
  for (size_t e = 0; e < runs_.size(); ++e) {
    if (runs_[e].candidate == m) {
      return e;
    }
  }
  return std::nullopt;
}

void ExperimentRuns::compare(size_t m) {
  Run& run = runs_[*experiment_of_candidate(m)];
  const FactoryBase& control = *run.experiment->control_factory();
  const FactoryBase& candidate = *run.experiment->candidate_factory();
  if (!control.has_output() || !candidate.has_output()) {
    return;  // the control's output was released or restored as nothing: no comparison
  }
  try {
    run.mismatches = run.experiment->compare_outputs(control, candidate);
    run.compared = true;
  } catch (const std::exception& error) {
    run.comparator_error = error.what();
  }
}

std::vector<ExperimentOutcome> ExperimentRuns::finish(const std::string& pipeline,
                                                      const std::vector<FactoryOutcome>& outcomes) {
  std::vector<ExperimentOutcome> result;
  for (const Run& run : runs_) {
    if (!run.control || !run.candidate) {
      continue;  // not part of this run (incomplete experiment)
    }
    const FactoryOutcome& control = outcomes[*run.control];
    const FactoryOutcome& candidate = outcomes[*run.candidate];
    ExperimentOutcome outcome;
    outcome.name = run.experiment->name();
    outcome.control = control.factory;
    outcome.candidate = candidate.factory;
    outcome.candidate_ran = candidate.status == Status::kRan;
    if (candidate.status == Status::kFailed) {
      outcome.candidate_error = candidate.error;
    } else if (!outcome.candidate_ran) {
      outcome.candidate_skipped = candidate.status == Status::kSkipped
                                      ? candidate.skip_reason
                                      : std::string(to_string(candidate.status));
    }
    outcome.comparator_error = run.comparator_error;
    outcome.control_time = time_of(control);
    outcome.candidate_time = time_of(candidate);
    outcome.control_peak_bytes = control.timing.peak_memory_bytes;
    outcome.candidate_peak_bytes = candidate.timing.peak_memory_bytes;
    outcome.compared = run.compared;
    outcome.mismatches = run.mismatches;
    if (const auto& sink = run.experiment->sink()) {
      try {
        sink(outcome);
      } catch (const std::exception& error) {
        log::warn("pipeline '{}': experiment '{}': its sink threw: {}", pipeline, outcome.name,
                  error.what());
      }
    }
    result.push_back(std::move(outcome));
  }
  return result;
}

}  // namespace setl::workflow::detail
