// Pipeline files (`setl run`): parsing and checking against a registry, then building and
// planning what parsed. Inputs naming plugins are skipped: loading arbitrary libraries is
// not the parser's business.
#include "setl/cli/pipeline_file.h"

#include "fuzz_support.h"
#include "setl/workflow/setl.h"

namespace {

class Numbers : public setl::workflow::Factory<int64_t> {
 public:
  explicit Numbers(const setl::workflow::FactoryParams& params) : count_(params.get_int("count")) {}
  int64_t process() override { return count_; }

 private:
  int64_t count_;
};

class Twice : public setl::workflow::Factory<int64_t> {
 public:
  int64_t process() override { return *value * 2; }
  setl::workflow::Delivery<int64_t> value{this, {.id = "value"}};
};

setl::workflow::Registry& registry() {
  static setl::workflow::Registry* registry = [] {
    auto* made = new setl::workflow::Registry();
    using setl::workflow::ParamSpec;
    made->add_factory<Numbers>(
        "Numbers", {{.name = "count", .kind = ParamSpec::Kind::kInteger, .fallback = "1"}});
    made->add_factory<Twice>("Twice");
    made->add_component("numbers/twice", "1.0.0", [](const setl::workflow::FactoryParams&) {
      setl::workflow::Pipeline fragment("twice");
      fragment.add<Twice>();
      return fragment;
    });
    return made;
  }();
  return *registry;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  if (text.find("plugins") != std::string_view::npos) {
    return 0;
  }
  setl::fuzz::expect_only_setl_errors([&] {
    setl::cli::PipelineFile file =
        setl::cli::PipelineFile::parse(text, "fuzz.yaml", ".", registry());
    setl::workflow::Setl setl{setl::Config()};
    setl::workflow::Pipeline pipeline = file.build(setl);
    pipeline.describe();
  });
  return 0;
}
