// One way for every `setl` command and job runner to parse a vector of arguments with
// CLI11: help and usage errors go to the given streams as CLI11 formats them.
#pragma once

#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

namespace setl::cli::detail {

/// Parses `args` (without the program name). Returns the exit code when the command should
/// stop here (0 after --help, 2 for bad usage), nothing when it should go on.
inline std::optional<int> parse_arguments(CLI::App& app, const std::vector<std::string>& args,
                                          std::ostream& out, std::ostream& err) {
  std::vector<std::string> reversed(args.rbegin(), args.rend());  // CLI11 pops from the back
  try {
    app.parse(reversed);
  } catch (const CLI::ParseError& error) {
    return app.exit(error, out, err) == 0 ? 0 : 2;
  }
  return std::nullopt;
}

}  // namespace setl::cli::detail
