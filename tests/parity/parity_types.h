// Row types shared by the parity tests (SETL's Product2, PySetl's DSSchema), with their
// schemas, and a helper that writes CSV files.
#pragma once

#include <cstdint>
#include <filesystem>
#include <fstream>
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

inline void write_text(const std::filesystem::path& path, const std::string& text) {
  std::ofstream out(path, std::ios::trunc);
  out << text;
}

}  // namespace parity

SETL_SCHEMA(parity::Product2, x, y)
SETL_SCHEMA(parity::Product23Row, x)
SETL_SCHEMA(parity::DSRow, partition1, partition2, clustering1, value)
SETL_SCHEMA(parity::DS3Row, partition1, partition2, clustering1, value, value2)
