// What a query may use while it runs: a share of the run's memory budget, a directory to
// spill to and how much it may write there, and the batch size of its streams. The
// workflow sets them for each factory (memory.limit, memory.spill_dir, ...); a program
// can set them for a block of code:
//
//   engine::ResourcesScope scope({.budget = memory::MemoryBudget::create(64 << 20)});
//   Table sorted = orders.lazy().sort({{"amount"}}).collect();   // spills past 64 MiB
#pragma once

#include <atomic>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>

#include "setl/core/memory_budget.h"
#include "setl/engine/scan_source.h"

namespace setl::engine {

/// What the queries run under some resources did, for reports (counters only grow).
struct ExecutionCounters {
  std::atomic<int64_t> spilled_bytes{0};  ///< bytes written to spill files
  std::atomic<int64_t> spill_files{0};
  std::atomic<int64_t> batches{0};  ///< batches read by scans
  std::atomic<int64_t> rows{0};     ///< rows read by scans
};

struct ExecutionResources {
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
  int64_t batch_bytes = kDefaultBatchBytes;
  /// Who runs the queries (a factory's name), for errors and the budget's holder names.
  std::string owner;
  /// Where counters go (may be shared by several queries); null: not counted.
  std::shared_ptr<ExecutionCounters> counters;
};

/// Spill files would exceed ExecutionResources::max_spill_bytes. Blame: kResource.
class SpillLimitError : public ResourceError {
 public:
  using ResourceError::ResourceError;
};

/// The resources queries started on this thread use: the innermost ResourcesScope's, or
/// the process default.
const ExecutionResources& current_resources();
/// The default for threads without a scope (initially: no budget, default spill dir).
void set_default_resources(ExecutionResources resources);

/// Makes `resources` current on this thread until destroyed.
class ResourcesScope {
 public:
  explicit ResourcesScope(ExecutionResources resources);
  ~ResourcesScope();
  ResourcesScope(const ResourcesScope&) = delete;
  ResourcesScope& operator=(const ResourcesScope&) = delete;

 private:
  const ExecutionResources* previous_;
  ExecutionResources resources_;
};

}  // namespace setl::engine
