// Test doubles for retries: a sleeper that advances a ManualClock instead of sleeping,
// and a pipeline whose retries use them.
#pragma once

#include <chrono>
#include <memory>
#include <vector>

#include "setl/core/clock.h"
#include "setl/core/job_group.h"
#include "setl/workflow/pipeline.h"
#include "setl/workflow/retry.h"

namespace setl::workflow {

/// Advances a ManualClock instead of sleeping, and remembers each wait with the number of
/// attempt_failed events that had been sent when it began.
class FakeSleeper : public Sleeper {
 public:
  explicit FakeSleeper(std::shared_ptr<ManualClock> clock) : clock_(std::move(clock)) {}
  void sleep_for(std::chrono::nanoseconds delay, const CancellationToken& token) override {
    token.check();
    delays.push_back(delay);
    events_before_wait.push_back(sink ? count_attempt_events() : 0);
    clock_->advance(delay);
  }
  size_t count_attempt_events() const {
    size_t count = 0;
    for (const JobEvent& event : sink->events()) {
      count += event.kind == JobEventKind::kAttemptFailed ? 1 : 0;
    }
    return count;
  }
  std::vector<std::chrono::nanoseconds> delays;
  std::vector<size_t> events_before_wait;
  std::shared_ptr<MemoryEventSink> sink;

 private:
  std::shared_ptr<ManualClock> clock_;
};

struct Harness {
  std::shared_ptr<ManualClock> clock = std::make_shared<ManualClock>();
  std::shared_ptr<FakeSleeper> sleeper = std::make_shared<FakeSleeper>(clock);
  Pipeline pipeline{"retries"};
  Harness() { pipeline.set_retry_environment({.clock = clock, .sleeper = sleeper, .seed = 7}); }
};

}  // namespace setl::workflow
