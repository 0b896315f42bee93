#include "setl/core/process_memory.h"

#include <charconv>
#include <cstdlib>
#include <fstream>
#include <mutex>
#include <string>

#include <malloc.h>

#include "setl/core/memory.h"

namespace setl::memory {
namespace {

// "VmRSS:	  123456 kB" → bytes.
int64_t kilobytes_field(const std::string& line) {
  size_t start = line.find_first_of("0123456789");
  if (start == std::string::npos) {
    return 0;
  }
  int64_t kilobytes = 0;
  auto [end, error] = std::from_chars(line.data() + start, line.data() + line.size(), kilobytes);
  if (error != std::errc() || kilobytes < 0 || kilobytes > (INT64_MAX >> 10)) {
    return 0;
  }
  return kilobytes << 10;
}

}  // namespace

ProcessMemory process_memory() {
  ProcessMemory memory;
  std::ifstream status("/proc/self/status");
  std::string line;
  while (std::getline(status, line)) {
    if (line.rfind("VmRSS:", 0) == 0) {
      memory.resident_bytes = kilobytes_field(line);
    } else if (line.rfind("VmHWM:", 0) == 0) {
      memory.peak_resident_bytes = kilobytes_field(line);
    } else if (line.rfind("RssFile:", 0) == 0) {
      memory.file_resident_bytes = kilobytes_field(line);
    }
  }
  return memory;
}

bool reset_peak_resident() {
  std::ofstream clear("/proc/self/clear_refs");
  clear << "5";  // resets VmHWM to the current RSS (Linux 4.0 and later)
  clear.flush();
  return static_cast<bool>(clear);
}

void keep_freed_heap_memory() {
  static std::once_flag once;
  std::call_once(once, [] {
    for (const char* tuned : {"GLIBC_TUNABLES", "MALLOC_MMAP_THRESHOLD_", "MALLOC_TRIM_THRESHOLD_",
                              "MALLOC_TOP_PAD_", "MALLOC_ARENA_MAX"}) {
      if (std::getenv(tuned) != nullptr) {
        return;  // the user's tuning wins
      }
    }
    mallopt(M_MMAP_THRESHOLD, 64 << 20);
    mallopt(M_TRIM_THRESHOLD, 512 << 20);
  });
}

int64_t release_free_memory() {
  int64_t before = process_memory().resident_bytes;
  drain_pool();
  malloc_trim(0);
  int64_t after = process_memory().resident_bytes;
  return before > after ? before - after : 0;
}

}  // namespace setl::memory
