// A pipeline run across the ranks of a distributed job: single-rank factories' outputs
// sent from rank 0, the report the ranks exchange after each factory, and how a failure
// on one rank ends the run on all of them.
#include <sstream>

#include "pipeline_run.h"
#include "factory_runner.h"
#include "setl/core/cancellation.h"
#include "setl/core/communicator.h"
#include "setl/core/job_group.h"

namespace setl::workflow::detail {

using Status = FactoryOutcome::Status;

void PipelineRun::check_transfers() const {
  if (!pipeline_.distributed_) {
    return;
  }
  for (const Pipeline::Member& member : pipeline_.members()) {
    const FactoryBase& factory = *member.factory;
    if (factory.single_rank() && !pipeline_.transfer_codecs_->find(factory.output_type())) {
      throw ConfigError("pipeline '" + pipeline_.name() + "': factory '" + factory.name() +
                        "' runs on rank 0 alone (set_single_rank), but its output type " +
                        factory.output_type().name() +
                        " has no transfer codec to reach the other ranks: add one to "
                        "pipeline.transfer_codecs() (tables: setl::add_table_codecs)");
    }
  }
}

void PipelineRun::share_from_rank_zero(FactoryBase& factory, FactoryOutcome& outcome) {
  Communicator& communicator = *pipeline_.distributed_->communicator;
  std::shared_ptr<const CodecBase> codec = pipeline_.transfer_codecs_->find(factory.output_type());
  if (communicator.rank() == 0) {
    std::ostringstream bytes;
    codec->encode_erased(FactoryRunner::payload(factory).get(), bytes);
    communicator.broadcast(bytes.str(), 0);
    return;
  }
  std::istringstream bytes(communicator.broadcast({}, 0));
  FactoryRunner::restore(factory, codec->decode_erased(bytes));
  outcome.timing.factory = factory.name();  // ran on rank 0: nothing timed here
}

void PipelineRun::share_rank_reports(size_t m) {
  Communicator& communicator = *pipeline_.distributed_->communicator;
  const int me = communicator.rank();
  RankReport mine{rank_events_->take(), std::nullopt};
  if (outcomes_[m].status == Status::kRan && (me == 0 || !plan_[m].factory->single_rank())) {
    mine.factory = outcomes_[m].timing;
  }
  std::vector<std::string> sent = communicator.all_gather(encode_rank_report(mine));
  std::vector<JobEvent> forwarded;
  for (size_t rank = 0; rank < sent.size(); ++rank) {
    bool own = static_cast<int>(rank) == me;
    // Its own figures it has; its own events reached its sinks as they happened.
    RankReport report =
        own ? RankReport{{}, mine.factory} : decode_rank_report(sent[rank], static_cast<int>(rank));
    if (report.factory) {
      rank_benchmarks_[rank].factories.push_back(std::move(*report.factory));
    }
    if (me == 0 && !own) {
      forwarded.insert(forwarded.end(), report.events.begin(), report.events.end());
    }
  }
  forward_job_events(forwarded);
}

void PipelineRun::end_distributed_run(const FactoryBase& factory, const char* what,
                                      const std::exception& error) {
  if (!pipeline_.distributed_) {
    return;
  }
  Communicator& communicator = *pipeline_.distributed_->communicator;
  std::string message =
      communicator.describe() + ": factory '" + factory.name() + "' " + what + ": " + error.what();
  if (dynamic_cast<const CancelledError*>(&error) != nullptr) {
    // Every rank stops with CancelledError at its next collective, where this rank meets
    // it, and cancels its own run of the factory (whose group has ended here): the run
    // ends cancelled everywhere, and nobody is left waiting.
    std::optional<JobGroupInfo> around = current_job_group();
    communicator.stop_together(message, around ? around->path + "/" + factory.name() : "");
    return;
  }
  // The other ranks may be waiting for this one in an exchange, where nothing but an abort
  // reaches them: the run ends everywhere.
  communicator.abort(message, 1);
}

}  // namespace setl::workflow::detail
