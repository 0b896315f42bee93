// The engine's 64-bit hash finalizer (private to the engine): MurmurHash3's fmix64, which
// makes every input bit move every output bit — hash tables take slots from the low bits
// and partitions from the high ones.
#pragma once

#include <cstdint>

namespace setl::engine::detail {

inline uint64_t mix64(uint64_t value) noexcept {
  value ^= value >> 33;
  value *= 0xff51afd7ed558ccdULL;
  value ^= value >> 33;
  value *= 0xc4ceb9fe1a85ec53ULL;
  value ^= value >> 33;
  return value;
}

}  // namespace setl::engine::detail
