// Equality of two byte ranges of one known length, inlined: most strings compared by filters
// and IN lists are a few bytes long, where a call to memcmp costs more than the compare.
#pragma once

#include <cstdint>
#include <cstring>

namespace setl::engine::detail {

inline bool bytes_equal(const char* a, const char* b, size_t length) {
  auto load64 = [](const char* p) {
    uint64_t value;
    std::memcpy(&value, p, sizeof value);
    return value;
  };
  auto load32 = [](const char* p) {
    uint32_t value;
    std::memcpy(&value, p, sizeof value);
    return value;
  };
  if (length >= 8 && length <= 16) {
    // Two overlapping words cover every byte.
    return load64(a) == load64(b) && load64(a + length - 8) == load64(b + length - 8);
  }
  if (length >= 4 && length < 8) {
    return load32(a) == load32(b) && load32(a + length - 4) == load32(b + length - 4);
  }
  if (length < 4) {
    for (size_t i = 0; i < length; ++i) {
      if (a[i] != b[i]) {
        return false;
      }
    }
    return true;
  }
  return std::memcmp(a, b, length) == 0;
}

}  // namespace setl::engine::detail
