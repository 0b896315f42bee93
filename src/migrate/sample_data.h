// Sample inputs from the inferred schemas (ConnectorPlan::columns), for `validate` when the
// user gives none: a few dozen rows per input with the columns the script uses, values
// drawn from the literals it compares them with (so its filters keep some rows and drop
// others) and small shared ranges (so joins on a key of the same name match).
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "setl/migrate/migrate.h"

namespace setl::migrate {

struct SampleData {
  std::vector<std::string> written;  ///< paths of the inputs generated
  std::vector<std::string> missing;  ///< inputs it could not generate, with the reason
};

/// Writes every input of `analysis` (a connector it reads before any step writes it) under
/// `into`, at the path the script reads, in the connector's storage.
SampleData generate_samples(const ModuleAnalysis& analysis, const std::filesystem::path& into,
                            int rows = 24);

}  // namespace setl::migrate
