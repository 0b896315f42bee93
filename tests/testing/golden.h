// Golden-file comparison: the expected text lives in tests/data/golden/<name>. Run a test
// with SETL_UPDATE_GOLDEN=1 to (re)write the file after a deliberate change.
#pragma once

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

#include <gtest/gtest.h>

#include "testing/temp_dir.h"

namespace setl::testing {

inline void expect_golden(const std::string& name, const std::string& actual) {
  std::filesystem::path path = std::filesystem::path(SETL_TEST_DATA_DIR) / "golden" / name;
  if (const char* update = std::getenv("SETL_UPDATE_GOLDEN"); update && *update == '1') {
    std::filesystem::create_directories(path.parent_path());
    std::ofstream(path, std::ios::binary) << actual;
    return;
  }
  ASSERT_TRUE(std::filesystem::exists(path))
      << path << " is missing; run the test with SETL_UPDATE_GOLDEN=1 to create it";
  EXPECT_EQ(read_file(path), actual) << "golden file " << path << " differs";
}

}  // namespace setl::testing
