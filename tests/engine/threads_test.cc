// The engine's thread count belongs to the work's context (MemoryContext::threads, a
// pipeline run's engine.threads), not only to the process: two contexts in one process
// run with their own counts, and tasks the engine spawns keep the count of their query.
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <set>
#include <thread>

#include <gtest/gtest.h>

#include "setl/core/memory_context.h"
#include "setl/engine/execution.h"
#include "setl/engine/table.h"
#include "testing/columns.h"

namespace setl::engine {
namespace {

// Restores the process default however a test ends.
struct ProcessThreads {
  explicit ProcessThreads(int threads) { set_num_threads(threads); }
  ~ProcessThreads() { set_num_threads(0); }
};

std::set<std::thread::id> threads_used(size_t iterations) {
  std::mutex mutex;
  std::set<std::thread::id> ids;
  parallel_for(iterations, [&](size_t) {
    std::lock_guard lock(mutex);
    ids.insert(std::this_thread::get_id());
  });
  return ids;
}

// True if `count` iterations were all running at the same moment: each waits for the
// others (bounded, so a serial run fails instead of hanging).
bool ran_together(int count) {
  std::mutex mutex;
  std::condition_variable all_in;
  int arrived = 0;
  std::atomic<int> together{0};
  parallel_for(static_cast<size_t>(count), [&](size_t) {
    std::unique_lock lock(mutex);
    ++arrived;
    all_in.notify_all();
    if (all_in.wait_for(lock, std::chrono::seconds(30), [&] { return arrived == count; })) {
      ++together;
    }
  });
  return together == count;
}

TEST(Threads, AContextsCountOverridesTheProcessDefault) {
  ProcessThreads process(3);
  EXPECT_EQ(num_threads(), 3);
  {
    MemoryContextScope one({.threads = 1});
    EXPECT_EQ(num_threads(), 1);
    // One thread means the calling thread, for loops and for whole queries.
    EXPECT_EQ(threads_used(500), std::set<std::thread::id>{std::this_thread::get_id()});
    Table table = Table::from_columns({{"v", testing::int64s({3, 1, 2})}}).rechunk(1);
    EXPECT_EQ(table.sort({{"v"}}).at(0, "v").as_int(), 1);
  }
  EXPECT_EQ(num_threads(), 3);
  {
    MemoryContextScope two({.threads = 2});
    EXPECT_EQ(num_threads(), 2);
    EXPECT_TRUE(ran_together(2));
  }
}

TEST(Threads, TasksKeepTheCountOfTheWorkThatSpawnedThem) {
  ProcessThreads process(1);
  MemoryContextScope three({.threads = 3});
  std::mutex mutex;
  std::set<int> seen;
  parallel_for(64, [&](size_t) {
    int inside = num_threads();  // on a worker thread, which has no context of its own
    std::lock_guard lock(mutex);
    seen.insert(inside);
  });
  EXPECT_EQ(seen, std::set<int>{3});
  // And so do loops nested in those tasks, wherever they run.
  std::set<int> nested;
  parallel_for(4, [&](size_t) {
    parallel_for(16, [&](size_t) {
      int inside = num_threads();
      std::lock_guard lock(mutex);
      nested.insert(inside);
    });
  });
  EXPECT_EQ(nested, std::set<int>{3});
}

TEST(Threads, TwoContextsInOneProcessRunWithTheirOwnCounts) {
  ProcessThreads process(0);
  std::atomic<int> first{0};
  std::atomic<int> second{0};
  std::thread a([&] {
    MemoryContextScope scope({.threads = 1});
    first = static_cast<int>(threads_used(200).size());
  });
  std::thread b([&] {
    MemoryContextScope scope({.threads = 2});
    second = ran_together(2) ? 2 : 0;
  });
  a.join();
  b.join();
  EXPECT_EQ(first.load(), 1);
  EXPECT_EQ(second.load(), 2);
}

}  // namespace
}  // namespace setl::engine
