// Parquet reader from memory: footer, schema, pages, codecs, encodings, statistics; row
// groups read whole, and page by page under a tiny budget.
#include <memory>

#include "fuzz_support.h"
#include "setl/core/memory_context.h"
#include "setl/storage/parquet_connector.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  setl::fuzz::single_threaded();
  auto bytes = std::make_shared<const std::string>(reinterpret_cast<const char*>(data), size);
  setl::fuzz::expect_only_setl_errors(
      [&] { return setl::storage::read_parquet_bytes(bytes, "fuzz.parquet"); });
  setl::MemoryContextScope tiny({.budget = setl::memory::MemoryBudget::create(64 << 10)});
  setl::fuzz::expect_only_setl_errors(
      [&] { return setl::storage::read_parquet_bytes(bytes, "fuzz.parquet"); });
  return 0;
}
