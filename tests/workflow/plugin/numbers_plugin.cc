// A plugin built apart from the tests that load it: components and a factory of its own,
// registered through its entry point.
#include <numeric>
#include <vector>

#include "setl/workflow/registry.h"

namespace {

using Numbers = std::vector<int64_t>;

class Count : public setl::workflow::Factory<Numbers> {
 public:
  explicit Count(const setl::workflow::FactoryParams& params) : upto_(params.get_int("upto")) {
    set_delivery_id("numbers");
    set_reads_only_deliveries();
  }
  Numbers process() override {
    Numbers numbers(static_cast<size_t>(upto_));
    std::iota(numbers.begin(), numbers.end(), int64_t{1});
    return numbers;
  }

 private:
  int64_t upto_;
};

class Sum : public setl::workflow::Factory<int64_t> {
 public:
  Sum() { set_reads_only_deliveries(); }
  int64_t process() override {
    return std::accumulate(numbers->begin(), numbers->end(), int64_t{0}) * scale_;
  }
  void set_scale(int64_t scale) { scale_ = scale; }

 private:
  int64_t scale_ = 1;
  setl::workflow::Delivery<Numbers> numbers{this, {.id = "numbers"}};
};

setl::workflow::Pipeline counting(const setl::workflow::FactoryParams& params, int64_t scale) {
  setl::workflow::Pipeline fragment("counting");
  fragment.add(std::make_unique<Count>(params));
  fragment.add<Sum>().set_scale(scale);
  return fragment;
}

}  // namespace

SETL_PLUGIN(registry) {
  std::vector<setl::workflow::ParamSpec> params = {
      {.name = "upto", .kind = setl::workflow::ParamSpec::Kind::kInteger, .fallback = "3"}};
  registry.add_component(
      "numbers/counting", "1.0.0",
      [](const setl::workflow::FactoryParams& values) { return counting(values, 1); }, params,
      "counts to `upto` and sums");
  registry.add_component(
      "numbers/counting", "1.1.0",
      [](const setl::workflow::FactoryParams& values) { return counting(values, 10); }, params,
      "counts to `upto` and sums, times ten");
  registry.add_factory<Count>("numbers.Count", params, "1..upto as \"numbers\"");
}
