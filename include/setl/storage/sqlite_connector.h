// Reads and writes a table of a SQLite database file, or reads the result of a query.
//
//   auto sales = make_connector<SqliteConnector>("warehouse.db", "sales");
//   sales->write(table, SaveMode::kOverwrite);
//   Table back = sales->read();
//   auto report = make_connector<SqliteConnector>("warehouse.db", SqlQuery{"SELECT ..."});
//
// Types: INTEGER/INT/BIGINT → int64, REAL/DOUBLE/FLOAT/NUMERIC → float64, TEXT/VARCHAR/CHAR
// → string, BOOLEAN → bool, DATE → date32 (stored as 'YYYY-MM-DD' text), TIMESTAMP/DATETIME
// → timestamp (stored as 'YYYY-MM-DD HH:MM:SS[.ffffff]' text); a query's columns are typed by
// their declared type, or by their values when SQLite has none. Writes run in one
// transaction: a failure leaves the table as it was.
#pragma once

#include <filesystem>
#include <functional>
#include <optional>
#include <string>

#include "setl/storage/file_connector.h"

namespace setl::storage {

/// Create with make_connector<SqliteConnector>(path, table) or (path, SqlQuery{...}).
namespace detail {
class Database;
}

class SqliteConnector : public Connector {
 public:
  /// The table `table` of the database at `path` (created on first write).
  SqliteConnector(ConnectorKey key, std::filesystem::path path, std::string table);
  /// A read-only connector over the rows of a query.
  SqliteConnector(ConnectorKey key, std::filesystem::path path, SqlQuery query);

  engine::SchemaPtr schema() const override;
  std::string describe() const override;
  engine::ScanResult scan(const engine::ScanRequest& request) const override;
  /// Steps the query as batches are taken: memory stays near one batch whatever the
  /// table's size. The database stays open for reading (one read transaction) until the
  /// stream is destroyed.
  std::unique_ptr<engine::BatchStream> scan_stream(const engine::ScanRequest& request,
                                                   int64_t batch_bytes) const override;
  /// One transaction: a write that fails (or a process that dies) leaves the table as it
  /// was, so a retried write never adds rows twice. Connections come from the database
  /// file's pool (setl/core/connection_pool.h) through its circuit breaker.
  void write(const engine::Table& table, SaveMode mode) const override;
  bool exists() const override;
  /// Each in one write transaction (the table rewritten with the result), so readers see
  /// the table before or after and a concurrent writer waits.
  void upsert(const engine::Table& rows, const std::vector<std::string>& keys) const override;
  void delete_where(const engine::Expr& condition) const override;
  /// DROP TABLE.
  void drop() const override;
  /// The database file's fingerprint (any change to the file changes it).
  std::optional<std::string> fingerprint(bool content = false) const override {
    return fingerprint_files(path_, content);
  }

 private:
  SqliteConnector(ConnectorKey key, std::filesystem::path path, std::string table, std::string sql);
  std::string select_sql(const engine::ScanRequest& request) const;
  void write_on(detail::Database& db, const engine::Table& table, SaveMode mode) const;
  // Without a transaction of its own.
  void write_rows(detail::Database& db, const engine::Table& table, SaveMode mode) const;
  // Reads the table (null when there is none) and writes what `change` makes of it, in one
  // write transaction.
  void edit(const std::function<engine::Table(const engine::Table*)>& change) const;

  std::filesystem::path path_;
  std::string table_;
  std::string sql_;  // non-empty for query connectors
};

}  // namespace setl::storage
