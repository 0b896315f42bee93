// HOCON configuration: parsing, merging, substitutions and their bounds, typed getters.
#include "fuzz_support.h"
#include "setl/core/config.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  setl::fuzz::expect_only_setl_errors([&] {
    setl::Config config = setl::Config::from_hocon(text, "fuzz.conf");
    for (const std::string& key : config.keys()) {
      setl::fuzz::expect_only_setl_errors([&] { config.get_string(key); });
      setl::fuzz::expect_only_setl_errors([&] { config.get_duration(key); });
    }
    config.to_json();
  });
  return 0;
}
