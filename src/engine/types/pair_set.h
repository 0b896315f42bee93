// A set of (int64, int64) pairs with open addressing (private to the engine): what
// count_distinct over integer-like values needs per (group, value), at a fraction of the
// cost of the general multi-column key index.
#pragma once

#include <cstdint>
#include <vector>

namespace setl::engine::detail {

class PairSet {
 public:
  /// Adds the pair; true if it was not there yet.
  bool insert(int64_t first, int64_t second) {
    if ((size_ + 1) * 2 > firsts_.size()) {
      grow();
    }
    return place(first, second);
  }
  int64_t size() const noexcept { return static_cast<int64_t>(size_); }
  /// Calls visit(first, second) for every pair (in no particular order).
  template <class Visit>
  void for_each(Visit visit) const {
    for (size_t slot = 0; slot < used_.size(); ++slot) {
      if (used_[slot]) {
        visit(firsts_[slot], seconds_[slot]);
      }
    }
  }
  int64_t memory_bytes() const noexcept {
    return static_cast<int64_t>(firsts_.size() * (2 * sizeof(int64_t) + 1));
  }

 private:
  static uint64_t hash(int64_t first, int64_t second) {
    uint64_t h = static_cast<uint64_t>(first) * 0x9E3779B97F4A7C15ULL;
    h ^= static_cast<uint64_t>(second) + 0x632BE59BD9B4E019ULL + (h << 6) + (h >> 2);
    h ^= h >> 31;
    h *= 0xD6E8FEB86659FD93ULL;
    return h ^ (h >> 32);
  }

  bool place(int64_t first, int64_t second) {
    size_t mask = firsts_.size() - 1;
    for (size_t slot = hash(first, second) & mask;; slot = (slot + 1) & mask) {
      if (!used_[slot]) {
        used_[slot] = 1;
        firsts_[slot] = first;
        seconds_[slot] = second;
        ++size_;
        return true;
      }
      if (firsts_[slot] == first && seconds_[slot] == second) {
        return false;
      }
    }
  }

  void grow() {
    std::vector<int64_t> firsts = std::move(firsts_);
    std::vector<int64_t> seconds = std::move(seconds_);
    std::vector<uint8_t> used = std::move(used_);
    size_t capacity = firsts.empty() ? 64 : firsts.size() * 2;
    firsts_.assign(capacity, 0);
    seconds_.assign(capacity, 0);
    used_.assign(capacity, 0);
    size_ = 0;
    for (size_t slot = 0; slot < used.size(); ++slot) {
      if (used[slot]) {
        place(firsts[slot], seconds[slot]);
      }
    }
  }

  std::vector<int64_t> firsts_;
  std::vector<int64_t> seconds_;
  std::vector<uint8_t> used_;
  size_t size_ = 0;
};

}  // namespace setl::engine::detail
