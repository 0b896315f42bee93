// Any database with an ODBC driver (unixODBC), SETL's JDBC connector: a table, or a query
// with parameters, read; a table written with save modes in one transaction.
//
//   OdbcConnection db{.connection_string =
//                         "Driver={PostgreSQL
//                         ANSI};Server=127.0.0.1;Port=5432;Database=shop;Uid=etl;",
//                     .password_env = "SHOP_PASSWORD"};
//   auto orders = make_connector<OdbcConnector>(db, "orders");
//   auto recent = make_connector<OdbcConnector>(
//       db, OdbcQuery{"SELECT * FROM orders WHERE day >= ? AND city = ?",
//                     {engine::Scalar::date32(19'800), engine::Scalar::string("Paris")}});
//
// Types come from the driver's description of the result: integers → int64; real, float
// and double → float64; decimal and numeric → decimal(p,s) (float64 past 38 digits); bit
// → bool; date → date32; timestamp → timestamp; everything else → string. Written: BIGINT,
// DOUBLE PRECISION, TEXT, BOOLEAN, DATE, TIMESTAMP, DECIMAL(p,s). Identifiers are quoted
// with the driver's quote character; values travel as bound parameters, never in SQL text.
#pragma once

#include <string>
#include <vector>

#include "setl/engine/scalar.h"
#include "setl/storage/connector.h"

namespace setl::storage {

struct OdbcConnection {
  /// "Driver={SQLite3};Database=shop.db;" or "DSN=warehouse;" (drivers and DSNs as
  /// unixODBC's odbcinst.ini and odbc.ini name them).
  std::string connection_string;
  /// The name of an environment variable holding the password, added as PWD=...; the
  /// password itself never appears in configuration or messages.
  std::string password_env;
};

/// A query whose `?` markers take `parameters` in order.
struct OdbcQuery {
  std::string text;
  std::vector<engine::Scalar> parameters;
};

/// Create with make_connector<OdbcConnector>(connection, table) or (connection, query).
class OdbcConnector : public Connector {
 public:
  OdbcConnector(ConnectorKey key, OdbcConnection connection, std::string table);
  /// A read-only connector over the rows of a query.
  OdbcConnector(ConnectorKey key, OdbcConnection connection, OdbcQuery query);

  engine::SchemaPtr schema() const override;
  std::string describe() const override;
  engine::ScanResult scan(const engine::ScanRequest& request) const override;
  /// In one transaction: DROP and CREATE as the mode says, then the rows inserted.
  void write(const engine::Table& table, SaveMode mode) const override;
  bool exists() const override;
  /// DROP TABLE in a transaction; nothing when it is absent.
  void drop() const override;

 private:
  OdbcConnection connection_;
  std::string table_;
  OdbcQuery query_;
};

}  // namespace setl::storage
