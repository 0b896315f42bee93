// Runs work items strictly in sequence order although they arrive from several threads
// in any order (private to the engine): whoever finds the next item ready runs it and
// every ready item after it, one thread at a time. Order-sensitive sinks (aggregation
// merges, spill writes) use it so results do not depend on the thread count.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <string>

#include <oneapi/tbb/task_arena.h>

#include "engine/exec/pipeline.h"
#include "setl/core/error.h"

namespace setl::engine::detail {

template <class Item>
class Sequencer {
 public:
  using Step = std::function<void(int64_t sequence, Item& item)>;

  explicit Sequencer(Step step) : step_(std::move(step)) {}

  /// Item `sequence` (std::nullopt: a gap, nothing to run). Runs what is ready; a step's
  /// exception propagates to the caller whose item it was running and stops all later
  /// steps.
  void submit(int64_t sequence, std::optional<Item> item) {
    {
      std::lock_guard lock(pending_mutex_);
      pending_.emplace(sequence, std::move(item));
    }
    while (true) {
      std::unique_lock running(run_mutex_, std::try_to_lock);
      if (!running.owns_lock()) {
        return;  // the thread that holds it re-checks after unlocking
      }
      // Isolated: while a step waits on nested work, this thread must not pick up a task
      // that would submit here again.
      tbb::this_task_arena::isolate([&] { run_ready(); });
      running.unlock();
      std::lock_guard lock(pending_mutex_);
      if (pending_.empty() || pending_.begin()->first != next_.load()) {
        return;
      }
    }
  }

  /// After the last submit: true when every item ran (no gap is missing).
  bool complete() {
    std::lock_guard lock(pending_mutex_);
    return pending_.empty() && !broken_;
  }

 private:
  void run_ready() {
    while (!broken_) {
      std::optional<Item> item;
      {
        std::lock_guard lock(pending_mutex_);
        auto it = pending_.find(next_.load());
        if (it == pending_.end()) {
          return;
        }
        item = std::move(it->second);
        pending_.erase(it);
      }
      int64_t sequence = next_++;
      if (item) {
        try {
          step_(sequence, *item);
        } catch (...) {
          broken_ = true;
          throw;
        }
      }
    }
  }

  Step step_;
  std::mutex pending_mutex_;
  std::map<int64_t, std::optional<Item>> pending_;
  std::mutex run_mutex_;
  std::atomic<int64_t> next_{0};
  std::atomic<bool> broken_{false};
};

/// A sink (of kind `Base`) that takes its batches one at a time in morsel order:
/// step() runs for each, on whichever thread completes the sequence.
template <class Base>
class SequencedSink : public Base {
 public:
  /// `name` says which operator lost morsels, should that ever happen.
  explicit SequencedSink(std::string name) : name_(std::move(name)) {}
  void consume(Morsel morsel) override { steps_.submit(morsel.sequence, std::move(morsel.batch)); }
  void skip(int64_t sequence) override { steps_.submit(sequence, std::nullopt); }
  void finish() override {
    if (!steps_.complete()) {
      throw InternalError(name_ + ": morsels missing from the sequence");
    }
  }

 protected:
  virtual void step(int64_t sequence, RecordBatch& batch) = 0;

 private:
  std::string name_;
  Sequencer<RecordBatch> steps_{
      [this](int64_t sequence, RecordBatch& batch) { step(sequence, batch); }};
};

}  // namespace setl::engine::detail
