// Observing running work: the job-group registry (mechanism in setl/core/job_group.h),
// event sinks, Prometheus metrics, the live progress line and the local HTTP endpoint.
#pragma once

#include <vector>

#include "setl/core/job_group.h"
#include "setl/monitor/event_sinks.h"
#include "setl/monitor/http_server.h"
#include "setl/monitor/metrics.h"
#include "setl/monitor/progress.h"

namespace setl::monitor {

/// Running job groups with start time, elapsed, state, rows and bytes so far and the
/// memory attributed to them, oldest first.
inline std::vector<JobGroupInfo> active_groups() {
  return active_job_groups();
}

}  // namespace setl::monitor
