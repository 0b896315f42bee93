// Process-wide accounting of the bytes held by engine buffers, so that runs can report
// their memory use and later enforce budgets.
#pragma once

#include <cstdint>
#include <string>

namespace setl::memory {

/// Bytes currently allocated by setlpp buffers.
int64_t bytes_allocated() noexcept;
/// Highest value bytes_allocated() has reached since start (or the last reset_peak()).
int64_t peak_bytes() noexcept;
void reset_peak() noexcept;

/// Bytes for people: "512 B", "3.5 KiB", "80.0 MiB", "2.0 GiB".
std::string format_bytes(int64_t bytes);

/// Called by allocators; not for general use.
void record_allocation(int64_t bytes) noexcept;
void record_release(int64_t bytes) noexcept;

}  // namespace setl::memory
