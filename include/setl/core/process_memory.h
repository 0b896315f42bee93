// The process's memory as the operating system sees it (Linux /proc), next to what
// setlpp tracks: resident and peak resident bytes, and giving freed heap back.
//
//   ProcessMemory before = process_memory();
//   ... run ...
//   int64_t returned = release_free_memory();   // malloc_trim; bytes of RSS given back
#pragma once

#include <cstdint>

namespace setl::memory {

struct ProcessMemory {
  int64_t resident_bytes = 0;       ///< VmRSS (0 where unknown)
  int64_t peak_resident_bytes = 0;  ///< VmHWM: highest VmRSS since start or reset
  /// RssFile: the part of VmRSS backed by files (the program, its libraries, mapped
  /// input files), which the kernel can drop and read again.
  int64_t file_resident_bytes = 0;
};

/// Reads /proc/self/status; zeros where it cannot.
ProcessMemory process_memory();

/// Sets the peak resident size back to the current one (/proc/self/clear_refs), so that a
/// run can report its own peak. Returns false where the system does not allow it.
bool reset_peak_resident();

/// Keeps heap memory freed by large temporary buffers inside the allocator for the next
/// buffer, instead of giving it back to the system at once and faulting in fresh zeroed
/// pages for the next one: glibc's sliding thresholds are fixed at 64 MiB (mmap) and
/// 512 MiB (trim). A query allocates and frees such buffers for every batch; on a virtual
/// machine where a page fault costs microseconds, TPC-H Q21 at SF 1 spent over half its time
/// faulting (260 K faults, 3.3 s; 70 K and 1.25 s kept). The engine calls it once, before its
/// first query; release_free_memory() (which ends every pipeline run) still gives the
/// memory back. Does nothing when the environment tunes malloc itself (MALLOC_*_
/// variables or GLIBC_TUNABLES). Safe to call more than once.
void keep_freed_heap_memory();

/// Returns free memory to the operating system — the buffer pool's blocks, then the heap's
/// free pages (glibc malloc_trim) — and reports how much the resident size fell (0 if it
/// did not).
int64_t release_free_memory();

}  // namespace setl::memory
