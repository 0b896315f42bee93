#include "cache_budget.h"

#include <algorithm>

namespace setl::workflow::detail {

CacheBudget::CacheBudget(std::shared_ptr<ResultCache> cache,
                         std::shared_ptr<memory::MemoryBudget> budget)
    : cache_(std::move(cache)), budget_(std::move(budget)) {
  if (!cache_ || !budget_) {
    return;
  }
  reservation_ = budget_->try_reserve(0, reclaimer_name());
  sync();
  budget_->add_reclaimer(this);
}

CacheBudget::~CacheBudget() {
  if (cache_ && budget_) {
    budget_->remove_reclaimer(this);
  }
}

void CacheBudget::sync() {
  if (!cache_ || !budget_) {
    return;
  }
  std::lock_guard lock(mutex_);
  while (true) {
    int64_t cached = cache_->stats().bytes;
    int64_t held = reservation_.bytes();
    if (cached <= held) {
      reservation_.shrink(held - cached);
      return;
    }
    // No reclaiming here: the cache must not make operators spill to keep its entries.
    if (reservation_.try_grow(cached - held) || cache_->evict_bytes(cached - held) == 0) {
      return;
    }
  }
}

int64_t CacheBudget::reclaimable_bytes() const {
  std::lock_guard lock(mutex_);
  return reservation_.bytes();
}

int64_t CacheBudget::reclaim(int64_t bytes) {
  std::lock_guard lock(mutex_);
  int64_t freed = std::min(cache_->evict_bytes(bytes), reservation_.bytes());
  reservation_.shrink(freed);
  return freed;
}

}  // namespace setl::workflow::detail
