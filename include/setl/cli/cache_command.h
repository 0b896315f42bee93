// `setl cache ...`: inspect and maintain a result-cache directory.
//
//   setl cache ls        [--dir DIR]                   entries: factory, type, size, hits, age
//   setl cache stats     [--dir DIR]                   totals
//   setl cache invalidate FACTORY [--cascade] [--dir DIR]
//   setl cache gc        [--max-bytes N] [--dir DIR]   expired, then least recently used
//   setl cache clear     [--dir DIR]
//
// DIR defaults to $SETL_CACHE_DIR, else .setl-cache.
#pragma once

#include <ostream>
#include <string>
#include <vector>

namespace setl::cli {

/// Runs `setl cache <args>`; returns the process exit code (0 ok, 1 error, 2 usage).
int cache_command(const std::vector<std::string>& args, std::ostream& out, std::ostream& err);

}  // namespace setl::cli
