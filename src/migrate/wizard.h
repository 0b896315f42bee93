// `setl migrate wizard`: an interactive review of the proposed factories before generating
// — rename, merge or split them, pick each connector's storage and path, then confirm.
#pragma once

#include <filesystem>
#include <iosfwd>

#include "migrate/factories.h"

namespace setl::migrate {

/// Runs the dialogue on `in`/`out` (a terminal, or any stream); generates into `output`
/// when the user confirms. Returns 0 when generated, 1 when the user quit without.
int run_wizard(AnalyzedModule& module, const std::filesystem::path& output, std::istream& in,
               std::ostream& out);

}  // namespace setl::migrate
