// What an exchange holds on its two sides (private to the engine): the rows it will send
// and the rows it received. Each side keeps its rows in memory while its reservation from
// the query's budget grows; once the budget refuses (after reclaiming from others), what it
// holds moves to spill files and later rows follow, so a shuffle larger than memory runs
// with a few batches and one round's messages in memory.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <vector>

#include "engine/exec/pipeline.h"
#include "engine/exec/spill.h"
#include "setl/core/memory_budget.h"

namespace setl::engine::detail {

/// A held input batch, and the destination of each row (hash and range exchanges; empty
/// until routed).
struct HeldBatch {
  RecordBatch batch;
  std::vector<int32_t> ranks;
};

/// The rows an exchange will send, in input order.
class ExchangeInput {
 public:
  ExchangeInput(QueryContext& query, SchemaPtr schema);
  ~ExchangeInput();
  ExchangeInput(const ExchangeInput&) = delete;
  ExchangeInput& operator=(const ExchangeInput&) = delete;

  /// Adds the next batch in input order (one caller at a time).
  void add(HeldBatch held);
  /// After the last add.
  void close();

  int64_t rows() const noexcept { return rows_; }
  bool spilled() const noexcept { return run_.has_value(); }
  /// In memory: the batches, in order.
  std::vector<HeldBatch>& held() { return held_; }
  /// Drops held batches [0, count) and their reservation (every destination took them).
  void release(size_t count);
  /// Spilled, after close(): every batch, in order.
  const SpillRun& run() const { return *run_; }
  /// Every batch in order, from memory or the file.
  void for_each(const std::function<void(const RecordBatch&)>& visit) const;

 private:
  void spill_held();

  QueryContext& query_;
  SchemaPtr schema_;
  int64_t rows_ = 0;
  std::vector<HeldBatch> held_;
  size_t released_ = 0;
  memory::MemoryBudget::Reservation reservation_;
  std::unique_ptr<SpillWriter> writer_;
  std::optional<SpillRun> run_;
};

/// The rows an exchange received, per source rank in arrival order.
class ExchangeReceived {
 public:
  ExchangeReceived(QueryContext& query, SchemaPtr schema, int ranks);
  ~ExchangeReceived();
  ExchangeReceived(const ExchangeReceived&) = delete;
  ExchangeReceived& operator=(const ExchangeReceived&) = delete;

  void add(int source, RecordBatch batch);
  /// Source 0's rows, then source 1's, ...: memory and files go to the stream (called once).
  std::unique_ptr<BatchStream> output(int64_t batch_bytes);

 private:
  void spill_all();

  QueryContext& query_;
  SchemaPtr schema_;
  std::vector<std::vector<RecordBatch>> memory_;
  std::vector<std::unique_ptr<SpillWriter>> writers_;  // per source, once spilling
  bool spilling_ = false;
  memory::MemoryBudget::Reservation reservation_;
};

}  // namespace setl::engine::detail
