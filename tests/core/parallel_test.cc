#include "setl/core/parallel.h"

#include <atomic>
#include <latch>
#include <mutex>
#include <stdexcept>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "setl/core/error.h"

namespace setl {
namespace {

TEST(RunParallel, RunsEveryTaskOnce) {
  std::vector<std::atomic<int>> runs(100);
  run_parallel(runs.size(), 4, [&](size_t i) { runs[i]++; });
  for (const auto& count : runs) {
    EXPECT_EQ(count.load(), 1);
  }
}

// With one thread the tasks run in order and stop at the first failure: task 3's error
// is the one rethrown, and no later task starts.
TEST(RunParallel, RethrowsTheLowestFailedTask) {
  std::atomic<int> started{0};
  try {
    run_parallel(8, 1, [&](size_t i) {
      ++started;
      if (i >= 3) {
        throw std::out_of_range("task " + std::to_string(i));
      }
    });
    FAIL() << "expected an exception";
  } catch (const std::out_of_range& error) {
    EXPECT_STREQ(error.what(), "task 3");
  }
  EXPECT_EQ(started.load(), 4);
}

TEST(RunParallel, ZeroTasksIsANoOp) {
  run_parallel(0, 0, [](size_t) { FAIL(); });
}

// A diamond 0 -> {1, 2} -> 3 and a separate chain 4 -> 5: every task runs once, after all
// of its predecessors have returned.
TEST(RunDag, RunsEachTaskOnceAfterItsPredecessors) {
  std::vector<std::vector<size_t>> predecessors = {{}, {0}, {0}, {1, 2}, {}, {4}};
  std::mutex mutex;
  std::vector<size_t> order;
  run_dag(predecessors, 3, [&](size_t i) {
    std::lock_guard lock(mutex);
    order.push_back(i);
  });
  ASSERT_EQ(order.size(), predecessors.size());
  std::vector<size_t> position(order.size());
  for (size_t k = 0; k < order.size(); ++k) {
    position[order[k]] = k;
  }
  for (size_t i = 0; i < predecessors.size(); ++i) {
    for (size_t before : predecessors[i]) {
      EXPECT_LT(position[before], position[i]) << "task " << i << " ran before " << before;
    }
  }
}

// Tasks 1 and 2 both wait on a latch that needs both to arrive: with two threads the DAG
// runs them concurrently, or the test would never finish.
TEST(RunDag, RunsIndependentTasksConcurrently) {
  std::latch both(2);
  std::atomic<int> after{0};
  run_dag({{}, {0}, {0}, {1, 2}}, 2, [&](size_t i) {
    if (i == 1 || i == 2) {
      both.arrive_and_wait();
    }
    if (i == 3) {
      ++after;
    }
  });
  EXPECT_EQ(after.load(), 1);
}

// Admission: while may_start() says no, a ready task waits unless nothing runs. Task 0
// closes admission; of its successors one starts (nothing else runs), the others wait
// until that one opens admission again, so no two ever overlap while it is closed.
TEST(RunDag, ATaskWaitsForAdmissionUnlessNothingElseRuns) {
  std::atomic<bool> closed{false};
  std::atomic<int> running{0};
  std::atomic<int> overlaps_while_closed{0};
  std::atomic<int> ran{0};
  run_dag(
      {{}, {0}, {0}, {0}}, 3,
      [&](size_t i) {
        if (i == 0) {
          closed = true;
          return;
        }
        if (closed && running.load() > 0) {
          ++overlaps_while_closed;
        }
        ++running;
        ++ran;
        closed = false;  // opens admission again: the rest may now overlap
        --running;
      },
      {}, [&] { return !closed.load(); });
  EXPECT_EQ(ran.load(), 3);
  EXPECT_EQ(overlaps_while_closed.load(), 0);
}

TEST(RunDag, AFailureStopsWhatHasNotStartedAndCallsOnFailureOnce) {
  std::atomic<int> failures_seen{0};
  std::vector<std::atomic<int>> ran(4);
  EXPECT_THROW(run_dag(
                   {{}, {0}, {0}, {1, 2}}, 1,
                   [&](size_t i) {
                     ran[i]++;
                     if (i == 1 || i == 2) {
                       throw IoError("task " + std::to_string(i));
                     }
                   },
                   [&] { failures_seen++; }),
               IoError);
  EXPECT_EQ(failures_seen.load(), 1);
  EXPECT_EQ(ran[0].load(), 1);
  EXPECT_EQ(ran[1].load() + ran[2].load(), 1);  // one thread: the second never starts
  EXPECT_EQ(ran[3].load(), 0);
}

TEST(RunDag, PrefersARealFailureOverTheCancellationsItCaused) {
  std::latch started(2);
  try {
    run_dag({{}, {}}, 2, [&](size_t i) {
      started.arrive_and_wait();
      if (i == 0) {
        throw CancelledError("stopped because task 1 failed");
      }
      throw IoError("disk full");
    });
    FAIL() << "expected an exception";
  } catch (const IoError& error) {
    EXPECT_THAT(error.what(), ::testing::HasSubstr("disk full"));
  }
}

TEST(RunDag, ACycleOrAnUnknownTaskIsAStateErrorBeforeAnythingRuns) {
  std::atomic<int> ran{0};
  auto count = [&](size_t) { ran++; };
  EXPECT_THROW(run_dag({{}, {2}, {1}}, 2, count), StateError);
  EXPECT_THROW(run_dag({{}, {7}}, 2, count), StateError);
  EXPECT_EQ(ran.load(), 0);
  run_dag({}, 2, [](size_t) { FAIL(); });
}

}  // namespace
}  // namespace setl
