// Parquet reader from memory: footer, schema, pages, codecs, encodings, statistics; row
// groups read whole, and page by page under a tiny budget; and as a query reads the file,
// with string chunks kept as dictionary codes through a filter and a group-by.
#include <memory>

#include "fuzz_support.h"
#include "setl/core/memory_context.h"
#include "setl/engine/functions.h"
#include "setl/storage/parquet_connector.h"

namespace {

// Every string column filtered and grouped, in a query that keeps its dictionary codes.
void query_strings(const std::string& bytes) {
  auto connector = setl::storage::make_connector<setl::storage::ParquetConnector>(
      setl::fuzz::scratch_file(bytes, "fuzz.parquet"));
  setl::engine::LazyFrame frame = connector->lazy();
  static_cast<void>(frame.collect());
  for (const setl::engine::Field& field : frame.schema()->fields()) {
    if (field.type.id() == setl::engine::TypeId::kString) {
      namespace fn = setl::engine::fn;
      static_cast<void>(frame.filter(fn::col(field.name) != fn::lit("a"))
                            .group_by({field.name})
                            .agg({fn::count_all().alias("n")})
                            .collect());
    }
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  setl::fuzz::single_threaded();
  auto bytes = std::make_shared<const std::string>(reinterpret_cast<const char*>(data), size);
  setl::fuzz::expect_only_setl_errors(
      [&] { return setl::storage::read_parquet_bytes(bytes, "fuzz.parquet"); });
  setl::fuzz::expect_only_setl_errors([&] {
    query_strings(*bytes);
    return 0;
  });
  setl::MemoryContextScope tiny({.budget = setl::memory::MemoryBudget::create(64 << 10)});
  setl::fuzz::expect_only_setl_errors(
      [&] { return setl::storage::read_parquet_bytes(bytes, "fuzz.parquet"); });
  return 0;
}
