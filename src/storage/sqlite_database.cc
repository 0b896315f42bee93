#include "sqlite_database.h"

#include "setl/core/file_status.h"

namespace setl::storage::detail {
namespace {

const std::filesystem::path& existing(const std::filesystem::path& path, bool create) {
  if (!create && !setl::path_exists(path)) {
    throw IoError("cannot open SQLite database " + path.string() + ": it does not exist");
  }
  return path;
}

}  // namespace

std::string sqlite_endpoint(const std::filesystem::path& path) {
  std::error_code ignored;
  std::filesystem::path absolute = std::filesystem::weakly_canonical(path, ignored);
  return "sqlite:" + (absolute.empty() ? path : absolute).string();
}

PooledDatabase::PooledDatabase(const std::filesystem::path& path, bool create)
    : GuardedConnection<Database>(
          sqlite_endpoint(existing(path, create)),
          {.open = [path] { return std::make_unique<Database>(path, true); },
           .healthy = [](Database& db) { return db.healthy(); }}) {}

}  // namespace setl::storage::detail
