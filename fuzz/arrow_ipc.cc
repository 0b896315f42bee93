// Arrow IPC: the input read as a file (memory-mapped from a scratch file) and as a stream;
// a table that reads is then copied whole, so that every buffer it points at is touched.
#include "setl/storage/arrow_ipc.h"

#include <sstream>

#include "fuzz_support.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  setl::fuzz::single_threaded();
  std::string bytes(reinterpret_cast<const char*>(data), size);
  std::filesystem::path file = setl::fuzz::scratch_file(bytes, "input.arrow");
  setl::fuzz::expect_only_setl_errors(
      [&] { return setl::storage::read_arrow_ipc_file(file).table.combine(); });
  setl::fuzz::expect_only_setl_errors([&] {
    std::istringstream in(bytes);
    return setl::storage::read_arrow_ipc_stream(in).table.combine();
  });
  return 0;
}
