// Writing a migrated module as a CMake project (see generate.cc).
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "migrate/factories.h"

namespace setl::migrate {

struct GenerationResult {
  std::filesystem::path directory;     ///< output/<module>
  int snapshot = 0;                    ///< number of the snapshot of the previous generation
  std::vector<std::string> conflicts;  ///< files the user edited (new version in .new)
};

/// The module's directory and namespace name: the file's stem as an identifier.
std::string module_name(const std::filesystem::path& file);

/// Writes output/<module>/ (factories, main.cc, pipeline.yaml, CMakeLists.txt,
/// migration.json), output/support/migrated_support.h and output/CMakeLists.txt.
GenerationResult generate_module(const AnalyzedModule& module, const std::filesystem::path& output);

extern const char* const kSupportHeader;

}  // namespace setl::migrate
