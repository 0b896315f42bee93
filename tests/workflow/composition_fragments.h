// Fragments and templates shared by the composition and extension tests: a small ingest
// chain (Generate -> Scale -> Total) whose parameters change its outputs.
#pragma once

#include <cstdint>
#include <numeric>
#include <string>
#include <vector>

#include "setl/workflow/composition.h"
#include "setl/workflow/pipeline.h"

namespace setl::workflow::test {

using Numbers = std::vector<int64_t>;

// 1..count under delivery id "raw".
class Generate : public Factory<Numbers> {
 public:
  explicit Generate(int64_t count) {
    set_delivery_id("raw");
    set_param("count", std::to_string(count));
    set_reads_only_deliveries();
  }
  Numbers process() override {
    Numbers numbers(static_cast<size_t>(std::stoll(param("count"))));
    std::iota(numbers.begin(), numbers.end(), int64_t{1});
    return numbers;
  }
};

// Multiplies what arrives as "raw" by `factor`; delivers "clean".
class Scale : public Factory<Numbers> {
 public:
  explicit Scale(int64_t factor) {
    set_delivery_id("clean");
    set_param("factor", std::to_string(factor));
    set_reads_only_deliveries();
  }
  Numbers process() override {
    Numbers scaled = raw.get();
    int64_t factor = std::stoll(param("factor"));
    for (int64_t& value : scaled) {
      value *= factor;
    }
    return scaled;
  }

 private:
  Delivery<Numbers> raw{this, {.id = "raw"}};
};

// The same output as Scale, computed differently (a replacement).
class ScaleTwice : public Factory<Numbers> {
 public:
  ScaleTwice() { set_reads_only_deliveries(); }
  Numbers process() override {
    Numbers scaled = raw.get();
    for (int64_t& value : scaled) {
      value *= 2 * 2;
    }
    return scaled;
  }

 private:
  Delivery<Numbers> raw{this, {.id = "raw"}};
};

// Drops odd numbers: inserted after Scale.
class DropOdd : public Factory<Numbers> {
 public:
  DropOdd() { set_reads_only_deliveries(); }
  Numbers process() override {
    Numbers even;
    for (int64_t value : input.get()) {
      if (value % 2 == 0) {
        even.push_back(value);
      }
    }
    return even;
  }

 private:
  Delivery<Numbers> input{this};
};

// Sums "clean".
class Total : public Factory<int64_t> {
 public:
  Total() { set_reads_only_deliveries(); }
  int64_t process() override {
    const Numbers& numbers = clean.get();
    return std::accumulate(numbers.begin(), numbers.end(), int64_t{0});
  }

 private:
  Delivery<Numbers> clean{this, {.id = "clean"}};
};

struct IngestParams {
  int64_t count = 3;
  int64_t factor = 1;
};

inline Pipeline ingest_fragment(const IngestParams& params) {
  Pipeline fragment("ingest");
  fragment.add<Generate>(params.count);
  fragment.add<Scale>(params.factor);
  fragment.add<Total>();
  return fragment;
}

inline const Template<IngestParams>& ingest_template() {
  static const Template<IngestParams> kIngest("ingest", ingest_fragment);
  return kIngest;
}

// A fragment with one free input: it scales whatever arrives as "raw".
inline Pipeline scale_fragment(int64_t factor) {
  Pipeline fragment("scale");
  fragment.add<Scale>(factor);
  fragment.add<Total>();
  return fragment;
}

}  // namespace setl::workflow::test
