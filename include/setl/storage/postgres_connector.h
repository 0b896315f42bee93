// Reads and writes a PostgreSQL table (or reads a query) through libpq, with COPY in both
// directions. Writes run in one transaction; identifiers are quoted by libpq and values
// travel through COPY, never spliced into SQL text.
//
//   PostgresConnection db{.host = "127.0.0.1", .port = 5432, .database = "sales",
//                         .user = "etl", .password_env = "PGPASSWORD"};
//   auto orders = make_connector<PostgresConnector>(db, "orders");
//
// Types: boolean → bool; smallint/integer/bigint → int64; real/double/numeric → float64;
// text/varchar/char → string; date → date32; timestamp → timestamp; timestamptz →
// timestamp (UTC). Written: BOOLEAN, BIGINT, DOUBLE PRECISION, TEXT, DATE, TIMESTAMP.
#pragma once

#include <string>
#include <vector>

#include "setl/storage/connector.h"

namespace setl::storage {

struct PostgresConnection {
  std::string host = "127.0.0.1";
  int port = 5432;
  std::string database = "postgres";
  std::string user = "postgres";
  /// Name of an environment variable holding the password (empty: no password).
  std::string password_env;
  std::string schema = "public";
};

/// Create with make_connector<PostgresConnector>(connection, table) or
/// (connection, SqlQuery{...}).
class PostgresConnector : public Connector {
 public:
  PostgresConnector(ConnectorKey key, PostgresConnection connection, std::string table);
  /// A read-only connector over the rows of a query.
  PostgresConnector(ConnectorKey key, PostgresConnection connection, SqlQuery query);

  engine::SchemaPtr schema() const override;
  std::string describe() const override;
  engine::ScanResult scan(const engine::ScanRequest& request) const override;
  /// Reads the rows of one COPY as batches are taken: memory stays near one batch
  /// whatever the table's size. The connection stays open until the stream is destroyed.
  std::unique_ptr<engine::BatchStream> scan_stream(const engine::ScanRequest& request,
                                                   int64_t batch_bytes) const override;
  void write(const engine::Table& table, SaveMode mode) const override;
  bool exists() const override;
  /// Done by the server in one transaction: the rows are copied to a temporary table,
  /// the stored rows with their keys deleted and the rows inserted (the table is created
  /// when missing). Concurrent writers of the table wait for the lock; readers do not.
  void upsert(const engine::Table& rows, const std::vector<std::string>& keys) const override;
  /// Reads the rows under the table's lock, tests `condition` on them and deletes the
  /// matching ones by their row id, in one transaction.
  void delete_where(const engine::Expr& condition) const override;
  /// DROP TABLE IF EXISTS.
  void drop() const override;

 private:
  PostgresConnector(ConnectorKey key, PostgresConnection connection, std::string table,
                    std::string sql);
  // Throws: StateError for a query connector.
  void require_table(const char* operation) const;

  PostgresConnection connection_;
  std::string table_;
  std::string sql_;
};

}  // namespace setl::storage
