// Small factories and a template for the composition examples (composition.cc and the
// numbers_library plugin that `setl run examples/composed.pipeline.yaml` uses).
#pragma once

#include <numeric>
#include <string>
#include <vector>

#include <setl/setl.h>

namespace numbers {

using Numbers = std::vector<int64_t>;

// Their settings are named parameters (set_param), read when they run: they enter the
// cache key, and Pipeline::with_params changes them.

/// 1..count, delivered as "raw".
class Generate : public setl::workflow::Factory<Numbers> {
 public:
  explicit Generate(const setl::workflow::FactoryParams& params) {
    set_param("count", std::to_string(params.get_int("count")));
    set_delivery_id("raw");
    set_reads_only_deliveries();
  }
  Numbers process() override {
    Numbers numbers(std::stoul(param("count")));
    std::iota(numbers.begin(), numbers.end(), int64_t{1});
    return numbers;
  }
};

/// "raw" times `factor`, delivered as "clean".
class Scale : public setl::workflow::Factory<Numbers> {
 public:
  explicit Scale(const setl::workflow::FactoryParams& params) {
    set_param("factor", std::to_string(params.get_int("factor")));
    set_delivery_id("clean");
    set_reads_only_deliveries();
  }
  Numbers process() override {
    Numbers scaled = *raw;
    int64_t factor = std::stoll(param("factor"));
    for (int64_t& value : scaled) {
      value *= factor;
    }
    return scaled;
  }

 private:
  setl::workflow::Delivery<Numbers> raw{this, {.id = "raw"}};
};

/// The sum of "clean".
class Total : public setl::workflow::Factory<int64_t> {
 public:
  Total() { set_reads_only_deliveries(); }
  int64_t process() override { return std::accumulate(clean->begin(), clean->end(), int64_t{0}); }

 private:
  setl::workflow::Delivery<Numbers> clean{this, {.id = "clean"}};
};

/// The sum of the totals it names with `inputs:` (first and second).
class Combine : public setl::workflow::Factory<int64_t> {
 public:
  Combine() { set_reads_only_deliveries(); }
  int64_t process() override { return *first + *second; }

 private:
  setl::workflow::Delivery<int64_t> first{this, {.id = "first"}};
  setl::workflow::Delivery<int64_t> second{this, {.id = "second"}};
};

inline const std::vector<setl::workflow::ParamSpec>& ingest_params() {
  using setl::workflow::ParamSpec;
  static const std::vector<ParamSpec> kParams = {
      {.name = "count", .kind = ParamSpec::Kind::kInteger, .fallback = "3", .help = "how many"},
      {.name = "factor", .kind = ParamSpec::Kind::kInteger, .fallback = "1"}};
  return kParams;
}

/// The template: Generate -> Scale -> Total.
inline setl::workflow::Pipeline ingest(const setl::workflow::FactoryParams& params) {
  setl::workflow::Pipeline fragment("ingest");
  fragment.add(std::make_unique<Generate>(params));
  fragment.add(std::make_unique<Scale>(params));
  fragment.add<Total>();
  return fragment;
}

/// Registers the factories and two versions of the "numbers/ingest" component.
inline void register_all(setl::workflow::Registry& registry) {
  registry.add_factory<Generate>("numbers.Generate", {ingest_params()[0]});
  registry.add_factory<Scale>("numbers.Scale", {ingest_params()[1]});
  registry.add_factory<Total>("numbers.Total");
  registry.add_factory<Combine>("numbers.Combine");
  registry.add_component("numbers/ingest", "1.0.0", ingest, ingest_params(),
                         "1..count, scaled by factor, summed");
  registry.add_component(
      "numbers/ingest", "1.1.0",
      [](const setl::workflow::FactoryParams& params) {
        return ingest(params.with_value("count", std::to_string(params.get_int("count") + 1)));
      },
      ingest_params(), "as 1.0.0, counting one further");
  registry.add_report("numbers", [](const setl::workflow::RunReport& run) {
    for (const setl::workflow::FactoryOutcome& outcome : run.result.factories()) {
      if (outcome.factory.ends_with("Total") || outcome.factory == "Combine") {
        run.out << outcome.factory << " = " << run.result.output<int64_t>(outcome.factory)
                << (outcome.component.empty() ? "" : "  (" + outcome.component + ")") << "\n";
      }
    }
  });
}

}  // namespace numbers
