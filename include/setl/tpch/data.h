// A TPC-H-shaped data generator of our own: the eight tables with the schemas, key
// relationships and value distributions of the TPC-H specification (section 4.2), held
// in memory as engine Tables. Deterministic for a (scale factor, seed) pair and
// independent of the thread count. Not dbgen: values differ, distributions match.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>

#include "setl/engine/table.h"

namespace setl::tpch {

struct Tables {
  engine::Table region;
  engine::Table nation;
  engine::Table supplier;
  engine::Table customer;
  engine::Table part;
  engine::Table partsupp;
  engine::Table orders;
  engine::Table lineitem;
};

struct GenerateOptions {
  double scale_factor = 0.01;
  uint64_t seed = 1;
};

/// Generates every table. Throws: StateError for a scale factor outside (0, 100].
Tables generate(const GenerateOptions& options);

/// Writes each table as DIR/<name>.tbl, '|'-separated with a trailing '|' like dbgen;
/// files are written to a temporary name and renamed. Throws: IoError.
void write_tbl(const Tables& tables, const std::filesystem::path& directory);

}  // namespace setl::tpch
