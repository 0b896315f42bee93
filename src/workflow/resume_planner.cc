// Resuming a journaled run (RunPlanner::resume): which members' earlier results stand.
#include <algorithm>

#include "run_planner.h"

namespace setl::workflow::detail {
namespace {

using Action = PlannedFactory::Action;

std::string run_of(const JournaledRun& before, const JournaledFactory& factory) {
  return factory.from_run.empty() ? before.run_id : factory.from_run;
}

}  // namespace

std::vector<std::string> RunPlanner::resume(const JournaledRun& before,
                                            std::vector<PlannedFactory>& plan) const {
  std::vector<std::string> notes;
  auto succeeded = [&](size_t m) {
    const JournaledFactory* then = before.find(plan[m].factory->name());
    return then != nullptr && then->state == JournalState::kSucceeded &&
           then->parts.key == plan[m].identity.key;
  };
  for (size_t node : dag_.order) {
    size_t m = node - first_factory_;
    PlannedFactory& planned = plan[m];
    const std::string& name = planned.factory->name();
    const JournaledFactory* then = before.find(name);
    bool restorable = planned.action == Action::kRestore;
    if ((planned.action != Action::kRun && !restorable) || then == nullptr ||
        then->state != JournalState::kSucceeded) {
      continue;
    }
    if (then->parts.key != planned.identity.key) {
      notes.push_back("'" + name + "' changed since run " + before.run_id + " (" +
                      explain_miss(planned.identity, then->parts) + "): it runs again");
      continue;
    }
    // An upstream that did not succeed then (an optional input that arrived empty, say)
    // may give it something else now.
    auto unsettled = std::find_if(planned.dependencies.begin(), planned.dependencies.end(),
                                  [&](size_t dependency) { return !succeeded(dependency); });
    if (unsettled != planned.dependencies.end()) {
      notes.push_back("'" + name + "' runs again: its upstream '" +
                      plan[*unsettled].factory->name() + "' did not succeed in run " +
                      before.run_id);
      continue;
    }
    // Even a cached output is not loaded for nothing.
    planned.action = Action::kResumed;
    planned.resumed_over = restorable ? Action::kRestore : Action::kRun;
    planned.from_run = run_of(before, *then);
  }
  // A member that runs reads its producers' outputs; a resumed producer's output is in no
  // memory now, so it runs again (and then so may its own producers).
  for (bool changed = true; changed;) {
    changed = false;
    for (size_t node : dag_.order) {
      size_t m = node - first_factory_;
      if (plan[m].action != Action::kRun && plan[m].action != Action::kDecideLater) {
        continue;
      }
      for (const DagInput& input : dag_.nodes[plan[m].node].inputs) {
        if (!input.source || *input.source < first_factory_ || input.write_only) {
          continue;
        }
        PlannedFactory& producer = plan[*input.source - first_factory_];
        if (producer.action == Action::kResumed) {
          producer.action = producer.resumed_over;
          producer.from_run.clear();
          changed = true;
          if (producer.action == Action::kRestore) {
            continue;
          }
          notes.push_back("'" + producer.factory->name() + "' runs again: '" +
                          plan[m].factory->name() +
                          "' reads its output, which is kept only in memory (give it a disk "
                          "cache policy to reuse it)");
        }
      }
    }
  }
  return notes;
}

}  // namespace setl::workflow::detail
