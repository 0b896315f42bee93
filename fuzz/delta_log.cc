// Delta reader: the input is a table's first commit file (the last line may also be read
// as a JSON checkpoint of version 0); the snapshot is replayed and the table read.
#include "fuzz_support.h"
#include "setl/storage/delta_connector.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  setl::fuzz::single_threaded();
  std::string_view body(reinterpret_cast<const char*>(data), size);
  std::filesystem::path marker = setl::fuzz::scratch_file("", "marker");
  std::filesystem::path table = marker.parent_path() / "delta";
  std::error_code ignored;
  std::filesystem::remove_all(table, ignored);
  std::filesystem::create_directories(table / "_delta_log");
  std::ofstream(table / "_delta_log" / "00000000000000000000.json", std::ios::binary)
      .write(body.data(), static_cast<std::streamsize>(body.size()));
  setl::fuzz::expect_only_setl_errors([&] {
    auto connector = setl::storage::make_connector<setl::storage::DeltaConnector>(table);
    static_cast<void>(connector->history());
    static_cast<void>(connector->read());
  });
  return 0;
}
