#include "setl/storage/postgres_connector.h"

#include <cstdlib>
#include <memory>

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <libpq-fe.h>

#include "setl/core/error.h"
#include "setl/core/guarded_connection.h"
#include "setl/engine/builder.h"
#include "setl/engine/parse_value.h"
#include "storage/row_batcher.h"
#include "storage/table_edits.h"

namespace setl::storage {
namespace {

using engine::DataType;
using engine::TypeId;

struct ResultDeleter {
  void operator()(PGresult* result) const { PQclear(result); }
};
using Result = std::unique_ptr<PGresult, ResultDeleter>;

/// A lost connection, a serialization failure, a deadlock or a server shutting down may
/// succeed on another try; a syntax error, a missing table or a type mismatch will not.
ErrorCategory category_of(const PGresult* result) {
  const char* state = result != nullptr ? PQresultErrorField(result, PG_DIAG_SQLSTATE) : nullptr;
  if (state == nullptr) {  // no answer from the server at all
    return ErrorCategory::kTransient;
  }
  std::string_view code(state);
  if (code.starts_with("08") || code == "40001" || code == "40P01" || code.starts_with("57P") ||
      code.starts_with("58")) {
    return ErrorCategory::kTransient;
  }
  if (code.starts_with("53")) {
    return ErrorCategory::kResource;
  }
  if (code == "57014") {  // query_canceled: a statement timeout
    return ErrorCategory::kTimeout;
  }
  return ErrorCategory::kPermanent;
}

// A failure outside a result: transient when the connection itself is gone.
ErrorCategory connection_category(const PGconn* connection) {
  return PQstatus(connection) == CONNECTION_OK ? ErrorCategory::kPermanent
                                               : ErrorCategory::kTransient;
}

class Session {
 public:
  explicit Session(const PostgresConnection& options) : where_(where(options)) {
    std::string port = std::to_string(options.port);
    std::string password;
    if (!options.password_env.empty()) {
      const char* value = std::getenv(options.password_env.c_str());
      if (value == nullptr) {
        throw ConfigError("PostgreSQL password variable " + options.password_env + " is not set");
      }
      password = value;
    }
    // UTC and ISO dates so that COPY text parses the same everywhere; full float digits.
    std::vector<const char*> keywords = {"host",   "port", "dbname", "user", "connect_timeout",
                                         "options"};
    std::vector<const char*> values = {
        options.host.c_str(),
        port.c_str(),
        options.database.c_str(),
        options.user.c_str(),
        "10",
        "-c TimeZone=UTC -c DateStyle=ISO,YMD -c extra_float_digits=3"};
    if (!password.empty()) {
      keywords.push_back("password");
      values.push_back(password.c_str());
    }
    keywords.push_back(nullptr);
    values.push_back(nullptr);
    connection_ = PQconnectdbParams(keywords.data(), values.data(), 0);
    if (PQstatus(connection_) != CONNECTION_OK) {
      std::string message = PQerrorMessage(connection_);
      PQfinish(connection_);
      // The server may be starting, restarting or briefly unreachable.
      throw IoError("cannot connect to PostgreSQL " + where_ + ": " + message,
                    ErrorCategory::kTransient);
    }
  }
  ~Session() { PQfinish(connection_); }
  Session(const Session&) = delete;
  Session& operator=(const Session&) = delete;

  static std::string where(const PostgresConnection& options) {
    return options.user + "@" + options.host + ":" + std::to_string(options.port) + "/" +
           options.database;
  }

  /// Runs a statement with text parameters (never interpolated).
  Result execute(const std::string& sql, const std::vector<std::string>& parameters = {},
                 ExecStatusType expected = PGRES_COMMAND_OK) {
    std::vector<const char*> values;
    for (const std::string& parameter : parameters) {
      values.push_back(parameter.c_str());
    }
    Result result(PQexecParams(connection_, sql.c_str(), static_cast<int>(values.size()), nullptr,
                               values.empty() ? nullptr : values.data(), nullptr, nullptr, 0));
    ExecStatusType status = PQresultStatus(result.get());
    if (status != expected && !(expected == PGRES_COMMAND_OK && status == PGRES_TUPLES_OK)) {
      throw IoError(
          "PostgreSQL " + where_ + ": " + PQresultErrorMessage(result.get()) + "(in: " + sql + ")",
          category_of(result.get()));
    }
    return result;
  }

  std::string identifier(const std::string& name) {
    char* quoted = PQescapeIdentifier(connection_, name.c_str(), name.size());
    if (quoted == nullptr) {
      throw IoError("PostgreSQL cannot quote identifier '" + name +
                    "': " + PQerrorMessage(connection_));
    }
    std::string text(quoted);
    PQfreemem(quoted);
    return text;
  }

  PGconn* get() const { return connection_; }
  const std::string& where() const { return where_; }

  /// Usable for the next checkout: connected, no transaction or COPY left open, and the
  /// server answers (a restarted server leaves idle connections dead until used).
  bool healthy() const {
    if (PQstatus(connection_) != CONNECTION_OK ||
        PQtransactionStatus(connection_) != PQTRANS_IDLE) {
      return false;
    }
    Result result(PQexec(connection_, "SELECT 1"));
    return PQresultStatus(result.get()) == PGRES_TUPLES_OK;
  }

 private:
  std::string where_;
  PGconn* connection_ = nullptr;
};

// A session from the pool of its endpoint, held as one call of the endpoint's breaker
// (setl/core/guarded_connection.h).
class PooledSession : public GuardedConnection<Session> {
 public:
  explicit PooledSession(const PostgresConnection& options)
      : GuardedConnection<Session>(
            "postgres:" + Session::where(options) +
                (options.password_env.empty() ? "" : " $" + options.password_env),
            {.open = [options] { return std::make_unique<Session>(options); },
             .healthy = [](Session& session) { return session.healthy(); }}) {}
};

std::optional<DataType> type_from_oid(Oid oid, int modifier) {
  if (oid == 1700 && modifier >= 4) {
    // numeric(p, s) stores ((p << 16) | s) + 4; unconstrained numeric (-1) has no fixed
    // scale and stays float64, as does a precision beyond 38 digits.
    int precision = ((modifier - 4) >> 16) & 0xFFFF;
    int scale = (modifier - 4) & 0xFFFF;
    if (precision >= 1 && precision <= engine::kMaxDecimalPrecision && scale <= precision) {
      return DataType::decimal(precision, scale);
    }
  }
  switch (oid) {
    case 16:
      return DataType::boolean();
    case 20:
    case 21:
    case 23:
      return DataType::int64();
    case 700:
    case 701:
    case 1700:
      return DataType::float64();
    case 25:
    case 1043:
    case 1042:
    case 19:
      return DataType::string();
    case 1082:
      return DataType::date32();
    case 1114:
      return DataType::timestamp();
    case 1184:
      return DataType::timestamp("UTC");
    default:
      return std::nullopt;
  }
}

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
      return type.zone().empty() ? "TIMESTAMP" : "TIMESTAMPTZ";
    case TypeId::kDecimal:
      return "NUMERIC(" + std::to_string(type.precision()) + "," + std::to_string(type.scale()) +
             ")";
    default:
      return "TEXT";
  }
}

// COPY text format: tab-separated, \N for NULL, backslash escapes.
std::string unescape(std::string_view field) {
  std::string out;
  out.reserve(field.size());
  for (size_t i = 0; i < field.size(); ++i) {
    if (field[i] != '\\' || i + 1 >= field.size()) {
      out += field[i];
      continue;
    }
    char next = field[++i];
    switch (next) {
      case 't':
        out += '\t';
        break;
      case 'n':
        out += '\n';
        break;
      case 'r':
        out += '\r';
        break;
      case 'b':
        out += '\b';
        break;
      case 'f':
        out += '\f';
        break;
      case 'v':
        out += '\v';
        break;
      default:
        out += next;
    }
  }
  return out;
}

void escape_into(std::string& out, std::string_view text) {
  for (char c : text) {
    switch (c) {
      case '\\':
        out += "\\\\";
        break;
      case '\t':
        out += "\\t";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      default:
        out += c;
    }
  }
}

// Appends one COPY text line to `builders`; returns about how many bytes it added.
int64_t append_copy_line(std::string_view line, const std::vector<engine::Field>& fields,
                         std::vector<engine::ColumnBuilder>& builders, int64_t row,
                         const std::string& where) {
  if (!line.empty() && line.back() == '\n') {
    line.remove_suffix(1);
  }
  int64_t bytes = 0;
  size_t start = 0;
  for (size_t c = 0; c < fields.size(); ++c) {
    size_t tab = line.find('\t', start);
    std::string_view raw =
        line.substr(start, tab == std::string_view::npos ? std::string_view::npos : tab - start);
    start = tab == std::string_view::npos ? line.size() : tab + 1;
    engine::ColumnBuilder& builder = builders[c];
    if (raw == "\\N") {
      builder.append_null();
      continue;
    }
    std::string text = unescape(raw);
    const engine::DataType& type = fields[c].type;
    std::string_view value = text;
    if (type.id() == TypeId::kTimestamp && !type.zone().empty()) {
      size_t sign = value.find_last_of("+-");
      if (sign != std::string_view::npos && sign > 10) {
        value = value.substr(0, sign);  // "+00": the session runs in UTC
      }
    }
    // Booleans come as t/f, dates and timestamps in ISO form (DateStyle=ISO).
    bool ok = builder.append_text(value);
    bytes += type.id() == TypeId::kString    ? 4 + static_cast<int64_t>(text.size())
             : type.id() == TypeId::kDecimal ? 16
                                             : 8;
    if (!ok) {
      throw IoError("PostgreSQL " + where + ": row " + std::to_string(row + 1) + ", column \"" +
                    fields[c].name + "\": cannot read '" + text + "' as " +
                    fields[c].type.to_string());
    }
  }
  return bytes;
}

// The rows of a running COPY ... TO STDOUT as batches of about `batch_bytes`, read from
// the connection as they are consumed (the server streams; libpq holds one row).
class CopyStream : public engine::BatchStream {
 public:
  CopyStream(std::unique_ptr<PooledSession> session, engine::SchemaPtr schema, int64_t batch_bytes)
      : session_(std::move(session)), batcher_(std::move(schema), batch_bytes) {}
  ~CopyStream() override {
    if (!done_) {  // abandoned mid-COPY: the connection cannot serve anyone else
      session_->failed(nullptr);
    }
  }
  CopyStream(const CopyStream&) = delete;
  CopyStream& operator=(const CopyStream&) = delete;

  const engine::SchemaPtr& schema() const override { return batcher_.schema(); }

  std::optional<engine::RecordBatch> next() override {
    return batcher_.next(
        [&](std::vector<engine::ColumnBuilder>& builders, int64_t row) -> std::optional<int64_t> {
          char* buffer = nullptr;
          int length = PQgetCopyData((*session_)->get(), &buffer, 0);
          if (length <= 0) {
            finish(length);
            return std::nullopt;
          }
          std::unique_ptr<char, decltype(&PQfreemem)> line(buffer, &PQfreemem);
          return append_copy_line(std::string_view(buffer, static_cast<size_t>(length)),
                                  batcher_.schema()->fields(), builders, row, (*session_)->where());
        });
  }

  engine::ScanStats stats() const override { return {.rows = batcher_.rows()}; }

 private:
  // The COPY ended (-1) or failed (-2): checks how.
  void finish(int length) {
    Session& session = **session_;
    done_ = true;
    if (length == -2) {
      fail(IoError(
          "PostgreSQL " + session.where() + ": COPY failed: " + PQerrorMessage(session.get()),
          ErrorCategory::kTransient));
    }
    Result final(PQgetResult(session.get()));
    if (PQresultStatus(final.get()) != PGRES_COMMAND_OK) {
      fail(IoError("PostgreSQL " + session.where() + ": " + PQresultErrorMessage(final.get()),
                   category_of(final.get())));
    }
    while (PGresult* extra = PQgetResult(session.get())) {
      PQclear(extra);
    }
  }
  [[noreturn]] void fail(const IoError& error) {
    session_->failed(std::make_exception_ptr(error));
    throw error;
  }

  std::unique_ptr<PooledSession> session_;
  bool done_ = false;
  detail::RowBatcher batcher_;
};

// BEGIN ... COMMIT around `work`, in UTC so that COPY text means the same everywhere;
// ROLLBACK when it throws.
template <class Work>
void in_transaction(Session& session, Work&& work) {
  session.execute("BEGIN");
  try {
    session.execute("SET LOCAL TIME ZONE 'UTC'");
    work();
    session.execute("COMMIT");
  } catch (...) {
    try {
      session.execute("ROLLBACK");
    } catch (...) {
      // The original error matters more.
    }
    throw;
  }
}

std::string column_list(Session& session, const engine::Schema& schema) {
  std::string columns;
  for (const engine::Field& field : schema.fields()) {
    columns += (columns.empty() ? "" : ", ") + session.identifier(field.name);
  }
  return columns;
}

std::string column_definitions(Session& session, const engine::Schema& schema) {
  std::string definitions;
  for (const engine::Field& field : schema.fields()) {
    definitions += (definitions.empty() ? "" : ", ") + session.identifier(field.name) + " " +
                   declared_type(field.type) + (field.nullable ? "" : " NOT NULL");
  }
  return definitions;
}

void append_copy_value(std::string& chunk, const engine::Column& column, int64_t row) {
  if (column.is_null(row)) {
    chunk += "\\N";
  } else if (column.type().id() == TypeId::kString) {
    escape_into(chunk, column.string_value(row));
  } else if (column.type().id() == TypeId::kFloat64) {
    chunk += fmt::format("{}", column.values<double>()[row]);
  } else if (column.type().id() == TypeId::kBool) {
    chunk += column.bool_value(row) ? "t" : "f";
  } else {
    chunk += column.scalar(row).to_display();
  }
}

// COPY FROM STDIN of every row of `table` into `target` (already quoted).
void copy_into(Session& session, const std::string& target, const engine::Table& table) {
  session.execute("COPY " + target + " (" + column_list(session, *table.schema()) + ") FROM STDIN",
                  {}, PGRES_COPY_IN);
  std::string chunk;
  auto flush = [&] {
    if (!chunk.empty() &&
        PQputCopyData(session.get(), chunk.data(), static_cast<int>(chunk.size())) != 1) {
      throw IoError(
          "PostgreSQL " + session.where() + ": COPY failed: " + PQerrorMessage(session.get()),
          connection_category(session.get()));
    }
    chunk.clear();
  };
  for (const engine::RecordBatch& batch : table.batches()) {
    for (int64_t row = 0; row < batch.num_rows(); ++row) {
      for (size_t c = 0; c < batch.num_columns(); ++c) {
        if (c > 0) {
          chunk += '\t';
        }
        append_copy_value(chunk, *batch.column(c), row);
      }
      chunk += '\n';
      if (chunk.size() > (1 << 20)) {
        flush();
      }
    }
  }
  flush();
  if (PQputCopyEnd(session.get(), nullptr) != 1) {
    throw IoError(
        "PostgreSQL " + session.where() + ": COPY failed: " + PQerrorMessage(session.get()),
        connection_category(session.get()));
  }
  Result copied(PQgetResult(session.get()));
  if (PQresultStatus(copied.get()) != PGRES_COMMAND_OK) {
    throw IoError("PostgreSQL " + session.where() + ": COPY into " + target +
                      " failed: " + PQresultErrorMessage(copied.get()),
                  category_of(copied.get()));
  }
  while (PGresult* extra = PQgetResult(session.get())) {
    PQclear(extra);
  }
}

// Every row a COPY ... TO STDOUT of `select` yields, in `schema`'s columns.
engine::Table copy_out(Session& session, const std::string& select,
                       const engine::SchemaPtr& schema) {
  session.execute("COPY (" + select + ") TO STDOUT", {}, PGRES_COPY_OUT);
  std::vector<engine::ColumnBuilder> builders;
  for (const engine::Field& field : schema->fields()) {
    builders.emplace_back(field.type);
  }
  int64_t rows = 0;
  while (true) {
    char* buffer = nullptr;
    int length = PQgetCopyData(session.get(), &buffer, 0);
    if (length <= 0) {
      if (length == -2) {
        throw IoError(
            "PostgreSQL " + session.where() + ": COPY failed: " + PQerrorMessage(session.get()),
            ErrorCategory::kTransient);
      }
      break;
    }
    std::unique_ptr<char, decltype(&PQfreemem)> line(buffer, &PQfreemem);
    append_copy_line(std::string_view(buffer, static_cast<size_t>(length)), schema->fields(),
                     builders, rows++, session.where());
  }
  Result final(PQgetResult(session.get()));
  if (PQresultStatus(final.get()) != PGRES_COMMAND_OK) {
    throw IoError("PostgreSQL " + session.where() + ": " + PQresultErrorMessage(final.get()),
                  category_of(final.get()));
  }
  std::vector<std::pair<std::string, engine::ColumnPtr>> columns;
  for (size_t c = 0; c < builders.size(); ++c) {
    columns.emplace_back(schema->field(c).name, builders[c].finish());
  }
  return engine::Table::from_columns(std::move(columns));
}

bool table_present(Session& session, const std::string& db_schema, const std::string& table_name) {
  Result found = session.execute(
      "SELECT 1 FROM information_schema.tables WHERE table_schema = $1 AND table_name = $2",
      {db_schema, table_name}, PGRES_TUPLES_OK);
  return PQntuples(found.get()) > 0;
}

// One transaction: DROP or CREATE as the mode says, then COPY the rows in.
void write_table(Session& session, const std::string& db_schema, const std::string& table_name,
                 const engine::Table& table, SaveMode mode) {
  std::string target = session.identifier(db_schema) + "." + session.identifier(table_name);
  in_transaction(session, [&] {
    bool present = table_present(session, db_schema, table_name);
    if (present && mode == SaveMode::kErrorIfExists) {
      throw IoError("PostgreSQL table " + table_name +
                    " already exists (save mode error_if_exists)");
    }
    if (present && mode == SaveMode::kIgnore) {
      return;
    }
    if (present && mode == SaveMode::kOverwrite) {
      session.execute("DROP TABLE " + target);
      present = false;
    }
    if (!present) {
      session.execute("CREATE TABLE " + target + " (" +
                      column_definitions(session, *table.schema()) + ")");
    }
    copy_into(session, target, table);
  });
}

}  // namespace

PostgresConnector::PostgresConnector(ConnectorKey key, PostgresConnection connection,
                                     std::string table)
    : PostgresConnector(key, std::move(connection), std::move(table), "") {}

PostgresConnector::PostgresConnector(ConnectorKey key, PostgresConnection connection,
                                     SqlQuery query)
    : PostgresConnector(key, std::move(connection), "", std::move(query.text)) {}

PostgresConnector::PostgresConnector(ConnectorKey key, PostgresConnection connection,
                                     std::string table, std::string sql)
    : Connector(key),
      connection_(std::move(connection)),
      table_(std::move(table)),
      sql_(std::move(sql)) {}

std::string PostgresConnector::describe() const {
  return "postgres " + Session::where(connection_) + (sql_.empty() ? " table " + table_ : " query");
}

bool PostgresConnector::exists() const {
  if (!sql_.empty()) {
    return true;
  }
  PooledSession pooled(connection_);
  return with_connection(pooled, [&](Session& session) {
    Result result = session.execute(
        "SELECT 1 FROM information_schema.tables WHERE table_schema = $1 AND table_name = $2",
        {connection_.schema, table_}, PGRES_TUPLES_OK);
    return PQntuples(result.get()) > 0;
  });
}

engine::SchemaPtr PostgresConnector::schema() const {
  PooledSession pooled(connection_);
  return with_connection(pooled, [&](Session& session) {
    std::string sql = sql_.empty() ? "SELECT * FROM " + session.identifier(connection_.schema) +
                                         "." + session.identifier(table_)
                                   : sql_;
    Result prepared(PQprepare(session.get(), "", sql.c_str(), 0, nullptr));
    if (PQresultStatus(prepared.get()) != PGRES_COMMAND_OK) {
      throw IoError("PostgreSQL " + session.where() + ": " + PQresultErrorMessage(prepared.get()));
    }
    Result described(PQdescribePrepared(session.get(), ""));
    std::vector<engine::Field> fields;
    for (int c = 0; c < PQnfields(described.get()); ++c) {
      std::string name = PQfname(described.get(), c);
      std::optional<DataType> type =
          type_from_oid(PQftype(described.get(), c), PQfmod(described.get(), c));
      if (!type) {
        throw SchemaError("PostgreSQL column \"" + name + "\" has type oid " +
                          std::to_string(PQftype(described.get(), c)) +
                          ", which setlpp does not map; cast it in a query connector");
      }
      fields.push_back({name, *type, true});
    }
    return std::make_shared<engine::Schema>(std::move(fields));
  });
}

engine::ScanResult PostgresConnector::scan(const engine::ScanRequest& request) const {
  std::unique_ptr<engine::BatchStream> stream = scan_stream(request, engine::kDefaultBatchBytes);
  engine::Table table = engine::collect_stream(*stream);
  return {std::move(table), stream->stats()};
}

std::unique_ptr<engine::BatchStream> PostgresConnector::scan_stream(
    const engine::ScanRequest& request, int64_t batch_bytes) const {
  engine::SchemaPtr full = schema();
  std::vector<engine::Field> fields;
  if (request.columns.empty()) {
    fields = full->fields();
  } else {
    for (const std::string& name : request.columns) {
      fields.push_back(full->field(full->index_of(name)));
    }
  }
  auto pooled = std::make_unique<PooledSession>(connection_);
  with_connection(*pooled, [&](Session& session) {
    std::string columns;
    for (const engine::Field& field : fields) {
      columns += (columns.empty() ? "" : ", ") + session.identifier(field.name);
    }
    std::string source =
        sql_.empty() ? session.identifier(connection_.schema) + "." + session.identifier(table_)
                     : "(" + sql_ + ") AS source";
    session.execute("COPY (SELECT " + (columns.empty() ? std::string("1") : columns) + " FROM " +
                        source + ") TO STDOUT",
                    {}, PGRES_COPY_OUT);
  });
  return std::make_unique<CopyStream>(
      std::move(pooled), std::make_shared<engine::Schema>(std::move(fields)), batch_bytes);
}

void PostgresConnector::write(const engine::Table& table, SaveMode mode) const {
  if (!sql_.empty()) {
    throw StateError("connector " + describe() + " reads a query and cannot be written to");
  }
  PooledSession pooled(connection_);
  with_connection(pooled, [&](Session& session) {
    write_table(session, connection_.schema, table_, table, mode);
  });
}

void PostgresConnector::require_table(const char* operation) const {
  if (!sql_.empty()) {
    throw StateError("connector " + describe() + " reads a query; " + operation + " needs a table");
  }
}

// Done by the server: the rows go to a temporary table, then one statement deletes the
// stored rows with their keys and another inserts them, under a lock that makes
// concurrent writers of the table wait (readers go on reading the committed rows).
void PostgresConnector::upsert(const engine::Table& rows,
                               const std::vector<std::string>& keys) const {
  require_table("an upsert");
  detail::check_upsert_keys(rows, keys, describe());
  PooledSession pooled(connection_);
  with_connection(pooled, [&](Session& session) {
    std::string target = session.identifier(connection_.schema) + "." + session.identifier(table_);
    in_transaction(session, [&] {
      session.execute("CREATE TABLE IF NOT EXISTS " + target + " (" +
                      column_definitions(session, *rows.schema()) + ")");
      session.execute("LOCK TABLE " + target + " IN SHARE ROW EXCLUSIVE MODE");
      Result stored = session.execute(
          "SELECT column_name FROM information_schema.columns WHERE table_schema = $1 AND "
          "table_name = $2 ORDER BY column_name",
          {connection_.schema, table_}, PGRES_TUPLES_OK);
      std::vector<std::string> stored_names;
      for (int r = 0; r < PQntuples(stored.get()); ++r) {
        stored_names.emplace_back(PQgetvalue(stored.get(), r, 0));
      }
      std::vector<std::string> row_names = rows.schema()->names();
      std::sort(row_names.begin(), row_names.end());
      if (stored_names != row_names) {
        throw SchemaError("upsert into " + describe() + ": it holds the columns " +
                          fmt::format("{}", fmt::join(stored_names, ", ")) + ", the rows have " +
                          rows.schema()->to_string());
      }
      session.execute("CREATE TEMPORARY TABLE setl_upsert_rows (LIKE " + target +
                      ") ON COMMIT DROP");
      copy_into(session, "setl_upsert_rows", rows);
      std::string matches;
      for (const std::string& key : keys) {
        std::string column = session.identifier(key);
        matches += (matches.empty() ? "" : " AND ") + std::string("stored.") + column +
                   " = setl_upsert_rows." + column;
      }
      session.execute("DELETE FROM " + target + " AS stored USING setl_upsert_rows WHERE " +
                      matches);
      std::string columns = column_list(session, *rows.schema());
      session.execute("INSERT INTO " + target + " (" + columns + ") SELECT " + columns +
                      " FROM setl_upsert_rows");
    });
  });
}

// The condition is ours, not SQL: the rows are read under the lock with their ctid (which
// no one can change while it is held), tested here, and deleted by ctid.
void PostgresConnector::delete_where(const engine::Expr& condition) const {
  require_table("a delete");
  if (!exists()) {
    return;
  }
  engine::SchemaPtr stored = schema();
  PooledSession pooled(connection_);
  with_connection(pooled, [&](Session& session) {
    std::string target = session.identifier(connection_.schema) + "." + session.identifier(table_);
    in_transaction(session, [&] {
      session.execute("LOCK TABLE " + target + " IN SHARE ROW EXCLUSIVE MODE");
      std::vector<engine::Field> fields = {{"__setl_ctid", DataType::string(), false}};
      fields.insert(fields.end(), stored->fields().begin(), stored->fields().end());
      auto with_ctid = std::make_shared<engine::Schema>(std::move(fields));
      engine::Table rows = copy_out(
          session, "SELECT ctid, " + column_list(session, *stored) + " FROM " + target, with_ctid);
      engine::Table doomed = rows.filter(condition);
      if (doomed.num_rows() == 0) {
        return;
      }
      std::string ctids;
      for (const engine::RecordBatch& batch : doomed.batches()) {
        const engine::Column& column = *batch.column("__setl_ctid");
        for (int64_t row = 0; row < batch.num_rows(); ++row) {
          ctids += (ctids.empty() ? "{\"" : ",\"") + std::string(column.string_value(row)) + "\"";
        }
      }
      session.execute("DELETE FROM " + target + " WHERE ctid = ANY($1::tid[])", {ctids + "}"});
    });
  });
}

void PostgresConnector::drop() const {
  require_table("a drop");
  PooledSession pooled(connection_);
  with_connection(pooled, [&](Session& session) {
    std::string target = session.identifier(connection_.schema) + "." + session.identifier(table_);
    in_transaction(session, [&] { session.execute("DROP TABLE IF EXISTS " + target); });
  });
}

}  // namespace setl::storage
