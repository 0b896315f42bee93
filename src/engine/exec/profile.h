// What explain_analyze() measures per plan node (private to the engine): rows and batches
// the operator produced, time spent in its own code (summed over threads: a sink's
// consume and finish, a transform's apply, a stream's next), and for operators that hold
// state the peak of their own memory reservations. Under a trace (setl/core/trace.h) each
// timed call is also a span, so the trace shows operators thread by thread. The wrappers below
// forward to the operator and count around it.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <string>

#include "engine/exec/sinks.h"
#include "setl/core/memory_budget.h"
#include "setl/core/trace.h"

namespace setl::engine::detail {

struct OperatorProfile {
  std::atomic<int64_t> rows{0};
  std::atomic<int64_t> batches{0};
  std::atomic<int64_t> nanos{0};
  /// The operator's own budget (a child of the query's), for its peak; null: holds none.
  std::shared_ptr<memory::MemoryBudget> budget;
  /// When set, every timed call is also a span named `name` on the calling thread.
  std::shared_ptr<TraceRecorder> trace;
  std::string name;

  /// "rows=1,234 batches=3 time=12.5 ms peak=4.0 MiB" (peak only for stateful operators).
  std::string summary() const;
};

/// Adds the time from construction to destruction to a profile.
class ProfileTimer {
 public:
  explicit ProfileTimer(OperatorProfile& profile)
      : profile_(profile), start_(std::chrono::steady_clock::now()) {}
  ~ProfileTimer() {
    auto end = std::chrono::steady_clock::now();
    profile_.nanos += std::chrono::duration_cast<std::chrono::nanoseconds>(end - start_).count();
    if (profile_.trace) {
      trace_span(end);
    }
  }
  ProfileTimer(const ProfileTimer&) = delete;
  ProfileTimer& operator=(const ProfileTimer&) = delete;

 private:
  void trace_span(std::chrono::steady_clock::time_point end) const noexcept;

  OperatorProfile& profile_;
  std::chrono::steady_clock::time_point start_;
};

/// Forwards to a sink, timing its consume() and finish() (a join's build side).
class TimedSink : public Sink {
 public:
  TimedSink(Sink& inner, OperatorProfile& profile) : inner_(inner), profile_(profile) {}
  void consume(Morsel morsel) override {
    ProfileTimer timer(profile_);
    inner_.consume(std::move(morsel));
  }
  void skip(int64_t sequence) override { inner_.skip(sequence); }
  bool accepts_selection() const override { return inner_.accepts_selection(); }
  bool satisfied() const override { return inner_.satisfied(); }
  void finish() override {
    ProfileTimer timer(profile_);
    inner_.finish();
  }

 private:
  Sink& inner_;
  OperatorProfile& profile_;
};

/// The stream timed into the profile; its batches counted as the profile's output unless
/// `count_output` is false (a later step of the same operator counts).
std::unique_ptr<BatchStream> profiled(std::unique_ptr<BatchStream> stream, OperatorProfile& profile,
                                      bool count_output = true);
/// The transform's apply() timed (and its output counted, unless `count_output` is false).
std::shared_ptr<Transform> profiled(std::shared_ptr<Transform> transform, OperatorProfile& profile,
                                    bool count_output = true);
/// A transform that only counts what passes it into the profile.
std::shared_ptr<Transform> counted(OperatorProfile& profile);
/// The sink's consume() and finish() timed; its output() stream counted.
std::unique_ptr<BreakerSink> profiled(std::unique_ptr<BreakerSink> sink, OperatorProfile& profile);

}  // namespace setl::engine::detail
