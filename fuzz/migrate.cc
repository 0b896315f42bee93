// setl migrate's analysis of a syntax tree: the JSON the Python helper prints is checked
// (format, version) but otherwise taken as given, so any tree — fields missing, of the
// wrong type, nested deeply — must give stubs and findings, never a crash. The input is
// the module tree; the translation, factory grouping and report run on it.
#include <nlohmann/json.hpp>

#include "fuzz_support.h"
#include "migrate/factories.h"
#include "migrate/translator.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  setl::fuzz::single_threaded();
  std::string_view text(reinterpret_cast<const char*>(data), size);
  nlohmann::json module = nlohmann::json::parse(text, nullptr, false);
  if (module.is_discarded() || !module.is_object() || !module.contains("body")) {
    return 0;
  }
  setl::fuzz::expect_only_setl_errors([&] {
    setl::migrate::PythonSource source{.path = "fuzz.py", .text = "x = 1\n"};
    setl::migrate::ParsedSource parsed{.module = module, .ok = true};
    setl::migrate::ModuleAnalysis analysis;
    analysis.path = source.path;
    analysis.language = "python";
    setl::migrate::Translator translator(source, parsed, analysis);
    translator.run();
    setl::migrate::group_factories(translator, analysis);
    (void)setl::migrate::to_json(analysis);
  });
  return 0;
}
