// Tables for distributed tests: random rows whose keys stress the exchanges.
#pragma once

#include <cstdint>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include "setl/engine/table.h"
#include "testing/columns.h"

namespace setl::testing {

enum class Keys { kSpread, kSkewed, kOneValue, kAllNull };

// `rows` rows: k (int64 keys as `keys` says, some NULL), s (string keys), g (int32 groups),
// v (float64 with NULLs), d (decimal(12,2)).
inline engine::Table random_table(int64_t rows, Keys keys, uint32_t seed) {
  std::mt19937 random(seed);
  std::vector<std::optional<int64_t>> k;
  std::vector<std::optional<std::string>> s;
  std::vector<std::optional<int32_t>> g;
  std::vector<std::optional<double>> v;
  std::vector<std::optional<std::string>> d;
  for (int64_t row = 0; row < rows; ++row) {
    uint32_t draw = random();
    switch (keys) {
      case Keys::kSpread:
        k.push_back(draw % 97 == 0 ? std::nullopt : std::optional<int64_t>(draw % 500));
        break;
      case Keys::kSkewed:  // most rows share a handful of keys
        k.push_back(draw % 10 < 8 ? std::optional<int64_t>(draw % 3) : int64_t(draw % 2000));
        break;
      case Keys::kOneValue:
        k.push_back(7);
        break;
      case Keys::kAllNull:
        k.push_back(std::nullopt);
        break;
    }
    s.push_back(draw % 13 == 0 ? std::nullopt
                               : std::optional<std::string>("key-" + std::to_string(draw % 61)));
    g.push_back(static_cast<int32_t>(draw % 7));
    v.push_back(draw % 11 == 0 ? std::nullopt : std::optional<double>((draw % 10000) / 7.0));
    d.push_back(std::to_string(draw % 100000) + "." + std::to_string(10 + draw % 90));
  }
  return engine::Table::from_columns({{"k", int64s(k)},
                                      {"s", strings(s)},
                                      {"g", int32s(g)},
                                      {"v", float64s(v)},
                                      {"d", decimals(engine::DataType::decimal(12, 2), d)}});
}

}  // namespace setl::testing
