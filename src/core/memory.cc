#include "setl/core/memory.h"

#include <atomic>

#include <fmt/format.h>

namespace setl::memory {
namespace {

std::atomic<int64_t> allocated{0};
std::atomic<int64_t> peak{0};
std::atomic<int64_t> mapped{0};
std::atomic<int64_t> peak_mapped{0};

void raise_peak(std::atomic<int64_t>& high, int64_t now) {
  int64_t seen = high.load(std::memory_order_relaxed);
  while (now > seen && !high.compare_exchange_weak(seen, now, std::memory_order_relaxed)) {
  }
}

}  // namespace

int64_t bytes_allocated() noexcept {
  return allocated.load(std::memory_order_relaxed);
}
int64_t peak_bytes() noexcept {
  return peak.load(std::memory_order_relaxed);
}
void reset_peak() noexcept {
  peak.store(bytes_allocated(), std::memory_order_relaxed);
}

std::string format_bytes(int64_t bytes) {
  if (bytes >= (int64_t{1} << 30)) {
    return fmt::format("{:.1f} GiB", static_cast<double>(bytes) / (1 << 30));
  }
  if (bytes >= (int64_t{1} << 20)) {
    return fmt::format("{:.1f} MiB", static_cast<double>(bytes) / (1 << 20));
  }
  if (bytes >= 1024) {
    return fmt::format("{:.1f} KiB", static_cast<double>(bytes) / 1024);
  }
  return fmt::format("{} B", bytes);
}

void record_allocation(int64_t bytes) noexcept {
  raise_peak(peak, allocated.fetch_add(bytes, std::memory_order_relaxed) + bytes);
}

int64_t mapped_bytes() noexcept {
  return mapped.load(std::memory_order_relaxed);
}
int64_t peak_mapped_bytes() noexcept {
  return peak_mapped.load(std::memory_order_relaxed);
}
void reset_peak_mapped() noexcept {
  peak_mapped.store(mapped_bytes(), std::memory_order_relaxed);
}
void record_mapping(int64_t bytes) noexcept {
  raise_peak(peak_mapped, mapped.fetch_add(bytes, std::memory_order_relaxed) + bytes);
}
void record_unmapping(int64_t bytes) noexcept {
  mapped.fetch_sub(bytes, std::memory_order_relaxed);
}

void record_release(int64_t bytes) noexcept {
  allocated.fetch_sub(bytes, std::memory_order_relaxed);
}

}  // namespace setl::memory
