// Memory for engine buffers: aligned blocks in size classes, counted, and reused from a
// bounded pool of released ones.
#include <algorithm>
#include <atomic>
#include <bit>
#include <cstdlib>
#include <map>
#include <mutex>
#include <set>
#include <string>
#include <vector>

#include <sys/mman.h>

#include "setl/core/error.h"
#include "setl/core/memory.h"

namespace setl::memory {
namespace {

constexpr size_t kPageBytes = 4096;

// Operators allocate and drop batch-sized buffers constantly; handing that memory back to
// the kernel makes every new batch pay for page faults and zeroing, so released blocks of
// at least this size are kept for reuse.
constexpr size_t kPooledMinimum = 64 * 1024;
// A block kept in the pool is memory no budget sees: while a limited budget lives, the
// pool keeps at most this fraction of it.
constexpr int64_t kPoolShareOfBudget = 8;
// Blocks from this size on are mapped from the kernel and unmapped when freed, so that
// what the engine releases leaves the resident size at once. From the heap they would be
// free-but-resident holes that malloc cannot trim (glibc also raises its own mmap
// threshold after such frees, sending later large blocks to the heap).
constexpr size_t kMappedMinimum = size_t{1} << 20;

#if defined(__has_feature)
#  if __has_feature(address_sanitizer)
#    define SETL_ADDRESS_SANITIZER 1
#  endif
#endif
#if defined(__SANITIZE_ADDRESS__) || defined(SETL_ADDRESS_SANITIZER)
constexpr bool kMapLargeBlocks = false;  // AddressSanitizer checks only heap blocks' bounds
#else
constexpr bool kMapLargeBlocks = true;
#endif

void* allocate_block(size_t capacity, size_t alignment) {
  if (kMapLargeBlocks && capacity >= kMappedMinimum) {
    void* memory =
        mmap(nullptr, capacity, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (memory == MAP_FAILED) {
      return nullptr;
    }
    // No MADV_HUGEPAGE: where transparent huge pages are "madvise" (Debian's default), an
    // advised region's first touch compacts memory synchronously, and after a large query
    // freed its blocks that stalled the next one for hundreds of milliseconds (TPC-H Q6
    // at SF 1: 633 ms instead of 66).
    return memory;
  }
  return std::aligned_alloc(alignment, capacity);
}

void free_block(void* memory, size_t capacity) noexcept {
  if (kMapLargeBlocks && capacity >= kMappedMinimum) {
    munmap(memory, capacity);
  } else {
    std::free(memory);
  }
}

class BufferPool {
 public:
  static BufferPool& instance() {
    static auto* pool = new BufferPool();  // never destroyed: buffers may outlive main
    return *pool;
  }

  void* take(size_t capacity) {
    std::lock_guard lock(mutex_);
    auto found = free_.find(capacity);
    if (found == free_.end() || found->second.empty()) {
      return nullptr;
    }
    void* memory = found->second.back();
    found->second.pop_back();
    pooled_ -= static_cast<int64_t>(capacity);
    return memory;
  }

  bool give(void* memory, size_t capacity, int64_t limit) {
    std::lock_guard lock(mutex_);
    if (pooled_ + static_cast<int64_t>(capacity) > limit) {
      return false;
    }
    free_[capacity].push_back(memory);
    pooled_ += static_cast<int64_t>(capacity);
    return true;
  }

  int64_t drain() {
    std::map<size_t, std::vector<void*>> blocks;
    int64_t drained = 0;
    {
      std::lock_guard lock(mutex_);
      blocks.swap(free_);
      drained = pooled_;
      pooled_ = 0;
    }
    for (auto& [capacity, list] : blocks) {
      for (void* memory : list) {
        free_block(memory, capacity);
      }
    }
    return drained;
  }

  int64_t pooled() const {
    std::lock_guard lock(mutex_);
    return pooled_;
  }

  std::atomic<int64_t> limit{int64_t{256} << 20};

 private:
  mutable std::mutex mutex_;
  std::map<size_t, std::vector<void*>> free_;
  int64_t pooled_ = 0;
};

// The limits of the live budgets that have one, and their smallest (0: none).
std::mutex budgets_mutex;
std::multiset<int64_t>& budget_limits() {
  static auto* limits = new std::multiset<int64_t>();
  return *limits;
}
std::atomic<int64_t> smallest_budget{0};

int64_t pool_limit() {
  int64_t limit = BufferPool::instance().limit.load(std::memory_order_relaxed);
  int64_t budget = smallest_budget.load(std::memory_order_relaxed);
  return budget > 0 ? std::min(limit, budget / kPoolShareOfBudget) : limit;
}

}  // namespace

size_t buffer_capacity(size_t size, size_t alignment) {
  if (size < kPooledMinimum) {
    size_t rounded = (size + alignment - 1) / alignment * alignment;
    return rounded == 0 ? alignment : rounded;
  }
  // Four classes per power of two: at most a quarter wasted, and few enough classes that
  // released blocks find a taker.
  size_t step = std::bit_floor(size) / 4;
  return (size + step - 1) / step * step;
}

void* allocate_buffer(size_t capacity, size_t alignment) {
  if (alignment > kPageBytes || !std::has_single_bit(alignment)) {
    throw InternalError("a buffer alignment must be a power of two up to a page, not " +
                        std::to_string(alignment));
  }
  void* memory = capacity >= kPooledMinimum ? BufferPool::instance().take(capacity) : nullptr;
  if (memory == nullptr) {
    memory = allocate_block(capacity, alignment);
  }
  if (memory == nullptr) {
    throw ResourceError("cannot allocate " + std::to_string(capacity) + " bytes for a buffer");
  }
  record_allocation(static_cast<int64_t>(capacity));
  return memory;
}

void release_buffer(void* memory, size_t capacity) noexcept {
  record_release(static_cast<int64_t>(capacity));
  if (capacity < kPooledMinimum || !BufferPool::instance().give(memory, capacity, pool_limit())) {
    free_block(memory, capacity);
  }
}

int64_t pooled_bytes() noexcept {
  return BufferPool::instance().pooled();
}

void set_pool_limit(int64_t bytes) noexcept {
  BufferPool::instance().limit.store(std::max<int64_t>(bytes, 0), std::memory_order_relaxed);
}

int64_t drain_pool() {
  return BufferPool::instance().drain();
}

void budget_created(int64_t limit) {
  if (limit <= 0) {
    return;
  }
  std::lock_guard lock(budgets_mutex);
  budget_limits().insert(limit);
  smallest_budget = *budget_limits().begin();
}

void budget_destroyed(int64_t limit) noexcept {
  if (limit <= 0) {
    return;
  }
  std::lock_guard lock(budgets_mutex);
  auto found = budget_limits().find(limit);
  if (found != budget_limits().end()) {
    budget_limits().erase(found);
  }
  smallest_budget = budget_limits().empty() ? 0 : *budget_limits().begin();
}

}  // namespace setl::memory
