// Process-wide accounting of the bytes held by engine buffers, so that runs can report
// their memory use and later enforce budgets.
#pragma once

#include <cstdint>

namespace setl::memory {

/// Bytes currently allocated by setlpp buffers.
int64_t bytes_allocated() noexcept;
/// Highest value bytes_allocated() has reached since start (or the last reset_peak()).
int64_t peak_bytes() noexcept;
void reset_peak() noexcept;

/// Called by allocators; not for general use.
void record_allocation(int64_t bytes) noexcept;
void record_release(int64_t bytes) noexcept;

}  // namespace setl::memory
