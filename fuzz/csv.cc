// CSV reader: inference, strict and permissive parsing, over parallel byte ranges. The
// first byte picks options, so delimiters, quotes and escapes vary too, and whether the
// columns are read again as decimals.
#include "fuzz_support.h"
#include "setl/storage/csv_connector.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  setl::fuzz::single_threaded();
  if (size < 1) {
    return 0;
  }
  uint8_t flags = data[0];
  std::string_view body(reinterpret_cast<const char*>(data + 1), size - 1);
  std::filesystem::path path = setl::fuzz::scratch_file(body, "input.csv");
  setl::storage::CsvOptions options;
  options.header = (flags & 1) != 0;
  options.permissive = (flags & 2) != 0;
  options.delimiter = (flags & 4) != 0 ? ';' : ',';
  options.escape = (flags & 8) != 0 ? '\\' : '"';
  options.batch_rows = (flags & 16) != 0 ? 2 : 1024;  // tiny ranges: many split points
  setl::fuzz::expect_only_setl_errors([&] {
    auto connector = setl::storage::make_connector<setl::storage::CsvConnector>(path, options);
    setl::engine::Table table = connector->read();
    // Strict and permissive agree on every file they both accept.
    if (!options.permissive) {
      setl::storage::CsvOptions lenient = options;
      lenient.permissive = true;
      lenient.schema = table.schema();
      auto again =
          setl::storage::make_connector<setl::storage::CsvConnector>(path, lenient)->read();
      if (again.num_rows() != table.num_rows()) {
        std::abort();
      }
    }
    // Every column read as a decimal: hostile digits, exponents and lengths.
    if ((flags & 32) != 0) {
      std::vector<setl::engine::Field> fields;
      for (const setl::engine::Field& field : table.schema()->fields()) {
        fields.push_back({field.name, setl::engine::DataType::decimal(20, 3), true});
      }
      setl::storage::CsvOptions decimals = options;
      decimals.permissive = true;
      decimals.schema = std::make_shared<setl::engine::Schema>(std::move(fields));
      (void)setl::storage::make_connector<setl::storage::CsvConnector>(path, decimals)->read();
    }
  });
  return 0;
}
