// The experiments of one run: which members are candidates, the comparison made when a
// candidate has run (on its own thread, right after it), and the outcomes assembled and
// published when the run ends.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "run_planner.h"
#include "setl/workflow/experiment.h"
#include "setl/workflow/run_result.h"

namespace setl::workflow::detail {

class ExperimentRuns {
 public:
  ExperimentRuns(const std::vector<std::unique_ptr<ExperimentBase>>& experiments,
                 const std::vector<Pipeline::Member>& members);

  bool is_candidate(size_t m) const { return experiment_of_candidate(m).has_value(); }
  /// Compares the candidate member `m`'s output with its control's (both ran).
  void compare(size_t m);
  /// One outcome per experiment from the members' outcomes; each is published.
  std::vector<ExperimentOutcome> finish(const std::string& pipeline,
                                        const std::vector<FactoryOutcome>& outcomes);

 private:
  struct Run {
    const ExperimentBase* experiment = nullptr;
    std::optional<size_t> control;  // member indices (absent: not in this run's members)
    std::optional<size_t> candidate;
    bool compared = false;
    Mismatches mismatches;
    std::string comparator_error;
  };
  std::optional<size_t> experiment_of_candidate(size_t m) const;

  std::vector<Run> runs_;
};

}  // namespace setl::workflow::detail
