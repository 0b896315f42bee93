// Types shared by the parity tests (SETL's Product2 and containers, PySetl's DSSchema),
// with their schemas.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "setl/engine/dataset.h"

namespace parity {

struct Product2 {
  std::string x;
  std::string y;
};

struct Product23Row {
  std::string x;
};

struct DSRow {
  int64_t partition1;
  std::string partition2;
  std::string clustering1;
  int64_t value;
};

struct DS3Row {
  int64_t partition1;
  std::string partition2;
  std::string clustering1;
  int64_t value;
  std::string value2;
};

template <class T>
struct Container {
  T content;
};
template <class T>
struct Container2 {
  T content;
};

}  // namespace parity

SETL_SCHEMA(parity::Product2, x, y)
SETL_SCHEMA(parity::Product23Row, x)
SETL_SCHEMA(parity::DSRow, partition1, partition2, clustering1, value)
SETL_SCHEMA(parity::DS3Row, partition1, partition2, clustering1, value, value2)
