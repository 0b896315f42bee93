#include "engine/operators/packed_join_keys.h"

#include <algorithm>
#include <bit>
#include <limits>

#include "engine/operators/parallel.h"
#include "engine/types/hash_mix.h"
#include "setl/core/cancellation.h"
#include "setl/engine/buffer.h"

namespace setl::engine::detail {
namespace {

constexpr int64_t kChunkRows = 64 * 1024;
// Below this many build rows one partition is built on the calling thread.
constexpr int64_t kPartitionedBuildRows = 32 * 1024;
constexpr int kPartitionBits = 4;
// Packed keys of at most this many bits get a bitmap of the build keys (at most 1 MiB).
constexpr int kMaxBitmapBits = 23;

bool integer_backed(const DataType& type) {
  switch (type.id()) {
    case TypeId::kInt32:
    case TypeId::kInt64:
    case TypeId::kDate32:
    case TypeId::kTimestamp:
      return true;
    default:
      return false;
  }
}

int64_t chunk_count(int64_t rows) {
  return (rows + kChunkRows - 1) / kChunkRows;
}

// Calls body(begin, end) for row chunks of [0, rows) in parallel.
template <class Body>
void for_chunks(int64_t rows, const Body& body) {
  parallel_for(static_cast<size_t>(chunk_count(rows)), [&](size_t chunk) {
    int64_t begin = static_cast<int64_t>(chunk) * kChunkRows;
    body(begin, std::min(rows, begin + kChunkRows));
  });
}

template <class T>
void min_max_of(const Column& column, int64_t rows, int64_t& min, int64_t& max, bool& any) {
  const T* values = column.values<T>();
  bool has_nulls = column.null_count() > 0;
  for (int64_t row = 0; row < rows; ++row) {
    if (has_nulls && column.is_null(row)) {
      continue;
    }
    int64_t value = static_cast<int64_t>(values[row]);
    min = any ? std::min(min, value) : value;
    max = any ? std::max(max, value) : value;
    any = true;
  }
}

// Adds key `column`'s bits for rows [begin, end) into `packed`, clearing `usable` where
// the key is NULL or outside [min, max].
template <class T>
void pack_column(const Column& column, int64_t begin, int64_t end, int64_t min, int64_t max,
                 int shift, uint64_t* packed, uint8_t* usable) {
  const T* values = column.values<T>();
  bool has_nulls = column.null_count() > 0;
  for (int64_t row = begin; row < end; ++row) {
    int64_t value = static_cast<int64_t>(values[row]);
    size_t at = static_cast<size_t>(row - begin);
    bool inside = value >= min && value <= max && !(has_nulls && column.is_null(row));
    // Unsigned arithmetic: value - min never overflows for value >= min. A key with one
    // value may sit at shift 64, past every bit: it adds nothing.
    uint64_t offset = static_cast<uint64_t>(value) - static_cast<uint64_t>(min);
    packed[at] |= shift < 64 ? offset << shift : 0;
    usable[at] &= static_cast<uint8_t>(inside);
  }
}

}  // namespace

std::unique_ptr<PackedKeyTable> PackedKeyTable::try_build(const std::vector<ColumnPtr>& keys,
                                                          int64_t rows) {
  auto table = std::unique_ptr<PackedKeyTable>(new PackedKeyTable());
  int bits = 0;
  for (const ColumnPtr& key : keys) {
    if (!integer_backed(key->type())) {
      return nullptr;
    }
    KeyRange range;
    bool any = false;
    if (key->type().byte_width() == 4) {
      min_max_of<int32_t>(*key, rows, range.min, range.max, any);
    } else {
      min_max_of<int64_t>(*key, rows, range.min, range.max, any);
    }
    uint64_t span = static_cast<uint64_t>(range.max) - static_cast<uint64_t>(range.min);
    range.shift = bits;
    bits += static_cast<int>(std::bit_width(span));
    if (bits > 64) {
      return nullptr;
    }
    table->ranges_.push_back(range);
  }

  // Written before read, so never zeroed: fresh pages are faulted in by the tasks that
  // fill them, in parallel.
  auto words = std::make_unique_for_overwrite<uint64_t[]>(static_cast<size_t>(rows));
  auto hashes = std::make_unique_for_overwrite<uint64_t[]>(static_cast<size_t>(rows));
  auto usable = std::make_unique_for_overwrite<uint8_t[]>(static_cast<size_t>(rows));
  for_chunks(rows, [&](int64_t begin, int64_t end) {
    table->pack(keys, begin, end, words.get() + begin, usable.get() + begin);
    for (int64_t row = begin; row < end; ++row) {
      hashes[static_cast<size_t>(row)] = mix64(words[static_cast<size_t>(row)]);
    }
  });

  if (bits <= kMaxBitmapBits) {
    table->present_.assign((size_t{1} << bits) / 64 + 1, 0);
    for (int64_t row = 0; row < rows; ++row) {
      uint64_t key = words[static_cast<size_t>(row)];
      if (usable[static_cast<size_t>(row)]) {
        table->present_[key >> 6] |= uint64_t{1} << (key & 63);
      }
    }
  }

  table->partition_bits_ = rows >= kPartitionedBuildRows ? kPartitionBits : 0;
  size_t partitions = size_t{1} << table->partition_bits_;
  // Build rows of each partition, in row order (a counting sort by partition).
  std::vector<int64_t> counts(partitions + 1, 0);
  for (int64_t row = 0; row < rows; ++row) {
    if (usable[static_cast<size_t>(row)]) {
      ++counts[table->partition_of(hashes[static_cast<size_t>(row)]) + 1];
    }
  }
  int64_t largest = *std::max_element(counts.begin(), counts.end());
  for (size_t p = 1; p <= partitions; ++p) {
    counts[p] += counts[p - 1];
  }
  std::vector<int64_t> by_partition(static_cast<size_t>(counts[partitions]));
  {
    std::vector<int64_t> fill(counts.begin(), counts.end() - 1);
    for (int64_t row = 0; row < rows; ++row) {
      if (usable[static_cast<size_t>(row)]) {
        by_partition[static_cast<size_t>(
            fill[table->partition_of(hashes[static_cast<size_t>(row)])]++)] = row;
      }
    }
  }
  current_cancellation().check();

  // Regions are powers of two at most three quarters full: probes stay short.
  uint64_t wanted = static_cast<uint64_t>(std::max<int64_t>(largest, 1)) * 4 / 3 + 1;
  table->region_bits_ = std::max(4, static_cast<int>(std::bit_width(wanted - 1)));
  table->region_mask_ = (uint64_t{1} << table->region_bits_) - 1;
  size_t region = size_t{1} << table->region_bits_;
  table->slots_ = partitions * region;
  table->rows_ = rows;
  // Written before read, so never zeroed; each partition's task faults in its own region.
  // Only rows with a usable key are reached through a chain, and each gets its link.
  table->slot_array_ = std::make_unique_for_overwrite<Slot[]>(table->slots_);
  table->next_ = std::make_unique_for_overwrite<int64_t[]>(static_cast<size_t>(rows));
  PackedKeyTable& built = *table;
  parallel_for(partitions, [&](size_t p) {
    std::fill_n(built.slot_array_.get() + p * region, region, Slot{0, -1});
    // Backwards, so that each key's chain lists its rows in build order.
    for (int64_t i = counts[p + 1] - 1; i >= counts[p]; --i) {
      int64_t row = by_partition[static_cast<size_t>(i)];
      uint64_t key = words[static_cast<size_t>(row)];
      size_t base = p << built.region_bits_;
      size_t slot = built.home_slot(hashes[static_cast<size_t>(row)]);
      while (built.slot_array_[slot].head >= 0 && built.slot_array_[slot].key != key) {
        slot = base | ((slot + 1) & built.region_mask_);
      }
      built.slot_array_[slot].key = key;
      built.next_[static_cast<size_t>(row)] = built.slot_array_[slot].head;
      built.slot_array_[slot].head = row;
    }
  });
  return table;
}

void PackedKeyTable::pack(const std::vector<ColumnPtr>& keys, int64_t begin, int64_t end,
                          uint64_t* packed, uint8_t* usable) const {
  std::fill(packed, packed + (end - begin), 0);
  std::fill(usable, usable + (end - begin), 1);
  for (size_t k = 0; k < keys.size(); ++k) {
    const KeyRange& range = ranges_[k];
    if (keys[k]->type().byte_width() == 4) {
      pack_column<int32_t>(*keys[k], begin, end, range.min, range.max, range.shift, packed, usable);
    } else {
      pack_column<int64_t>(*keys[k], begin, end, range.min, range.max, range.shift, packed, usable);
    }
  }
}

void PackedKeyTable::find(const std::vector<ColumnPtr>& keys, int64_t rows,
                          std::vector<int64_t>& first) const {
  auto count = static_cast<size_t>(rows);
  first.assign(count, -1);
  std::vector<uint64_t> packed(count);
  std::vector<uint8_t> usable(count);
  pack(keys, 0, rows, packed.data(), usable.data());
  // The rows that may match: with a bitmap of the build keys most misses stop here, one
  // bit test each, without hashing or touching the table (a selective join's probe is
  // mostly misses, whose branches would otherwise mispredict).
  std::vector<size_t> candidates;
  candidates.reserve(count);
  for (size_t row = 0; row < count; ++row) {
    uint64_t key = packed[row];
    bool maybe =
        usable[row] != 0 && (present_.empty() || ((present_[key >> 6] >> (key & 63)) & 1) != 0);
    if (maybe) {
      candidates.push_back(row);
    }
  }
  // Every candidate's home slot first, so that the probe loop can prefetch the slots a few
  // rows ahead: a table larger than the cache makes each probe a memory access otherwise.
  std::vector<size_t> homes(candidates.size());
  for (size_t i = 0; i < candidates.size(); ++i) {
    homes[i] = home_slot(mix64(packed[candidates[i]]));
  }
  constexpr size_t kAhead = 16;
  for (size_t i = 0; i < candidates.size(); ++i) {
    if (i + kAhead < candidates.size()) {
      __builtin_prefetch(&slot_array_[homes[i + kAhead]]);
    }
    size_t row = candidates[i];
    uint64_t key = packed[row];
    size_t slot = homes[i];
    size_t base = slot & ~static_cast<size_t>(region_mask_);
    while (slot_array_[slot].head >= 0) {
      if (slot_array_[slot].key == key) {
        first[row] = slot_array_[slot].head;
        break;
      }
      slot = base | ((slot + 1) & region_mask_);
    }
  }
}

int64_t PackedKeyTable::memory_bytes() const noexcept {
  return static_cast<int64_t>(slots_ * sizeof(Slot) + static_cast<size_t>(rows_) * sizeof(int64_t) +
                              present_.size() * sizeof(uint64_t));
}

}  // namespace setl::engine::detail
