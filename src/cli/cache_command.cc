#include "setl/cli/cache_command.h"

#include <cstdlib>

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include "parse_arguments.h"
#include "setl/core/error.h"
#include "setl/core/file_status.h"
#include "setl/core/memory.h"
#include "setl/workflow/disk_cache.h"

namespace setl::cli {
namespace {

using memory::format_bytes;

std::string age(std::chrono::system_clock::time_point since) {
  auto seconds =
      std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now() - since)
          .count();
  if (seconds >= 86'400)
    return fmt::format("{}d", seconds / 86'400);
  if (seconds >= 3'600)
    return fmt::format("{}h", seconds / 3'600);
  if (seconds >= 60)
    return fmt::format("{}m", seconds / 60);
  return fmt::format("{}s", seconds);
}

}  // namespace

int cache_command(const std::vector<std::string>& args, std::ostream& out, std::ostream& err) {
  CLI::App app{"Inspect and maintain a setlpp result-cache directory", "setl cache"};
  const char* env = std::getenv("SETL_CACHE_DIR");
  std::string dir = env ? env : ".setl-cache";
  app.add_option("--dir", dir, "the cache directory (default $SETL_CACHE_DIR or .setl-cache)");
  app.require_subcommand(1);
  auto* ls = app.add_subcommand("ls", "list the entries");
  auto* stats = app.add_subcommand("stats", "totals: entries, bytes, hits, expired");
  auto* invalidate = app.add_subcommand("invalidate", "remove a factory's entries");
  std::string factory;
  bool cascade = false;
  invalidate->add_option("factory", factory, "factory name")->required();
  invalidate->add_flag("--cascade", cascade, "also what was computed from them");
  auto* gc = app.add_subcommand("gc", "remove expired entries, then the least recently used");
  int64_t max_bytes = -1;
  gc->add_option("--max-bytes", max_bytes, "size budget in bytes");
  auto* clear = app.add_subcommand("clear", "remove every entry");
  for (CLI::App* sub : {ls, stats, invalidate, gc, clear}) {
    sub->add_option("--dir", dir, "the cache directory");
  }
  if (std::optional<int> stop = detail::parse_arguments(app, args, out, err)) {
    return *stop;
  }
  try {
    if (!setl::path_exists(std::filesystem::path(dir) / "index.db")) {
      err << "error: " << dir << " is not a result-cache directory (no index.db)\n";
      return 1;
    }
    workflow::DiskCache cache(dir);
    if (ls->parsed()) {
      out << fmt::format("{:<14} {:<24} {:<28} {:>10} {:>6} {:>6} {:>8}\n", "key", "factory",
                         "type", "size", "hits", "age", "ttl");
      for (const workflow::DiskCacheEntryInfo& entry : cache.list()) {
        std::string ttl = entry.ttl.count() == 0 ? "-"
                                                 : fmt::format("{}s{}", entry.ttl.count() / 1000,
                                                               entry.expired ? " (expired)" : "");
        out << fmt::format("{:<14} {:<24} {:<28} {:>10} {:>6} {:>6} {:>8}\n",
                           entry.key.substr(0, 12), entry.factory, entry.type,
                           format_bytes(entry.bytes), entry.hits, age(entry.created), ttl);
      }
    } else if (stats->parsed()) {
      workflow::DiskCache::Stats totals = cache.stats();
      out << fmt::format("entries {}\nbytes {} ({})\nhits {}\nexpired {}\n", totals.entries,
                         totals.bytes, format_bytes(totals.bytes), totals.hits, totals.expired);
    } else if (invalidate->parsed()) {
      std::vector<std::string> removed = cache.invalidate(factory, cascade);
      out << "removed " << removed.size() << " entr" << (removed.size() == 1 ? "y" : "ies")
          << (cascade ? " (with what was computed from them)" : "") << "\n";
    } else if (gc->parsed()) {
      out << "removed " << cache.gc(max_bytes) << " entries\n";
    } else if (clear->parsed()) {
      size_t before = cache.list().size();
      cache.clear();
      out << "removed " << before << " entries\n";
    }
    return 0;
  } catch (const Error& error) {
    err << "error: " << error.what() << "\n";
    return 1;
  }
}

}  // namespace setl::cli
