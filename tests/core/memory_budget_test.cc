#include "setl/core/memory_budget.h"

#include <latch>
#include <thread>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "testing/temp_dir.h"

namespace setl::memory {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using testing::message_of;
using ::testing::Pair;

constexpr int64_t kMiB = 1 << 20;

TEST(MemorySize, ParsesUnitsAndPercentages) {
  EXPECT_EQ(parse_memory_size("2GiB"), int64_t{2} << 30);
  EXPECT_EQ(parse_memory_size("512MB"), 512'000'000);
  EXPECT_EQ(parse_memory_size("1.5 gib"), int64_t{3} << 29);
  EXPECT_EQ(parse_memory_size("4096"), 4096);
  EXPECT_EQ(parse_memory_size("64k"), 65536);
  EXPECT_EQ(parse_memory_size("unlimited"), 0);
  EXPECT_EQ(parse_memory_size(""), 0);
  int64_t physical = physical_memory_bytes();
  ASSERT_GT(physical, 0);
  EXPECT_NEAR(static_cast<double>(parse_memory_size("60%")), 0.6 * static_cast<double>(physical),
              1.0);
  EXPECT_THAT(message_of<ConfigError>([] { return parse_memory_size("12 parsecs"); }),
              HasSubstr("unknown unit 'parsecs'"));
  EXPECT_THAT(message_of<ConfigError>([] { return parse_memory_size("150%"); }),
              HasSubstr("at most 100"));
  EXPECT_THAT(message_of<ConfigError>([] { return parse_memory_size("-1GB"); }),
              HasSubstr("no number"));
  EXPECT_THAT(message_of<ConfigError>([] { return parse_memory_size("0.1b"); }),
              HasSubstr("below one byte"));
}

TEST(MemoryBudget, CountsHoldersAndPeakAndReleasesOnDestruction) {
  auto budget = MemoryBudget::create(100 * kMiB);
  {
    MemoryBudget::Reservation join = budget->reserve(60 * kMiB, "join");
    MemoryBudget::Reservation sort = budget->reserve(10 * kMiB, "sort");
    sort.grow(20 * kMiB);
    EXPECT_EQ(budget->used(), 90 * kMiB);
    EXPECT_THAT(budget->holders(), ElementsAre(Pair("join", 60 * kMiB), Pair("sort", 30 * kMiB)));
    MemoryBudget::Reservation moved = std::move(sort);
    EXPECT_EQ(moved.bytes(), 30 * kMiB);
    moved.shrink(25 * kMiB);
    EXPECT_EQ(budget->used(), 65 * kMiB);
  }
  EXPECT_EQ(budget->used(), 0);
  EXPECT_EQ(budget->peak(), 90 * kMiB);
  EXPECT_TRUE(budget->holders().empty());
}

TEST(MemoryBudget, RefusesWithTheHolderTheBudgetAndTheLargestHolders) {
  auto budget = MemoryBudget::create(100 * kMiB);
  MemoryBudget::Reservation cache = budget->reserve(80 * kMiB, "result cache");
  std::string message = message_of<OutOfMemoryError>(
      [&] { return budget->reserve(30 * kMiB, "HashJoin (Revenue)"); });
  EXPECT_THAT(message, HasSubstr("HashJoin (Revenue) asked for 30.0 MiB"));
  EXPECT_THAT(message, HasSubstr("budget of 100.0 MiB has 80.0 MiB reserved"));
  EXPECT_THAT(message, HasSubstr("largest holders: result cache 80.0 MiB"));
  EXPECT_EQ(budget->used(), 80 * kMiB);  // nothing half-taken
  MemoryBudget::Reservation small = budget->try_reserve(30 * kMiB, "probe");
  EXPECT_EQ(small.bytes(), 0);
  EXPECT_FALSE(cache.try_grow(21 * kMiB));
  EXPECT_TRUE(cache.try_grow(20 * kMiB));
}

TEST(MemoryBudget, AnUnlimitedBudgetCountsButNeverRefuses) {
  auto budget = MemoryBudget::create(0);
  MemoryBudget::Reservation big = budget->reserve(int64_t{1} << 40, "huge");
  EXPECT_EQ(budget->used(), int64_t{1} << 40);
  EXPECT_THROW(MemoryBudget::create(-1), ConfigError);
}

// Holds a reservation and gives it back when asked, like a spilling operator or a cache.
class Holder : public Reclaimer {
 public:
  Holder(std::shared_ptr<MemoryBudget> budget, std::string name, int priority)
      : budget_(std::move(budget)), name_(std::move(name)), priority_(priority) {
    budget_->add_reclaimer(this);
  }
  ~Holder() override { budget_->remove_reclaimer(this); }
  void hold(int64_t bytes) {
    MemoryBudget::Reservation more = budget_->reserve(bytes, name_);
    std::lock_guard lock(mutex_);
    reservations_.push_back(std::move(more));
  }
  std::string reclaimer_name() const override { return name_; }
  int64_t reclaimable_bytes() const override {
    std::lock_guard lock(mutex_);
    int64_t bytes = 0;
    for (const auto& reservation : reservations_) {
      bytes += reservation.bytes();
    }
    return bytes;
  }
  int64_t reclaim(int64_t bytes) override {
    std::lock_guard lock(mutex_);
    int64_t freed = 0;
    while (freed < bytes && !reservations_.empty()) {
      freed += reservations_.back().bytes();
      reservations_.pop_back();  // "spilled"
    }
    reclaimed_ += freed;
    return freed;
  }
  int priority() const override { return priority_; }
  int64_t reclaimed() const {
    std::lock_guard lock(mutex_);
    return reclaimed_;
  }

 private:
  std::shared_ptr<MemoryBudget> budget_;
  std::string name_;
  int priority_;
  mutable std::mutex mutex_;
  std::vector<MemoryBudget::Reservation> reservations_;
  int64_t reclaimed_ = 0;
};

TEST(MemoryBudget, ReclaimsFromTheCacheBeforeAskingOperatorsToSpill) {
  auto budget = MemoryBudget::create(100 * kMiB);
  Holder cache(budget, "result cache", 0);
  Holder join(budget, "HashJoin", 1);
  cache.hold(30 * kMiB);
  join.hold(50 * kMiB);
  join.hold(10 * kMiB);
  MemoryBudget::Reservation sort = budget->reserve(20 * kMiB, "Sort");  // 90 + 20 > 100
  EXPECT_EQ(cache.reclaimed(), 30 * kMiB);                              // the cache went first
  EXPECT_EQ(join.reclaimed(), 0);
  MemoryBudget::Reservation more = budget->reserve(30 * kMiB, "Window");
  EXPECT_EQ(join.reclaimed(), 10 * kMiB);  // then the operator, only what was missing
  EXPECT_LE(budget->peak(), 100 * kMiB);
}

TEST(MemoryBudget, TwoOperatorsThatEachWantSeventyPercentBothFinish) {
  auto budget = MemoryBudget::create(100 * kMiB);
  Holder left(budget, "HashJoin left", 1);
  Holder right(budget, "HashJoin right", 1);
  std::latch start(2);
  auto build = [&](Holder& join) {
    start.arrive_and_wait();
    for (int step = 0; step < 70; ++step) {
      join.hold(kMiB);  // may make the other one spill, or be made to spill
    }
  };
  std::thread a(build, std::ref(left));
  std::thread b(build, std::ref(right));
  a.join();
  b.join();
  EXPECT_LE(budget->peak(), 100 * kMiB);
  EXPECT_GT(left.reclaimed() + right.reclaimed(), 0);
  EXPECT_EQ(budget->used(), left.reclaimable_bytes() + right.reclaimable_bytes());
}

}  // namespace
}  // namespace setl::memory
