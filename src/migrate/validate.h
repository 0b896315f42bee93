// Validation of a migrated module: build the generated tree, run the job and the original
// on the same sample data in two scratch directories, and reconcile every output the
// script writes — schema, row count, values with a tolerance, order-insensitive unless the
// script sorts. PySpark scripts (pyspark is not installable here) are compared with
// expected outputs the user supplies.
#pragma once

#include <chrono>
#include <filesystem>
#include <string>
#include <vector>

#include "setl/migrate/migrate.h"

namespace setl::migrate {

struct ValidateOptions {
  std::filesystem::path output;  ///< the generated tree (setl migrate generate -o)
  /// Sample inputs, laid out as the script's paths expect; empty: generated from the
  /// inferred schemas (sample_data.h).
  std::filesystem::path samples;
  std::filesystem::path expected;  ///< expected outputs (required for PySpark)
  std::filesystem::path work;      ///< scratch directory (default: output/.setl-migrate/runs)
  std::string python;  ///< interpreter for the original (default: a python3 with pandas)
  std::vector<std::string> cmake_args;
  bool build = true;
  double tolerance = 1e-6;  ///< relative (and absolute near zero) for numbers
  std::chrono::seconds timeout{600};
};

struct OutputCheck {
  std::string connector;
  std::string path;
  bool ok = false;
  int64_t expected_rows = -1;
  int64_t actual_rows = -1;
  std::string detail;  ///< the first difference, when not ok
};

struct ValidationReport {
  std::string module;
  bool built = false;
  bool ran = false;
  bool reference_ran = false;  ///< the original ran, or expected outputs were given
  std::string reference;       ///< "original (python3 + pandas)" or "expected outputs"
  std::string samples;         ///< where the inputs came from
  std::string log;             ///< build, job and original output, for when something fails
  std::vector<OutputCheck> outputs;
  bool passed() const;
};

/// Configures and builds the generated tree; false (with the log) when it does not compile.
bool build_tree(const std::filesystem::path& output, const std::vector<std::string>& cmake_args,
                std::string& log, std::chrono::seconds timeout = std::chrono::seconds(1800));

ValidationReport validate(const ModuleAnalysis& analysis, const ValidateOptions& options);

std::string to_json(const ValidationReport& report);
std::string summary(const ValidationReport& report);

/// The first python3 along PATH (or `preferred`) that can import pandas; empty when none.
std::string python_with_pandas(const std::string& preferred);

}  // namespace setl::migrate
