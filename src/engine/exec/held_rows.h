// The rows a join build or a window holds in input order while its reservation grows
// (private to the engine). When a reservation is refused — or when the budget asks, for
// another part of the run (it is a reclaimer) — what is held moves to hash-partition
// spill files on the keys, tagged with positions, and later rows follow it there.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "engine/exec/partition_writer.h"
#include "engine/exec/pipeline.h"
#include "setl/core/memory_budget.h"

namespace setl::engine::detail {

class HeldRows : private memory::Reclaimer {
 public:
  /// Rows of `schema` partitioned on `keys` (none: they cannot be partitioned, and a
  /// refused reservation fails with OutOfMemoryError naming `operator_name`), positions in
  /// a column named `position`.
  HeldRows(QueryContext& query, std::string operator_name, SchemaPtr schema,
           std::vector<std::string> keys, const char* position);
  ~HeldRows() override;
  HeldRows(const HeldRows&) = delete;
  HeldRows& operator=(const HeldRows&) = delete;

  /// Holds `batch`, reserving `bytes` for it, or writes it to the partitions. Batches come
  /// one at a time, in input order. Reserves without the lock, so that the reclaim round
  /// it may start can partition what is held.
  void add(int64_t sequence, RecordBatch& batch, int64_t bytes);
  /// After the last add: the budget asks no more (what is held becomes the output).
  void close();

  bool partitioned() const;
  /// Moves what is held to the partitions (after close: the held rows fit, but what
  /// would be built from them does not).
  void partition();
  /// The held batches with their sequence numbers (after close).
  std::vector<std::pair<int64_t, RecordBatch>>& held() { return held_; }
  const std::vector<std::pair<int64_t, RecordBatch>>& held() const { return held_; }
  memory::MemoryBudget::Reservation& reservation() { return reservation_; }
  PartitionWriter& partitions() { return *partitions_; }

 private:
  std::string reclaimer_name() const override;
  int64_t reclaimable_bytes() const override;
  int64_t reclaim(int64_t bytes) override;
  void partition_locked();

  QueryContext& query_;
  std::string operator_name_;
  std::string holder_;
  SchemaPtr schema_;
  std::vector<std::string> keys_;
  const char* position_;
  mutable std::mutex mutex_;
  bool closed_ = false;
  std::atomic<int64_t> reclaimable_{0};  // what a reclaim would free, read without the lock
  std::vector<std::pair<int64_t, RecordBatch>> held_;
  memory::MemoryBudget::Reservation reservation_;
  std::unique_ptr<PartitionWriter> partitions_;
  std::optional<memory::ReclaimerRegistration> registration_;  // last: removed first
};

}  // namespace setl::engine::detail
