#include "setl/storage/odbc_connector.h"

#include <cstdlib>
#include <memory>

#include <sql.h>
#include <sqlext.h>

#include "setl/core/error.h"
#include "setl/engine/builder.h"
#include "setl/engine/parse_value.h"

namespace setl::storage {
namespace {

using engine::DataType;
using engine::TypeId;

// One ODBC handle, freed with its kind.
class Handle {
 public:
  Handle(SQLSMALLINT kind, SQLHANDLE parent) : kind_(kind) {
    if (!SQL_SUCCEEDED(SQLAllocHandle(kind, parent, &handle_))) {
      throw IoError("ODBC: cannot allocate a handle (is unixODBC installed?)");
    }
  }
  ~Handle() { SQLFreeHandle(kind_, handle_); }
  Handle(const Handle&) = delete;
  Handle& operator=(const Handle&) = delete;
  SQLHANDLE get() const { return handle_; }
  SQLSMALLINT kind() const { return kind_; }

 private:
  SQLSMALLINT kind_;
  SQLHANDLE handle_ = SQL_NULL_HANDLE;
};

// The driver's diagnostics for a failed call.
std::string diagnostics(const Handle& handle) {
  std::string text;
  SQLCHAR state[6];
  SQLCHAR message[1024];
  SQLINTEGER native = 0;
  SQLSMALLINT length = 0;
  for (SQLSMALLINT record = 1; SQL_SUCCEEDED(SQLGetDiagRec(
           handle.kind(), handle.get(), record, state, &native, message, sizeof message, &length));
       ++record) {
    text += (text.empty() ? "" : "; ") + std::string(reinterpret_cast<char*>(state)) + ": " +
            std::string(reinterpret_cast<char*>(message));
  }
  return text.empty() ? "no diagnostics" : text;
}

class Session {
 public:
  Session(const OdbcConnection& connection, std::string where)
      : where_(std::move(where)), environment_(SQL_HANDLE_ENV, SQL_NULL_HANDLE) {
    SQLSetEnvAttr(environment_.get(), SQL_ATTR_ODBC_VERSION,
                  reinterpret_cast<SQLPOINTER>(SQL_OV_ODBC3), 0);
    connection_ = std::make_unique<Handle>(SQL_HANDLE_DBC, environment_.get());
    std::string text = connection.connection_string;
    if (!connection.password_env.empty()) {
      const char* password = std::getenv(connection.password_env.c_str());
      if (password == nullptr) {
        throw ConfigError("ODBC password variable " + connection.password_env + " is not set");
      }
      text +=
          (text.empty() || text.back() == ';' ? "" : ";") + std::string("PWD={") + password + "};";
    }
    SQLCHAR out[1024];
    SQLSMALLINT out_length = 0;
    SQLRETURN status =
        SQLDriverConnect(connection_->get(), nullptr, reinterpret_cast<SQLCHAR*>(text.data()),
                         SQL_NTS, out, sizeof out, &out_length, SQL_DRIVER_NOPROMPT);
    if (!SQL_SUCCEEDED(status)) {
      throw IoError("ODBC: cannot connect to " + where_ + ": " + diagnostics(*connection_),
                    ErrorCategory::kTransient);
    }
    SQLCHAR quote[8] = {0};
    SQLSMALLINT quote_length = 0;
    if (SQL_SUCCEEDED(SQLGetInfo(connection_->get(), SQL_IDENTIFIER_QUOTE_CHAR, quote, sizeof quote,
                                 &quote_length)) &&
        quote_length == 1 && quote[0] != ' ') {
      quote_ = static_cast<char>(quote[0]);
    }
  }
  ~Session() { SQLDisconnect(connection_->get()); }
  Session(const Session&) = delete;
  Session& operator=(const Session&) = delete;

  std::unique_ptr<Handle> statement() {
    return std::make_unique<Handle>(SQL_HANDLE_STMT, connection_->get());
  }

  void check(SQLRETURN status, const Handle& handle, const std::string& doing) const {
    if (!SQL_SUCCEEDED(status) && status != SQL_NO_DATA) {
      throw IoError("ODBC " + where_ + ": " + doing + ": " + diagnostics(handle));
    }
  }

  void run(const std::string& sql) {
    std::unique_ptr<Handle> statement = this->statement();
    std::string text = sql;
    check(SQLExecDirect(statement->get(), reinterpret_cast<SQLCHAR*>(text.data()), SQL_NTS),
          *statement, sql);
  }

  std::string identifier(const std::string& name) const {
    std::string quoted(1, quote_);
    for (char c : name) {
      quoted += c;
      if (c == quote_) {
        quoted += c;
      }
    }
    return quoted + quote_;
  }

  void autocommit(bool on) {
    check(SQLSetConnectAttr(
              connection_->get(), SQL_ATTR_AUTOCOMMIT,
              reinterpret_cast<SQLPOINTER>(on ? SQL_AUTOCOMMIT_ON : SQL_AUTOCOMMIT_OFF), 0),
          *connection_, "setting autocommit");
  }
  void end(bool commit) {
    check(SQLEndTran(SQL_HANDLE_DBC, connection_->get(), commit ? SQL_COMMIT : SQL_ROLLBACK),
          *connection_, commit ? "COMMIT" : "ROLLBACK");
  }

  bool has_table(const std::string& table) {
    std::unique_ptr<Handle> statement = this->statement();
    std::string name = table;
    std::string kinds = "TABLE";
    check(
        SQLTables(statement->get(), nullptr, 0, nullptr, 0, reinterpret_cast<SQLCHAR*>(name.data()),
                  SQL_NTS, reinterpret_cast<SQLCHAR*>(kinds.data()), SQL_NTS),
        *statement, "listing tables");
    return SQL_SUCCEEDED(SQLFetch(statement->get()));
  }

  const std::string& where() const { return where_; }

 private:
  std::string where_;
  Handle environment_;
  std::unique_ptr<Handle> connection_;
  char quote_ = '"';
};

// ---- reading ------------------------------------------------------------------------

DataType type_of(SQLSMALLINT sql_type, SQLULEN size, SQLSMALLINT digits) {
  switch (sql_type) {
    case SQL_TINYINT:
    case SQL_SMALLINT:
    case SQL_INTEGER:
    case SQL_BIGINT:
      return DataType::int64();
    case SQL_REAL:
    case SQL_FLOAT:
    case SQL_DOUBLE:
      return DataType::float64();
    case SQL_DECIMAL:
    case SQL_NUMERIC:
      if (size >= 1 && size <= 38 && digits >= 0 && static_cast<SQLULEN>(digits) <= size) {
        return DataType::decimal(static_cast<int>(size), digits);
      }
      return DataType::float64();
    case SQL_BIT:
      return DataType::boolean();
    case SQL_TYPE_DATE:
      return DataType::date32();
    case SQL_TYPE_TIMESTAMP:
      return DataType::timestamp();
    default:
      return DataType::string();
  }
}

engine::SchemaPtr describe_result(Session& session, Handle& statement) {
  SQLSMALLINT count = 0;
  session.check(SQLNumResultCols(statement.get(), &count), statement, "describing the result");
  std::vector<engine::Field> fields;
  for (SQLUSMALLINT c = 1; c <= static_cast<SQLUSMALLINT>(count); ++c) {
    SQLCHAR name[512];
    SQLSMALLINT name_length = 0;
    SQLSMALLINT sql_type = 0;
    SQLULEN size = 0;
    SQLSMALLINT digits = 0;
    SQLSMALLINT nullable = 0;
    session.check(SQLDescribeCol(statement.get(), c, name, sizeof name, &name_length, &sql_type,
                                 &size, &digits, &nullable),
                  statement, "describing column " + std::to_string(c));
    fields.push_back(
        {std::string(reinterpret_cast<char*>(name)), type_of(sql_type, size, digits), true});
  }
  return std::make_shared<engine::Schema>(std::move(fields));
}

// Binds `parameters` to the `?` markers of a prepared statement; `text` keeps the bytes
// alive until execution.
void bind_parameters(Session& session, Handle& statement,
                     const std::vector<engine::Scalar>& parameters, std::vector<std::string>& text,
                     std::vector<SQLLEN>& lengths) {
  text.assign(parameters.size(), {});
  lengths.assign(parameters.size(), 0);
  for (size_t i = 0; i < parameters.size(); ++i) {
    const engine::Scalar& value = parameters[i];
    SQLSMALLINT sql_type = SQL_VARCHAR;
    switch (value.type().id()) {
      case TypeId::kInt32:
      case TypeId::kInt64:
        sql_type = SQL_BIGINT;
        break;
      case TypeId::kFloat64:
        sql_type = SQL_DOUBLE;
        break;
      case TypeId::kBool:
        sql_type = SQL_BIT;
        break;
      case TypeId::kDate32:
        sql_type = SQL_TYPE_DATE;
        break;
      case TypeId::kTimestamp:
        sql_type = SQL_TYPE_TIMESTAMP;
        break;
      case TypeId::kDecimal:
        sql_type = SQL_DECIMAL;
        break;
      default:
        break;
    }
    if (value.is_null()) {
      lengths[i] = SQL_NULL_DATA;
    } else {
      text[i] = value.type().id() == TypeId::kString ? value.as_string()
                : value.type().id() == TypeId::kBool ? (value.as_bool() ? "1" : "0")
                                                     : value.to_display();
      lengths[i] = static_cast<SQLLEN>(text[i].size());
    }
    SQLULEN column_size = std::max<SQLULEN>(text[i].size(), 1);
    SQLSMALLINT digits = sql_type == SQL_TYPE_TIMESTAMP ? 6
                         : sql_type == SQL_DECIMAL ? static_cast<SQLSMALLINT>(value.type().scale())
                                                   : 0;
    if (sql_type == SQL_DECIMAL) {
      column_size = static_cast<SQLULEN>(value.type().precision());
    }
    session.check(
        SQLBindParameter(statement.get(), static_cast<SQLUSMALLINT>(i + 1), SQL_PARAM_INPUT,
                         SQL_C_CHAR, sql_type, column_size, digits, text[i].data(),
                         static_cast<SQLLEN>(text[i].size()), &lengths[i]),
        statement, "binding parameter " + std::to_string(i + 1));
  }
}

// A column's value as text, read in pieces; false for NULL.
bool text_value(Session& session, Handle& statement, SQLUSMALLINT column, std::string& out) {
  out.clear();
  char buffer[4096];
  while (true) {
    SQLLEN length = 0;
    SQLRETURN status =
        SQLGetData(statement.get(), column, SQL_C_CHAR, buffer, sizeof buffer, &length);
    if (status == SQL_NO_DATA) {
      return true;
    }
    session.check(status, statement, "reading column " + std::to_string(column));
    if (length == SQL_NULL_DATA) {
      return false;
    }
    size_t got = length == SQL_NO_TOTAL || length >= static_cast<SQLLEN>(sizeof buffer)
                     ? sizeof buffer - 1
                     : static_cast<size_t>(length);
    out.append(buffer, got);
    if (status == SQL_SUCCESS) {
      return true;
    }
  }
}

void append_value(Session& session, Handle& statement, SQLUSMALLINT column,
                  const engine::Field& field, engine::ColumnBuilder& builder, int64_t row,
                  std::string& scratch) {
  SQLLEN indicator = 0;
  switch (field.type.id()) {
    case TypeId::kInt64: {
      SQLBIGINT value = 0;
      session.check(SQLGetData(statement.get(), column, SQL_C_SBIGINT, &value, 0, &indicator),
                    statement, "reading " + field.name);
      indicator == SQL_NULL_DATA ? builder.append_null() : builder.append_int(value);
      return;
    }
    case TypeId::kFloat64: {
      double value = 0;
      session.check(SQLGetData(statement.get(), column, SQL_C_DOUBLE, &value, 0, &indicator),
                    statement, "reading " + field.name);
      indicator == SQL_NULL_DATA ? builder.append_null() : builder.append_double(value);
      return;
    }
    default:
      break;
  }
  if (!text_value(session, statement, column, scratch)) {
    builder.append_null();
    return;
  }
  // Drivers give bits as 1/0, dates and timestamps in ISO form.
  bool ok = builder.append_text(scratch);
  if (!ok) {
    throw IoError("ODBC " + session.where() + ": row " + std::to_string(row + 1) + ", column \"" +
                  field.name + "\": cannot read '" + scratch + "' as " + field.type.to_string());
  }
}

// ---- writing ------------------------------------------------------------------------

std::string declared_type(const DataType& type) {
  switch (type.id()) {
    case TypeId::kBool:
      return "BOOLEAN";
    case TypeId::kInt32:
    case TypeId::kInt64:
      return "BIGINT";
    case TypeId::kFloat64:
      return "DOUBLE PRECISION";
    case TypeId::kDate32:
      return "DATE";
    case TypeId::kTimestamp:
      return "TIMESTAMP";
    case TypeId::kDecimal:
      return "DECIMAL(" + std::to_string(type.precision()) + "," + std::to_string(type.scale()) +
             ")";
    default:
      return "TEXT";
  }
}

void insert_rows(Session& session, const std::string& target, const engine::Table& table) {
  const engine::Schema& schema = *table.schema();
  std::string columns;
  std::string markers;
  for (const engine::Field& field : schema.fields()) {
    columns += (columns.empty() ? "" : ", ") + session.identifier(field.name);
    markers += markers.empty() ? "?" : ", ?";
  }
  std::unique_ptr<Handle> statement = session.statement();
  std::string sql = "INSERT INTO " + target + " (" + columns + ") VALUES (" + markers + ")";
  session.check(SQLPrepare(statement->get(), reinterpret_cast<SQLCHAR*>(sql.data()), SQL_NTS),
                *statement, sql);
  std::vector<engine::Scalar> row_values(schema.num_fields());
  std::vector<std::string> text;
  std::vector<SQLLEN> lengths;
  int64_t row_number = 0;
  for (const engine::RecordBatch& batch : table.batches()) {
    for (int64_t row = 0; row < batch.num_rows(); ++row, ++row_number) {
      for (size_t c = 0; c < batch.num_columns(); ++c) {
        row_values[c] = batch.column(c)->scalar(row);
      }
      bind_parameters(session, *statement, row_values, text, lengths);
      session.check(SQLExecute(statement->get()), *statement,
                    "inserting row " + std::to_string(row_number + 1) + " into " + target);
    }
  }
}

}  // namespace

OdbcConnector::OdbcConnector(ConnectorKey key, OdbcConnection connection, std::string table)
    : Connector(key), connection_(std::move(connection)), table_(std::move(table)) {}

OdbcConnector::OdbcConnector(ConnectorKey key, OdbcConnection connection, OdbcQuery query)
    : Connector(key), connection_(std::move(connection)), query_(std::move(query)) {}

std::string OdbcConnector::describe() const {
  // The connection string without its password, which is never part of it anyway.
  return "odbc " + connection_.connection_string + (table_.empty() ? " query" : " table " + table_);
}

namespace {

// Runs the table's SELECT or the query (wrapped, for only the columns or no rows).
std::unique_ptr<Handle> execute_select(Session& session, const std::string& table,
                                       const OdbcQuery& query, const std::string& columns,
                                       bool no_rows, std::vector<std::string>& text,
                                       std::vector<SQLLEN>& lengths) {
  std::string source =
      table.empty() ? "(" + query.text + ") setl_query" : session.identifier(table);
  std::string sql = "SELECT " + columns + " FROM " + source + (no_rows ? " WHERE 1 = 0" : "");
  std::unique_ptr<Handle> statement = session.statement();
  session.check(SQLPrepare(statement->get(), reinterpret_cast<SQLCHAR*>(sql.data()), SQL_NTS),
                *statement, sql);
  if (table.empty()) {
    bind_parameters(session, *statement, query.parameters, text, lengths);
  }
  session.check(SQLExecute(statement->get()), *statement, sql);
  return statement;
}

}  // namespace

engine::SchemaPtr OdbcConnector::schema() const {
  Session session(connection_, describe());
  std::vector<std::string> text;
  std::vector<SQLLEN> lengths;
  std::unique_ptr<Handle> statement =
      execute_select(session, table_, query_, "*", true, text, lengths);
  return describe_result(session, *statement);
}

engine::ScanResult OdbcConnector::scan(const engine::ScanRequest& request) const {
  Session session(connection_, describe());
  std::string columns = "*";
  if (!request.columns.empty()) {
    columns.clear();
    for (const std::string& name : request.columns) {
      columns += (columns.empty() ? "" : ", ") + session.identifier(name);
    }
  }
  std::vector<std::string> text;
  std::vector<SQLLEN> lengths;
  std::unique_ptr<Handle> statement =
      execute_select(session, table_, query_, columns, false, text, lengths);
  engine::SchemaPtr schema = describe_result(session, *statement);
  std::vector<engine::ColumnBuilder> builders;
  for (const engine::Field& field : schema->fields()) {
    builders.emplace_back(field.type);
  }
  int64_t rows = 0;
  std::string scratch;
  while (true) {
    SQLRETURN status = SQLFetch(statement->get());
    if (status == SQL_NO_DATA) {
      break;
    }
    session.check(status, *statement, "fetching row " + std::to_string(rows + 1));
    for (size_t c = 0; c < builders.size(); ++c) {
      append_value(session, *statement, static_cast<SQLUSMALLINT>(c + 1), schema->field(c),
                   builders[c], rows, scratch);
    }
    ++rows;
  }
  std::vector<engine::ColumnPtr> columns_out;
  for (engine::ColumnBuilder& builder : builders) {
    columns_out.push_back(builder.finish());
  }
  engine::Table table(schema, {engine::RecordBatch(schema, std::move(columns_out), rows)});
  return {std::move(table), {.rows = rows}};
}

bool OdbcConnector::exists() const {
  if (table_.empty()) {
    return true;
  }
  Session session(connection_, describe());
  return session.has_table(table_);
}

namespace {

template <class Work>
void in_transaction(Session& session, Work&& work) {
  session.autocommit(false);
  try {
    work();
    session.end(true);
  } catch (...) {
    try {
      session.end(false);
    } catch (...) {
      // The original error matters more.
    }
    throw;
  }
}

}  // namespace

void OdbcConnector::write(const engine::Table& table, SaveMode mode) const {
  if (table_.empty()) {
    throw StateError("connector " + describe() + " reads a query and cannot be written to");
  }
  Session session(connection_, describe());
  std::string target = session.identifier(table_);
  in_transaction(session, [&] {
    bool present = session.has_table(table_);
    if (present && mode == SaveMode::kErrorIfExists) {
      throw IoError("ODBC table " + table_ + " already exists (save mode error_if_exists)");
    }
    if (present && mode == SaveMode::kIgnore) {
      return;
    }
    if (present && mode == SaveMode::kOverwrite) {
      session.run("DROP TABLE " + target);
      present = false;
    }
    if (!present) {
      std::string definitions;
      for (const engine::Field& field : table.schema()->fields()) {
        definitions += (definitions.empty() ? "" : ", ") + session.identifier(field.name) + " " +
                       declared_type(field.type) + (field.nullable ? "" : " NOT NULL");
      }
      session.run("CREATE TABLE " + target + " (" + definitions + ")");
    }
    insert_rows(session, target, table);
  });
}

void OdbcConnector::drop() const {
  if (table_.empty()) {
    throw StateError("connector " + describe() + " reads a query and cannot be dropped");
  }
  Session session(connection_, describe());
  in_transaction(session, [&] {
    if (session.has_table(table_)) {
      session.run("DROP TABLE " + session.identifier(table_));
    }
  });
}

}  // namespace setl::storage
