// The API table (api_table.tsv, embedded at build time): data that says how each pandas,
// PySpark and standard-library call maps onto the engine.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace setl::migrate {

struct ApiEntry {
  std::string api;       ///< "pandas.DataFrame.merge"
  std::string category;  ///< direct, rewrite, helper, unsupported, ignorable
  std::string
      effects;         ///< "-" or comma-separated: reads, writes, inplace, mutates, projects, whole
  std::string engine;  ///< translation key (see the table's header)
  std::string note;
};

/// Whether the row's effects list `effect`.
bool has_effect(const ApiEntry& entry, std::string_view effect);

/// Every row, parsed once. A malformed row is a setl::Error naming its line.
const std::vector<ApiEntry>& api_table();
/// The row for `api`, or nullptr.
const ApiEntry* find_api(std::string_view api);

extern const char* const kApiTableText;

}  // namespace setl::migrate
