// Prometheus metrics (text exposition format 0.0.4) about job groups: active groups,
// finished groups by kind and outcome, cancellations, and per-factory run durations, rows
// and bytes. The per-factory figures come from a collector that must be registered as an
// event sink before the runs it should count.
#pragma once

#include <map>
#include <mutex>
#include <string>
#include <tuple>

#include "setl/core/job_group.h"

namespace setl::monitor {

class MetricsCollector : public JobEventSink {
 public:
  void on_event(const JobEvent& event) override;
  /// The whole exposition: this collector's factory metrics plus the registry's gauges.
  std::string to_prometheus() const;

 private:
  struct FactoryTotals {
    int64_t runs = 0;
    double seconds = 0;
    int64_t rows = 0;
    int64_t bytes = 0;
  };
  mutable std::mutex mutex_;
  // (pipeline, factory, rank): the rank of events forwarded from another rank of a
  // distributed run (a `rank` label), empty for this process's.
  using FactoryKey = std::tuple<std::string, std::string, std::string>;
  std::map<FactoryKey, FactoryTotals> factories_;
  std::map<std::pair<std::string, std::string>, int64_t> finished_;  // (kind, state)
  int64_t cancel_requests_ = 0;
  int64_t memory_pauses_ = 0;
  int64_t factories_skipped_ = 0;
  int64_t attempts_failed_ = 0;
};

/// Escapes a label value: backslash, double quote and newline.
std::string escape_label(const std::string& value);

}  // namespace setl::monitor
