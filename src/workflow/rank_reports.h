// What each rank of a distributed pipeline run tells the others after every factory
// (private to the workflow layer): the job events of its run since the last report and the
// figures of the factory it just ran. Rank 0 forwards the events to its sinks (logs, the
// events file, metrics), so one place sees the whole job; every rank keeps every rank's
// figures for RunResult::rank_benchmarks().
#pragma once

#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "setl/core/job_group.h"
#include "setl/workflow/benchmark.h"

namespace setl::workflow::detail {

/// Collects the events of one rank's run: its root group and every group opened inside it
/// (events forwarded from other ranks are not its own).
class RankEventCollector : public JobEventSink {
 public:
  explicit RankEventCollector(std::string root_id);
  void on_event(const JobEvent& event) override;
  /// The events collected since the last call.
  std::vector<JobEvent> take();

 private:
  std::mutex mutex_;
  std::set<std::string> ids_;  // the run's groups
  std::vector<JobEvent> events_;
};

struct RankReport {
  std::vector<JobEvent> events;
  std::optional<FactoryBenchmark> factory;  // the factory the rank just ran, if it ran
};

std::string encode_rank_report(const RankReport& report);
/// Decodes what rank `rank` sent: its events get `rank` set and their group ids prefixed
/// "<rank>:". Throws: DistributedError for bytes that are not a report.
RankReport decode_rank_report(std::string_view bytes, int rank);

}  // namespace setl::workflow::detail
