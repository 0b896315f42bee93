// The run journal's side of a pipeline run (see setl/workflow/run_journal.h).
#include "pipeline_run.h"

namespace setl::workflow::detail {
namespace {

using Action = PlannedFactory::Action;
using Status = FactoryOutcome::Status;

std::optional<JournalState> journal_state(const FactoryOutcome& outcome) {
  switch (outcome.status) {
    case Status::kRan:
    case Status::kCached:
    case Status::kResumed:
      return JournalState::kSucceeded;
    case Status::kFailed:
      return JournalState::kFailed;
    case Status::kCancelled:
      return JournalState::kCancelled;
    case Status::kSkipped:
      return JournalState::kSkipped;
    case Status::kNotNeeded:
    case Status::kNotRun:
      break;
  }
  return std::nullopt;
}

}  // namespace

void PipelineRun::plan_journal(const Pipeline::RunOptions& options, const JournaledRun* resuming) {
  if (pipeline_.journal().empty() && resuming == nullptr) {
    return;
  }
  planner_.identify(plan_, versions_);
  if (resuming != nullptr) {
    resumed_from_ = resuming->run_id;
    resume_notes_ = planner_.resume(*resuming, plan_);
  }
  if (pipeline_.journal().empty()) {
    return;
  }
  JournaledRun header;
  header.run_id = RunJournal::new_run_id(pipeline_.name());
  header.pipeline = pipeline_.name();
  header.resumes = resumed_from_;
  header.targets = options.targets;
  std::string plan_text;
  const Dag& dag = inspector_.dag();
  for (size_t node : dag.order) {
    const PlannedFactory& planned = plan_[node - planner_.first_factory()];
    if (planned.action == Action::kSkip) {
      continue;
    }
    JournaledFactory factory{.factory = planned.factory->name(), .parts = planned.identity};
    for (const DagInput& input : dag.nodes[planned.node].inputs) {
      if (input.write_only && input.source) {
        factory.outputs.push_back(dag.nodes[*input.source].name);
      }
    }
    plan_text += factory.factory + '\x1f' + factory.parts.key + '\x1e';
    header.factories.push_back(std::move(factory));
  }
  header.plan_hash = stable_hash(plan_text);
  journal_ = std::make_unique<JournalWriter>(pipeline_.journal(), header);
  run_id_ = header.run_id;
}

void PipelineRun::journal_outcome(size_t m) {
  if (!journal_) {
    return;
  }
  const FactoryOutcome& outcome = outcomes_[m];
  std::optional<JournalState> state = journal_state(outcome);
  if (!state) {
    return;
  }
  JournaledFactory record{.factory = outcome.factory,
                          .state = *state,
                          .parts = plan_[m].identity,
                          .attempts = static_cast<int64_t>(outcome.attempts.size()),
                          .error = outcome.error,
                          .from_run = plan_[m].from_run};
  journal_->finished(record);
}

void PipelineRun::journal_end(RunResult& result) {
  result.run_id_ = run_id_;
  result.resumed_from_ = resumed_from_;
  result.resume_notes_ = resume_notes_;
  if (!resumed_from_.empty() && result.executed().empty() && resume_notes_.empty() && result.ok_) {
    result.resume_notes_.push_back("run " + resumed_from_ +
                                   " had succeeded and nothing changed: nothing to resume");
  }
  if (journal_) {
    journal_->end(result.ok_);
  }
}

}  // namespace setl::workflow::detail
