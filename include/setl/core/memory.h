// The memory of engine buffers, process-wide: how many bytes they hold (so that runs can
// report their memory use), and where those bytes come from — size classes, a bounded pool
// of released blocks, large blocks mapped straight from the kernel.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

namespace setl::memory {

/// Bytes currently allocated by setlpp buffers.
int64_t bytes_allocated() noexcept;
/// Highest value bytes_allocated() has reached since start (or the last reset_peak()).
int64_t peak_bytes() noexcept;
void reset_peak() noexcept;

/// Bytes of files mapped for reading (Parquet files being scanned), and the most at once
/// since start or reset_peak_mapped(). Mapped pages are the file's: resident while read,
/// dropped by the kernel under pressure, never counted in bytes_allocated().
int64_t mapped_bytes() noexcept;
int64_t peak_mapped_bytes() noexcept;
void reset_peak_mapped() noexcept;

/// Bytes for people: "512 B", "3.5 KiB", "80.0 MiB", "2.0 GiB".
std::string format_bytes(int64_t bytes);

/// Called by allocators; not for general use.
void record_allocation(int64_t bytes) noexcept;
void record_release(int64_t bytes) noexcept;
void record_mapping(int64_t bytes) noexcept;
void record_unmapping(int64_t bytes) noexcept;

/// The capacity a buffer of `size` bytes is given: a multiple of `alignment` (a power of
/// two), and from 64 KiB on one of four size classes per power of two, so that released
/// blocks can be reused.
size_t buffer_capacity(size_t size, size_t alignment);
/// Memory of `capacity` bytes (a buffer_capacity) aligned to `alignment` (a power of two
/// up to 4096), counted in bytes_allocated(): a released block of that capacity when one
/// is pooled; from 1 MiB on mapped from the kernel, so that releasing it lowers the
/// resident size at once. Throws: ResourceError (out of memory), InternalError (alignment).
void* allocate_buffer(size_t capacity, size_t alignment);
/// Gives a block from allocate_buffer back: into the pool, or to the system when the pool
/// is full. The pool holds at most set_pool_limit() bytes (256 MiB by default), and at
/// most 1/8 of the smallest live limited budget.
void release_buffer(void* memory, size_t capacity) noexcept;
/// Bytes of released blocks kept for reuse (not counted in bytes_allocated()).
int64_t pooled_bytes() noexcept;
void set_pool_limit(int64_t bytes) noexcept;
/// Called by MemoryBudget: while a run's budget with a limit lives, the pool keeps at
/// most 1/8 of the smallest such limit (pooled blocks are memory no budget sees).
void budget_created(int64_t limit);
void budget_destroyed(int64_t limit) noexcept;
/// Frees every pooled block; returns their bytes.
int64_t drain_pool();

}  // namespace setl::memory
