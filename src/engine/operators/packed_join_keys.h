// The hash join's table for integer keys (private to the engine). Join keys that are all
// integers, dates or timestamps are packed into one 64-bit word per row, each key as its
// offset from the build side's minimum in as many bits as the build side's range needs,
// so the common join on one or two integer keys hashes and compares one word per row. The
// table is split into partitions by the top bits of the hash, and each partition is built
// by its own task: the build runs on every engine thread without locks. Keys of at most 23
// bits also get a bitmap, so a probe that cannot match costs one bit test.
#pragma once

#include <cstdint>
#include <memory>
#include <vector>

#include "setl/engine/column.h"

namespace setl::engine::detail {

class PackedKeyTable {
 public:
  /// The table of the build rows' keys, or null when a key is not an integer-backed type
  /// or the keys' ranges need more than 64 bits together. Rows with a NULL key are left
  /// out (they never match).
  static std::unique_ptr<PackedKeyTable> try_build(const std::vector<ColumnPtr>& keys,
                                                   int64_t rows);

  /// For each probe row, the first build row with an equal key (-1: none, or NULL).
  void find(const std::vector<ColumnPtr>& keys, int64_t rows, std::vector<int64_t>& first) const;
  /// The next build row with the same key as build row `row`, in build order (-1: none).
  int64_t next(int64_t row) const { return next_[static_cast<size_t>(row)]; }
  int64_t memory_bytes() const noexcept;

 private:
  // Where one key's bits go: value - min, shifted left by `shift`; values above `max`
  // cannot match.
  struct KeyRange {
    int64_t min = 0;
    int64_t max = 0;
    int shift = 0;
  };

  // Packs rows [begin, end) of `keys` into packed[row - begin]; usable[row - begin] is 0
  // for a NULL key or one outside the build side's ranges.
  void pack(const std::vector<ColumnPtr>& keys, int64_t begin, int64_t end, uint64_t* packed,
            uint8_t* usable) const;
  size_t partition_of(uint64_t hash) const noexcept {
    return partition_bits_ == 0 ? 0 : static_cast<size_t>(hash >> (64 - partition_bits_));
  }
  // The first slot to look at for `hash`, inside its partition's region.
  size_t home_slot(uint64_t hash) const noexcept {
    return (partition_of(hash) << region_bits_) | static_cast<size_t>(hash & region_mask_);
  }

  std::vector<KeyRange> ranges_;
  int partition_bits_ = 0;
  int region_bits_ = 0;
  uint64_t region_mask_ = 0;
  size_t slots_ = 0;
  int64_t rows_ = 0;
  // A packed key and the first build row with it (-1: the slot is empty); one cache line
  // holds four.
  struct Slot {
    uint64_t key;
    int64_t head;
  };
  std::unique_ptr<Slot[]> slot_array_;
  // Bit k set when a build row's packed key is k; empty when the keys need too many bits.
  std::vector<uint64_t> present_;
  std::unique_ptr<int64_t[]> next_;
};

}  // namespace setl::engine::detail
