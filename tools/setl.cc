// The `setl` command. Subcommands: cache (see setl/cli/cache_command.h).
#include <iostream>
#include <string>
#include <vector>

#include "setl/cli/cache_command.h"

int main(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  if (!args.empty() && args[0] == "cache") {
    return setl::cli::cache_command({args.begin() + 1, args.end()}, std::cout, std::cerr);
  }
  std::cerr << "usage: setl cache {ls|stats|invalidate FACTORY [--cascade]|gc|clear} "
               "[--dir DIR]\n";
  return args.empty() || args[0] == "--help" || args[0] == "-h" ? 0 : 2;
}
