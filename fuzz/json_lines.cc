// JSON Lines reader: inference and typed parsing over parallel line ranges.
#include "fuzz_support.h"
#include "setl/storage/json_lines_connector.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  setl::fuzz::single_threaded();
  std::string_view body(reinterpret_cast<const char*>(data), size);
  std::filesystem::path path = setl::fuzz::scratch_file(body, "input.jsonl");
  setl::fuzz::expect_only_setl_errors([&] {
    setl::storage::JsonLinesOptions options;
    options.batch_rows = 2;
    static_cast<void>(
        setl::storage::make_connector<setl::storage::JsonLinesConnector>(path, options)->read());
  });
  return 0;
}
