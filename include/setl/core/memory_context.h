// What the work on a thread may use: a share of the run's memory budget, a directory to
// spill to and how much it may write there, the batch size of its streams and how many
// engine threads; and where it counts what it did. A pipeline run sets one per factory
// (memory.limit, memory.spill_dir, ...); a program can set one for a block of code:
//
//   MemoryContextScope scope({.budget = memory::MemoryBudget::create(64 << 20)});
//   Table sorted = orders.lazy().sort({{"amount"}}).collect();   // spills past 64 MiB
#pragma once

#include <atomic>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>

#include "setl/core/memory_budget.h"

namespace setl {

/// What the work under one context did (counters only grow).
struct MemoryCounters {
  std::atomic<int64_t> spilled_bytes{0};  ///< bytes written to spill files
  std::atomic<int64_t> spill_files{0};
  std::atomic<int64_t> batches{0};  ///< batches read by scans
  std::atomic<int64_t> rows{0};     ///< rows read by scans
};

struct MemoryContext {
  /// Operators reserve from it before they hold large state and spill when refused;
  /// null: no limit (nothing is reserved).
  std::shared_ptr<memory::MemoryBudget> budget;
  /// Where spill files go (a directory per query below it, removed when the query ends);
  /// empty: ".setl-spill" in the working directory (never a RAM-backed /tmp by default).
  std::filesystem::path spill_dir;
  /// Bytes a query may have in spill files at once; 0: no cap. Past it the query fails
  /// with SpillLimitError.
  int64_t max_spill_bytes = 0;
  /// The size streams cut batches to.
  int64_t batch_bytes = int64_t{8} << 20;
  /// Batches a pipeline has in flight (read ahead or being processed); 0: twice the
  /// engine's threads. Batches waiting for a worker are reserved from the budget (up to
  /// an eighth of it).
  int64_t max_batches_in_flight = 0;
  /// Engine threads the work may use (its queries' workers, parallel scans and parses);
  /// 0: the process default (engine::set_num_threads, initially every core).
  int threads = 0;
  /// Who runs the work (a factory's name), for errors and the budget's holder names.
  std::string owner;
  /// Where counters go (may be shared); null: not counted.
  std::shared_ptr<MemoryCounters> counters;
};

/// Spill files would exceed MemoryContext::max_spill_bytes. Blame: kResource.
class SpillLimitError : public ResourceError {
 public:
  using ResourceError::ResourceError;
};

/// The context of work started on this thread: the innermost MemoryContextScope's, or the
/// process default.
const MemoryContext& current_memory_context();
/// The default for threads without a scope (initially: no budget, default spill dir).
void set_default_memory_context(MemoryContext context);

/// Makes `context` current on this thread until destroyed.
class MemoryContextScope {
 public:
  explicit MemoryContextScope(MemoryContext context);
  ~MemoryContextScope();
  MemoryContextScope(const MemoryContextScope&) = delete;
  MemoryContextScope& operator=(const MemoryContextScope&) = delete;

 private:
  const MemoryContext* previous_;
  MemoryContext context_;
};

}  // namespace setl
