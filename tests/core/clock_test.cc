#include "setl/core/clock.h"

#include <gtest/gtest.h>

namespace setl {
namespace {

using namespace std::chrono_literals;

TEST(ManualClock, MovesOnlyWhenAdvancedAndBothTimesTogether) {
  ManualClock clock(std::chrono::system_clock::time_point(1000s));
  auto steady = clock.steady_now();
  EXPECT_EQ(clock.system_now(), std::chrono::system_clock::time_point(1000s));
  EXPECT_EQ(clock.steady_now(), steady);
  clock.advance(1500ms);
  EXPECT_EQ(clock.steady_now() - steady, 1500ms);
  EXPECT_EQ(clock.system_now(), std::chrono::system_clock::time_point(1001500ms));
}

TEST(RealClock, IsSharedAndMonotonic) {
  std::shared_ptr<const Clock> clock = real_clock();
  EXPECT_EQ(clock, real_clock());
  auto before = clock->steady_now();
  EXPECT_GE(clock->steady_now(), before);
  EXPECT_GT(clock->system_now().time_since_epoch().count(), 0);
}

}  // namespace
}  // namespace setl
