// Memory for engine buffers: size classes that waste little, every byte counted, and a
// pool of released blocks that a limited budget keeps small (pooled blocks are memory no
// budget sees) and that giving memory back to the system empties.
#include <vector>

#include <gtest/gtest.h>

#include "setl/core/memory.h"
#include "setl/core/memory_budget.h"
#include "setl/core/process_memory.h"

namespace setl::memory {
namespace {

constexpr size_t kAlignment = 64;

TEST(BufferMemory, SizeClassesAreAlignedAndWasteAtMostAQuarter) {
  for (size_t size = 0; size < (size_t{64} << 20); size = size * 5 / 4 + 97) {
    size_t capacity = buffer_capacity(size, kAlignment);
    EXPECT_GE(capacity, size);
    EXPECT_EQ(capacity % kAlignment, 0u) << size;
    EXPECT_LE(capacity, size + size / 4 + kAlignment) << size;
  }
  // Few enough classes that released blocks find takers: sizes a little apart share one.
  EXPECT_EQ(buffer_capacity(1'000'000, kAlignment), buffer_capacity(1'040'000, kAlignment));
}

TEST(BufferMemory, EveryAllocationIsCountedUntilReleased) {
  int64_t before = bytes_allocated();
  size_t capacity = buffer_capacity(3 << 20, kAlignment);
  void* block = allocate_buffer(capacity, kAlignment);
  ASSERT_NE(block, nullptr);
  EXPECT_EQ(reinterpret_cast<uintptr_t>(block) % kAlignment, 0u);
  static_cast<char*>(block)[capacity - 1] = 1;  // all of it is usable
  EXPECT_EQ(bytes_allocated() - before, static_cast<int64_t>(capacity));
  release_buffer(block, capacity);
  EXPECT_EQ(bytes_allocated(), before);
}

// Allocates `count` blocks of `size` and releases them all: the pool keeps what it may.
void churn(size_t size, int count) {
  size_t capacity = buffer_capacity(size, kAlignment);
  std::vector<void*> blocks;
  for (int i = 0; i < count; ++i) {
    blocks.push_back(allocate_buffer(capacity, kAlignment));
  }
  for (void* block : blocks) {
    release_buffer(block, capacity);
  }
}

TEST(BufferMemory, ALimitedBudgetKeepsThePoolToAnEighthOfIt) {
  drain_pool();
  {
    auto budget = MemoryBudget::create(int64_t{16} << 20);
    churn(256 << 10, 64);  // 16 MiB released
    EXPECT_GT(pooled_bytes(), 0) << "released blocks are kept for reuse";
    EXPECT_LE(pooled_bytes(), int64_t{2} << 20);
    // A smaller budget alive at the same time bounds the pool too.
    auto smaller = MemoryBudget::create(int64_t{4} << 20);
    drain_pool();
    churn(256 << 10, 64);
    EXPECT_LE(pooled_bytes(), int64_t{512} << 10);
  }
  // With no limited budget alive, the pool's own cap applies.
  drain_pool();
  set_pool_limit(int64_t{8} << 20);
  churn(1 << 20, 32);
  EXPECT_GT(pooled_bytes(), int64_t{4} << 20);
  EXPECT_LE(pooled_bytes(), int64_t{8} << 20);
  set_pool_limit(int64_t{256} << 20);
}

TEST(BufferMemory, GivingMemoryBackEmptiesThePool) {
  churn(512 << 10, 16);
  ASSERT_GT(pooled_bytes(), 0);
  release_free_memory();
  EXPECT_EQ(pooled_bytes(), 0);
  churn(512 << 10, 4);
  int64_t pooled = pooled_bytes();
  EXPECT_EQ(drain_pool(), pooled);
  EXPECT_EQ(pooled_bytes(), 0);
}

TEST(BufferMemory, ReleasedLargeBlocksLeaveTheResidentSize) {
  // Large blocks are mapped from the kernel: once released (past what the pool keeps),
  // the resident size falls back instead of staying as free heap.
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
  GTEST_SKIP() << "sanitizers keep their own shadow and heap";
#endif
  drain_pool();
  set_pool_limit(0);
  int64_t before = process_memory().resident_bytes;
  if (before == 0) {
    GTEST_SKIP() << "no /proc/self/status here";
  }
  size_t capacity = buffer_capacity(size_t{64} << 20, kAlignment);
  std::vector<void*> blocks;
  for (int i = 0; i < 4; ++i) {
    auto* block = static_cast<char*>(allocate_buffer(capacity, kAlignment));
    for (size_t byte = 0; byte < capacity; byte += 4096) {
      block[byte] = 1;  // make it resident
    }
    blocks.push_back(block);
  }
  int64_t high = process_memory().resident_bytes;
  EXPECT_GE(high - before, int64_t{200} << 20);
  for (void* block : blocks) {
    release_buffer(block, capacity);
  }
  EXPECT_LT(process_memory().resident_bytes - before, int64_t{32} << 20);
  set_pool_limit(int64_t{256} << 20);
}

}  // namespace
}  // namespace setl::memory
