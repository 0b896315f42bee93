// A component of another team: built against the installed headers only.
#include <setl/workflow/registry.h>

namespace {

class Half : public setl::workflow::Factory<int> {
 public:
  int process() override { return *whole / 2; }
  setl::workflow::Delivery<int> whole{this, {.id = "whole"}};
};

}  // namespace

SETL_PLUGIN(registry) {
  registry.add_component("answer/half", "1.0.0", [](const setl::workflow::FactoryParams&) {
    setl::workflow::Pipeline fragment("half");
    fragment.add<Half>();
    return fragment;
  });
}
