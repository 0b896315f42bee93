// The TPC-H lineitem table the storage benchmarks read and write (SETL_TPCH_SF, default 1;
// generated once per process, before any clock starts), and scratch files for them.
#pragma once

#include <cstdlib>
#include <filesystem>
#include <string>

#include "setl/engine/table.h"
#include "setl/tpch/data.h"

namespace setl::bench {

inline double scale_factor() {
  const char* env = std::getenv("SETL_TPCH_SF");
  return env ? std::atof(env) : 1.0;
}

inline const engine::Table& lineitem() {
  static const engine::Table table =
      tpch::generate({.scale_factor = scale_factor(), .seed = 1}).lineitem;
  return table;
}

/// `name` in a directory of the temporary directory kept for `benchmark`'s files at this
/// scale factor (files written at another one are never read by mistake).
inline std::filesystem::path scratch_file(const std::string& benchmark, const std::string& name) {
  std::filesystem::path directory = std::filesystem::temp_directory_path() /
                                    (benchmark + "-sf" + std::to_string(scale_factor()));
  std::filesystem::create_directories(directory);
  return directory / name;
}

}  // namespace setl::bench
