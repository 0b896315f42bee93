// The memory tier of the result cache inside a run's memory budget (MM-3): while a run
// lasts, the cache's bytes are reserved from the budget, and the budget's arbiter may
// evict cache entries (least recently used first) before any operator has to spill.
// Entries the budget has no room for are evicted rather than pushing operators out.
#pragma once

#include <memory>
#include <mutex>

#include "setl/core/memory_budget.h"
#include "setl/workflow/result_cache.h"

namespace setl::workflow::detail {

class CacheBudget : public memory::Reclaimer {
 public:
  /// Does nothing when either is null.
  CacheBudget(std::shared_ptr<ResultCache> cache, std::shared_ptr<memory::MemoryBudget> budget);
  ~CacheBudget() override;
  CacheBudget(const CacheBudget&) = delete;
  CacheBudget& operator=(const CacheBudget&) = delete;

  /// Brings the reservation in line with the cache's bytes after it stored something;
  /// what does not fit is evicted.
  void sync();

  // memory::Reclaimer
  std::string reclaimer_name() const override { return "result cache"; }
  int64_t reclaimable_bytes() const override;
  int64_t reclaim(int64_t bytes) override;
  int priority() const override { return 0; }

 private:
  std::shared_ptr<ResultCache> cache_;
  std::shared_ptr<memory::MemoryBudget> budget_;
  mutable std::mutex mutex_;  // guards reservation_
  memory::MemoryBudget::Reservation reservation_;
};

}  // namespace setl::workflow::detail
