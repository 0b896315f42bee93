// The fixture of the migrate tests: a scratch directory per test for scripts and their data.
#pragma once

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <unistd.h>

#include "setl/migrate/migrate.h"

namespace setl::migrate::testing {

namespace fs = std::filesystem;

class MigrateTest : public ::testing::Test {
 protected:
  void SetUp() override {
    directory_ = fs::temp_directory_path() /
                 ("setl_migrate_test_" + std::to_string(::getpid()) + "_" +
                  ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(directory_);
    fs::create_directories(directory_);
  }
  void TearDown() override { fs::remove_all(directory_); }

  fs::path write(const std::string& name, const std::string& text) {
    fs::path path = directory_ / name;
    fs::create_directories(path.parent_path());
    std::ofstream(path) << text;
    return path;
  }

  static std::vector<std::string> codes(const ModuleAnalysis& analysis) {
    std::vector<std::string> found;
    for (const auto& finding : analysis.findings) {
      found.push_back(finding.code);
    }
    return found;
  }

  static std::string category(const ModuleAnalysis& analysis, const std::string& api) {
    for (const auto& reference : analysis.references) {
      if (reference.api == api) {
        return reference.category;
      }
    }
    return "";
  }

  fs::path directory_;
};

}  // namespace setl::migrate::testing
