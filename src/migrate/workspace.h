// The migration of a codebase over time: status of every file (analysed, generated,
// validated, readiness, open issues), rollback to an earlier generation, and the
// side-by-side view of each Python span and the C++ it became.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "setl/migrate/migrate.h"

namespace setl::migrate {

/// Every .py and .ipynb under `sources` (files or directories; hidden directories and the
/// output tree skipped), analysed, with what `output` holds for each: a table, or JSON.
std::string status_report(const std::vector<std::filesystem::path>& sources,
                          const std::filesystem::path& output, bool json,
                          const AnalyzeOptions& options);

/// Restores output/<module> from snapshot `number` (0: the latest). The current state is
/// kept as a new snapshot first, so a rollback can itself be rolled back. Returns the
/// snapshot restored. Throws setl::Error when there is none.
int rollback(const std::filesystem::path& output, const std::string& module, int number);

/// Each factory's Python span beside its generated C++, with the validation result:
/// text for a terminal (`width` columns) and an HTML page.
struct DiffView {
  std::string text;
  std::string html;
};
DiffView diff_view(const std::filesystem::path& script, const std::filesystem::path& output,
                   int width, const AnalyzeOptions& options);

}  // namespace setl::migrate
