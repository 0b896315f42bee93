#include "setl/core/parallel.h"

#include <atomic>
#include <stdexcept>
#include <vector>

#include <gtest/gtest.h>

namespace setl {
namespace {

TEST(RunParallel, RunsEveryTaskOnce) {
  std::vector<std::atomic<int>> runs(100);
  run_parallel(runs.size(), 4, [&](size_t i) { runs[i]++; });
  for (const auto& count : runs) {
    EXPECT_EQ(count.load(), 1);
  }
}

TEST(RunParallel, RethrowsTheLowestFailedTask) {
  EXPECT_THROW(run_parallel(8, 1,
                            [](size_t i) {
                              if (i >= 3) {
                                throw std::out_of_range("task " + std::to_string(i));
                              }
                            }),
               std::out_of_range);
}

TEST(RunParallel, ZeroTasksIsANoOp) {
  run_parallel(0, 0, [](size_t) { FAIL(); });
}

}  // namespace
}  // namespace setl
