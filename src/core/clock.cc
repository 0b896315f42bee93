#include "setl/core/clock.h"

namespace setl {
namespace {

class RealClock : public Clock {
 public:
  std::chrono::steady_clock::time_point steady_now() const override {
    return std::chrono::steady_clock::now();
  }
  std::chrono::system_clock::time_point system_now() const override {
    return std::chrono::system_clock::now();
  }
};

}  // namespace

std::shared_ptr<const Clock> real_clock() {
  static const std::shared_ptr<const Clock> clock = std::make_shared<const RealClock>();
  return clock;
}

ManualClock::ManualClock(std::chrono::system_clock::time_point start) : start_(start) {}

std::chrono::steady_clock::time_point ManualClock::steady_now() const {
  return std::chrono::steady_clock::time_point(
      std::chrono::nanoseconds(elapsed_ns_.load(std::memory_order_acquire)));
}

std::chrono::system_clock::time_point ManualClock::system_now() const {
  return start_ + std::chrono::duration_cast<std::chrono::system_clock::duration>(
                      std::chrono::nanoseconds(elapsed_ns_.load(std::memory_order_acquire)));
}

void ManualClock::advance(std::chrono::nanoseconds by) noexcept {
  elapsed_ns_.fetch_add(by.count(), std::memory_order_acq_rel);
}

}  // namespace setl
