// A SQLite connection of the storage layer, drawn from the pool of its database file
// (setl/core/connection_pool.h) through the file's circuit breaker
// (setl/core/circuit_breaker.h).
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include <sqlite3.h>
#include <sys/stat.h>

#include "setl/core/error.h"
#include "setl/core/guarded_connection.h"

namespace setl::storage::detail {

/// A busy or locked database, or a failed read of its file, may succeed later; a syntax
/// error, a missing table or a constraint will not.
inline ErrorCategory category_of(int sqlite_code) {
  switch (sqlite_code & 0xff) {
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
    case SQLITE_IOERR:
    case SQLITE_PROTOCOL:
      return ErrorCategory::kTransient;
    case SQLITE_NOMEM:
    case SQLITE_FULL:
      return ErrorCategory::kResource;
    default:
      return ErrorCategory::kPermanent;
  }
}

class Database {
 public:
  Database(const std::filesystem::path& path, bool create) : path_(path) {
    int flags = SQLITE_OPEN_READWRITE | (create ? SQLITE_OPEN_CREATE : 0);
    if (create && path.has_parent_path()) {
      // As the file connectors do: a new database may go into a new directory.
      std::error_code ignored;
      std::filesystem::create_directories(path.parent_path(), ignored);
    }
    if (sqlite3_open_v2(path.c_str(), &db_, flags, nullptr) != SQLITE_OK) {
      std::string message = db_ ? sqlite3_errmsg(db_) : "out of memory";
      ErrorCategory category = db_ ? category_of(sqlite3_errcode(db_)) : ErrorCategory::kResource;
      sqlite3_close(db_);
      db_ = nullptr;
      throw IoError("cannot open SQLite database " + path.string() + ": " + message, category);
    }
    sqlite3_busy_timeout(db_, 5000);
    struct stat info {};
    if (::stat(path.c_str(), &info) == 0) {
      device_ = info.st_dev;
      inode_ = info.st_ino;
    }
  }
  /// Usable for the next checkout: no transaction left open, and the path still names the
  /// file it opened (a database deleted or replaced since would take writes into the old,
  /// unlinked file).
  bool healthy() const {
    struct stat info {};
    return sqlite3_get_autocommit(db_) != 0 && ::stat(path_.c_str(), &info) == 0 &&
           info.st_dev == device_ && info.st_ino == inode_;
  }
  ~Database() { sqlite3_close(db_); }
  Database(const Database&) = delete;
  Database& operator=(const Database&) = delete;

  void execute(const std::string& sql) {
    char* error = nullptr;
    if (sqlite3_exec(db_, sql.c_str(), nullptr, nullptr, &error) != SQLITE_OK) {
      std::string message = error ? error : sqlite3_errmsg(db_);
      sqlite3_free(error);
      throw IoError(path_.string() + ": SQLite error: " + message + " (in: " + sql + ")",
                    category_of(sqlite3_errcode(db_)));
    }
  }
  sqlite3_stmt* prepare(const std::string& sql) {
    sqlite3_stmt* statement = nullptr;
    if (sqlite3_prepare_v2(db_, sql.c_str(), -1, &statement, nullptr) != SQLITE_OK) {
      throw IoError(
          path_.string() + ": SQLite error: " + sqlite3_errmsg(db_) + " (in: " + sql + ")",
          category_of(sqlite3_errcode(db_)));
    }
    return statement;
  }
  [[noreturn]] void fail(const std::string& what) {
    throw IoError(path_.string() + ": " + what + ": " + sqlite3_errmsg(db_),
                  category_of(sqlite3_errcode(db_)));
  }
  bool has_table(const std::string& table) {
    Statement statement(
        prepare("SELECT 1 FROM sqlite_master WHERE type IN ('table', 'view') AND name = ?"));
    sqlite3_bind_text(statement.get(), 1, table.c_str(), -1, SQLITE_TRANSIENT);
    return sqlite3_step(statement.get()) == SQLITE_ROW;
  }
  std::vector<std::string> tables() {
    Statement statement(
        prepare("SELECT name FROM sqlite_master WHERE type IN ('table', 'view') ORDER BY name"));
    std::vector<std::string> names;
    while (sqlite3_step(statement.get()) == SQLITE_ROW) {
      names.emplace_back(reinterpret_cast<const char*>(sqlite3_column_text(statement.get(), 0)));
    }
    return names;
  }

  class Statement {
   public:
    explicit Statement(sqlite3_stmt* statement) : statement_(statement) {}
    ~Statement() { sqlite3_finalize(statement_); }
    Statement(const Statement&) = delete;
    Statement& operator=(const Statement&) = delete;
    sqlite3_stmt* get() const { return statement_; }

   private:
    sqlite3_stmt* statement_;
  };

 private:
  std::filesystem::path path_;
  sqlite3* db_ = nullptr;
  dev_t device_ = 0;
  ino_t inode_ = 0;
};

/// "sqlite:<absolute path>": the pool and breaker of a database file.
std::string sqlite_endpoint(const std::filesystem::path& path);

/// A pooled connection to `path` held as one call of its breaker
/// (setl/core/guarded_connection.h). A reader of a database that does not exist gets
/// IoError (none is created).
class PooledDatabase : public GuardedConnection<Database> {
 public:
  /// Throws: IoError (classified), CircuitOpenError while the breaker is open.
  PooledDatabase(const std::filesystem::path& path, bool create);
};

/// Runs `work` on a pooled connection, reporting a failure to the pool and the breaker.
template <class Work>
decltype(auto) with_database(const std::filesystem::path& path, bool create, Work&& work) {
  PooledDatabase db(path, create);
  return with_connection(db, std::forward<Work>(work));
}

}  // namespace setl::storage::detail
