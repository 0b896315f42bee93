#include "setl/storage/sqlite_connector.h"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <limits>

#include <fmt/format.h>
#include <sqlite3.h>

#include "setl/core/error.h"
#include "setl/core/file_status.h"
#include "setl/engine/builder.h"
#include "setl/engine/parse_value.h"
#include "storage/row_batcher.h"
#include "storage/sqlite_database.h"
#include "storage/table_edits.h"

namespace setl::storage {
namespace {

using detail::Database;
using detail::PooledDatabase;
using detail::with_database;
using engine::DataType;
using engine::TypeId;

std::string quote(const std::string& identifier) {
  std::string quoted = "\"";
  for (char c : identifier) {
    quoted += c;
    if (c == '"') {
      quoted += '"';
    }
  }
  return quoted + "\"";
}

// DECIMAL(p,s) or NUMERIC(p,s) with p <= 38 (also as written for wide decimals, "TEXT
// DECIMAL(p,s)"); plain DECIMAL and NUMERIC have no scale and read as float64.
std::optional<DataType> decimal_from_declared(const std::string& upper) {
  for (const char* name : {"DECIMAL(", "NUMERIC("}) {
    size_t at = upper.find(name);
    if (at == std::string::npos) {
      continue;
    }
    int precision = 0;
    int scale = 0;
    char close = 0;
    std::string rest = upper.substr(at + 8);
    int read = std::sscanf(rest.c_str(), " %3d , %3d %c", &precision, &scale, &close);
    if (read == 2 || (read == 3 && close != ')')) {
      return std::nullopt;
    }
    if (read < 2 && std::sscanf(rest.c_str(), " %3d %c", &precision, &close) == 2 && close == ')') {
      scale = 0;
    } else if (read < 2) {
      return std::nullopt;
    }
    if (precision >= 1 && precision <= engine::kMaxDecimalPrecision && scale >= 0 &&
        scale <= precision) {
      return DataType::decimal(precision, scale);
    }
  }
  return std::nullopt;
}

std::optional<DataType> type_from_declared(std::string declared) {
  std::transform(declared.begin(), declared.end(), declared.begin(),
                 [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
  if (declared.empty()) {
    return std::nullopt;
  }
  if (declared.find("BOOL") != std::string::npos) {
    return DataType::boolean();
  }
  if (std::optional<DataType> decimal = decimal_from_declared(declared)) {
    return decimal;
  }
  if (declared.find("TIMESTAMP") != std::string::npos ||
      declared.find("DATETIME") != std::string::npos) {
    return DataType::timestamp();
  }
  if (declared == "DATE") {
    return DataType::date32();
  }
  if (declared.find("INT") != std::string::npos) {
    return DataType::int64();
  }
  if (declared.find("CHAR") != std::string::npos || declared.find("CLOB") != std::string::npos ||
      declared.find("TEXT") != std::string::npos) {
    return DataType::string();
  }
  if (declared.find("REAL") != std::string::npos || declared.find("FLOA") != std::string::npos ||
      declared.find("DOUB") != std::string::npos || declared.find("NUMERIC") != std::string::npos ||
      declared.find("DECIMAL") != std::string::npos) {
    return DataType::float64();
  }
  return std::nullopt;
}

std::string declared_type(const DataType& type) {
  switch (type.id()) {
    case TypeId::kBool:
      return "BOOLEAN";
    case TypeId::kInt32:
    case TypeId::kInt64:
      return "INTEGER";
    case TypeId::kFloat64:
      return "REAL";
    case TypeId::kDate32:
      return "DATE";
    case TypeId::kTimestamp:
      return "TIMESTAMP";
    case TypeId::kDecimal: {
      // NUMERIC affinity keeps 15 significant digits: wider decimals are stored as text.
      std::string decimal =
          "DECIMAL(" + std::to_string(type.precision()) + "," + std::to_string(type.scale()) + ")";
      return type.precision() <= 15 ? decimal : "TEXT " + decimal;
    }
    default:
      return "TEXT";
  }
}

// Appends the statement's current row to `builders` (typed by `schema`); returns about
// how many bytes it added. `row` is 0-based, for errors.
int64_t append_row(sqlite3_stmt* statement, const engine::Schema& schema,
                   std::vector<engine::ColumnBuilder>& builders, int64_t row,
                   const std::string& where) {
  int64_t bytes = 0;
  for (size_t c = 0; c < builders.size(); ++c) {
    int index = static_cast<int>(c);
    engine::ColumnBuilder& builder = builders[c];
    int kind = sqlite3_column_type(statement, index);
    if (kind == SQLITE_NULL) {
      builder.append_null();
      continue;
    }
    const engine::Field& field = schema.field(c);
    auto bad_value = [&]() {
      const unsigned char* text = sqlite3_column_text(statement, index);
      throw IoError(where + ": row " + std::to_string(row + 1) + ", column \"" + field.name +
                    "\": expected " + field.type.to_string() + ", found '" +
                    (text ? reinterpret_cast<const char*>(text) : "") + "'");
    };
    bytes += 8;
    switch (field.type.id()) {
      case TypeId::kBool:
        builder.append_bool(sqlite3_column_int64(statement, index) != 0);
        break;
      case TypeId::kInt32:
      case TypeId::kInt64:
        if (kind != SQLITE_INTEGER) {
          bad_value();
        }
        builder.append_int(sqlite3_column_int64(statement, index));
        break;
      case TypeId::kFloat64:
        if (kind == SQLITE_TEXT) {
          // SQLite stores NaN as NULL and -0.0 as 0: NaN is written as the text 'NaN'.
          std::string_view text(
              reinterpret_cast<const char*>(sqlite3_column_text(statement, index)),
              static_cast<size_t>(sqlite3_column_bytes(statement, index)));
          if (text == "NaN") {
            builder.append_double(std::numeric_limits<double>::quiet_NaN());
            break;
          }
        }
        if (kind == SQLITE_BLOB && sqlite3_column_bytes(statement, index) == 8) {
          double value = 0;  // -0.0, stored as its 8 IEEE bytes
          std::memcpy(&value, sqlite3_column_blob(statement, index), 8);
          builder.append_double(value);
          break;
        }
        if (kind != SQLITE_INTEGER && kind != SQLITE_FLOAT) {
          bad_value();
        }
        builder.append_double(sqlite3_column_double(statement, index));
        break;
      case TypeId::kDecimal: {
        engine::int128 value = 0;
        int precision = field.type.precision();
        int scale = field.type.scale();
        const char* text = reinterpret_cast<const char*>(sqlite3_column_text(statement, index));
        bool ok = kind == SQLITE_INTEGER
                      ? engine::rescale_decimal(sqlite3_column_int64(statement, index), 0, scale,
                                                precision, value)
                  : kind == SQLITE_FLOAT
                      ? engine::decimal_from_double(sqlite3_column_double(statement, index),
                                                    precision, scale, value)
                      : engine::parse_decimal(text ? text : "", precision, scale, value);
        if (!ok) {
          bad_value();
        }
        builder.append_decimal(value);
        bytes += 8;
        break;
      }
      case TypeId::kDate32: {
        int32_t days = 0;
        const char* text = reinterpret_cast<const char*>(sqlite3_column_text(statement, index));
        if (!engine::parse_date(text ? text : "", days)) {
          bad_value();
        }
        builder.append_int(days);
        break;
      }
      case TypeId::kTimestamp: {
        int64_t micros = 0;
        const char* text = reinterpret_cast<const char*>(sqlite3_column_text(statement, index));
        if (!engine::parse_timestamp(text ? text : "", micros)) {
          bad_value();
        }
        builder.append_int(micros);
        break;
      }
      default: {
        const unsigned char* text = sqlite3_column_text(statement, index);
        int length = sqlite3_column_bytes(statement, index);
        builder.append_string(
            std::string_view(reinterpret_cast<const char*>(text), static_cast<size_t>(length)));
        bytes += length - 4;  // an offset and the characters
      }
    }
  }
  return bytes;
}

// A query's rows as batches of about `batch_bytes`, stepped as they are consumed: the
// connection and its statement stay open (one read transaction) until the stream ends.
class SqliteStream : public engine::BatchStream {
 public:
  SqliteStream(const std::filesystem::path& path, const std::string& sql, engine::SchemaPtr schema,
               std::string where, int64_t batch_bytes)
      : db_(path, false),
        statement_(prepare(db_, sql)),
        where_(std::move(where)),
        batcher_(std::move(schema), batch_bytes) {}

  const engine::SchemaPtr& schema() const override { return batcher_.schema(); }

  std::optional<engine::RecordBatch> next() override {
    return batcher_.next(
        [&](std::vector<engine::ColumnBuilder>& builders, int64_t row) -> std::optional<int64_t> {
          int status = sqlite3_step(statement_.get());
          if (status == SQLITE_DONE) {
            return std::nullopt;
          }
          if (status != SQLITE_ROW) {
            IoError error(where_ + ": SQLite error while reading row " + std::to_string(row + 1),
                          detail::category_of(status));
            db_.failed(std::make_exception_ptr(error));
            throw error;
          }
          return append_row(statement_.get(), *batcher_.schema(), builders, row, where_);
        });
  }

  engine::ScanStats stats() const override { return {.rows = batcher_.rows()}; }

 private:
  static sqlite3_stmt* prepare(PooledDatabase& db, const std::string& sql) {
    try {
      return db->prepare(sql);
    } catch (...) {
      db.failed(std::current_exception());
      throw;
    }
  }

  PooledDatabase db_;
  Database::Statement statement_;
  std::string where_;
  detail::RowBatcher batcher_;
};

// The schema of the table, or of the query's result, read on `db`.
engine::SchemaPtr read_schema(Database& db, const std::filesystem::path& path,
                              const std::string& table, const std::string& sql) {
  std::vector<engine::Field> fields;
  if (sql.empty()) {
    if (!db.has_table(table)) {
      std::string known;
      for (const std::string& name : db.tables()) {
        known += (known.empty() ? "" : ", ") + name;
      }
      throw IoError("SQLite database " + path.string() + " has no table '" + table +
                    "' (tables: " + (known.empty() ? std::string("none") : known) + ")");
    }
    Database::Statement info(db.prepare("PRAGMA table_info(" + quote(table) + ")"));
    while (sqlite3_step(info.get()) == SQLITE_ROW) {
      std::string name = reinterpret_cast<const char*>(sqlite3_column_text(info.get(), 1));
      const unsigned char* declared = sqlite3_column_text(info.get(), 2);
      std::string declared_text = declared ? reinterpret_cast<const char*>(declared) : "";
      std::optional<DataType> type = type_from_declared(declared_text);
      if (!type) {
        throw SchemaError("SQLite column \"" + name + "\" of " + table + " has type '" +
                          declared_text +
                          "', which setlpp does not map (BLOB and untyped "
                          "columns are not supported)");
      }
      bool not_null = sqlite3_column_int(info.get(), 3) != 0;
      fields.push_back({name, *type, !not_null});
    }
    return std::make_shared<engine::Schema>(std::move(fields));
  }
  // A query: declared types where SQLite knows them, else the first non-NULL values' types.
  Database::Statement statement(db.prepare(sql));
  int count = sqlite3_column_count(statement.get());
  std::vector<std::optional<DataType>> types(static_cast<size_t>(count));
  for (int c = 0; c < count; ++c) {
    const char* declared = sqlite3_column_decltype(statement.get(), c);
    types[static_cast<size_t>(c)] = type_from_declared(declared ? declared : "");
  }
  while (std::any_of(types.begin(), types.end(), [](const auto& t) { return !t; }) &&
         sqlite3_step(statement.get()) == SQLITE_ROW) {
    for (int c = 0; c < count; ++c) {
      auto& type = types[static_cast<size_t>(c)];
      int kind = sqlite3_column_type(statement.get(), c);
      if (type || kind == SQLITE_NULL) {
        continue;
      }
      type = kind == SQLITE_INTEGER ? DataType::int64()
             : kind == SQLITE_FLOAT ? DataType::float64()
                                    : DataType::string();
    }
  }
  for (int c = 0; c < count; ++c) {
    fields.push_back({sqlite3_column_name(statement.get(), c),
                      types[static_cast<size_t>(c)].value_or(DataType::string()), true});
  }
  return std::make_shared<engine::Schema>(std::move(fields));
}

}  // namespace

SqliteConnector::SqliteConnector(ConnectorKey key, std::filesystem::path path, std::string table)
    : SqliteConnector(key, std::move(path), std::move(table), "") {}

SqliteConnector::SqliteConnector(ConnectorKey key, std::filesystem::path path, SqlQuery query)
    : SqliteConnector(key, std::move(path), "", std::move(query.text)) {}

SqliteConnector::SqliteConnector(ConnectorKey key, std::filesystem::path path, std::string table,
                                 std::string sql)
    : Connector(key), path_(std::move(path)), table_(std::move(table)), sql_(std::move(sql)) {
  if (table_.empty() && sql_.empty()) {
    throw ConfigError("a SQLite connector needs a table name or a query");
  }
}

std::string SqliteConnector::describe() const {
  return sql_.empty() ? "sqlite " + path_.string() + " table " + table_
                      : "sqlite " + path_.string() + " query";
}

bool SqliteConnector::exists() const {
  if (!setl::path_exists(path_)) {
    return false;
  }
  return sql_.empty()
             ? with_database(path_, false, [&](Database& db) { return db.has_table(table_); })
             : true;
}

engine::SchemaPtr SqliteConnector::schema() const {
  if (!setl::path_exists(path_)) {
    throw IoError("SQLite database " + path_.string() + " does not exist");
  }
  return with_database(path_, false,
                       [&](Database& db) { return read_schema(db, path_, table_, sql_); });
}

std::string SqliteConnector::select_sql(const engine::ScanRequest& request) const {
  std::string source = sql_.empty() ? quote(table_) : "(" + sql_ + ")";
  if (request.columns.empty()) {
    return "SELECT * FROM " + source;
  }
  std::string columns;
  for (const std::string& column : request.columns) {
    columns += (columns.empty() ? "" : ", ") + quote(column);
  }
  return "SELECT " + columns + " FROM " + source;
}

engine::ScanResult SqliteConnector::scan(const engine::ScanRequest& request) const {
  std::unique_ptr<engine::BatchStream> stream = scan_stream(request, engine::kDefaultBatchBytes);
  engine::Table table = engine::collect_stream(*stream);
  return {std::move(table), stream->stats()};
}

std::unique_ptr<engine::BatchStream> SqliteConnector::scan_stream(
    const engine::ScanRequest& request, int64_t batch_bytes) const {
  engine::SchemaPtr full = schema();
  engine::SchemaPtr wanted = full;
  if (!request.columns.empty()) {
    std::vector<engine::Field> fields;
    for (const std::string& name : request.columns) {
      fields.push_back(full->field(full->index_of(name)));
    }
    wanted = std::make_shared<engine::Schema>(std::move(fields));
  }
  return std::make_unique<SqliteStream>(path_, select_sql(request), std::move(wanted), describe(),
                                        batch_bytes);
}

void SqliteConnector::write(const engine::Table& table, SaveMode mode) const {
  if (!sql_.empty()) {
    throw StateError("connector " + describe() + " reads a query and cannot be written to");
  }
  with_database(path_, true, [&](Database& db) { write_on(db, table, mode); });
}

namespace {

// Every row of `sql` on `db`, in the connection's current transaction.
engine::Table read_all_on(Database& db, const std::string& sql, const engine::SchemaPtr& schema,
                          const std::string& where) {
  Database::Statement statement(db.prepare(sql));
  detail::RowBatcher batcher(schema, engine::kDefaultBatchBytes);
  std::vector<engine::RecordBatch> batches;
  auto next_row = [&](std::vector<engine::ColumnBuilder>& builders,
                      int64_t row) -> std::optional<int64_t> {
    int status = sqlite3_step(statement.get());
    if (status == SQLITE_DONE) {
      return std::nullopt;
    }
    if (status != SQLITE_ROW) {
      throw IoError(where + ": SQLite error while reading row " + std::to_string(row + 1),
                    detail::category_of(status));
    }
    return append_row(statement.get(), *schema, builders, row, where);
  };
  while (std::optional<engine::RecordBatch> batch = batcher.next(next_row)) {
    batches.push_back(std::move(*batch));
  }
  return engine::Table(schema, std::move(batches));
}

// BEGIN IMMEDIATE takes the write lock at once, so what `work` reads stays true until
// COMMIT: another writer waits instead of interleaving.
template <class Work>
void in_write_transaction(Database& db, Work&& work) {
  db.execute("BEGIN IMMEDIATE");
  try {
    work();
    db.execute("COMMIT");
  } catch (...) {
    try {
      db.execute("ROLLBACK");
    } catch (...) {
      // The original error matters more than a failed rollback.
    }
    throw;
  }
}

}  // namespace

void SqliteConnector::write_on(detail::Database& db, const engine::Table& table,
                               SaveMode mode) const {
  in_write_transaction(db, [&] { write_rows(db, table, mode); });
}

void SqliteConnector::edit(const std::function<engine::Table(const engine::Table*)>& change) const {
  if (!sql_.empty()) {
    throw StateError("connector " + describe() + " reads a query and cannot be written to");
  }
  with_database(path_, true, [&](Database& db) {
    in_write_transaction(db, [&] {
      // Read on this connection: another one from the pool could be held by writers
      // waiting for this transaction's lock.
      std::optional<engine::Table> stored;
      if (db.has_table(table_)) {
        stored = read_all_on(db, "SELECT * FROM " + quote(table_),
                             read_schema(db, path_, table_, sql_), describe());
      }
      write_rows(db, change(stored ? &*stored : nullptr), SaveMode::kOverwrite);
    });
  });
}

void SqliteConnector::upsert(const engine::Table& rows,
                             const std::vector<std::string>& keys) const {
  edit([&](const engine::Table* stored) {
    return detail::upserted(stored, rows, keys, describe());
  });
}

void SqliteConnector::delete_where(const engine::Expr& condition) const {
  if (!exists()) {
    return;
  }
  edit([&](const engine::Table* stored) {
    return stored ? detail::without_rows(*stored, condition) : engine::Table();
  });
}

void SqliteConnector::drop() const {
  if (!sql_.empty()) {
    throw StateError("connector " + describe() + " reads a query and cannot be dropped");
  }
  if (!setl::path_exists(path_)) {
    return;
  }
  with_database(path_, false, [&](Database& db) {
    in_write_transaction(db, [&] { db.execute("DROP TABLE IF EXISTS " + quote(table_)); });
  });
}

void SqliteConnector::write_rows(detail::Database& db, const engine::Table& table,
                                 SaveMode mode) const {
  {
    bool present = db.has_table(table_);
    if (present && mode == SaveMode::kErrorIfExists) {
      throw IoError("SQLite table '" + table_ + "' already exists in " + path_.string() +
                    " (save mode error_if_exists)");
    }
    if (present && mode == SaveMode::kIgnore) {
      return;
    }
    if (present && mode == SaveMode::kOverwrite) {
      db.execute("DROP TABLE " + quote(table_));
      present = false;
    }
    const engine::Schema& schema = *table.schema();
    if (!present) {
      std::string columns;
      for (const engine::Field& field : schema.fields()) {
        columns += (columns.empty() ? "" : ", ") + quote(field.name) + " " +
                   declared_type(field.type) + (field.nullable ? "" : " NOT NULL");
      }
      db.execute("CREATE TABLE " + quote(table_) + " (" + columns + ")");
    } else {
      engine::SchemaPtr existing = read_schema(db, path_, table_, sql_);
      for (const engine::Field& field : schema.fields()) {
        std::optional<size_t> index = existing->find(field.name);
        if (!index) {
          throw SchemaError("cannot append to SQLite table '" + table_ + "': it has no column \"" +
                            field.name + "\" (it has " + existing->to_string() + ")");
        }
      }
    }
    std::string names;
    std::string placeholders;
    for (const engine::Field& field : schema.fields()) {
      names += (names.empty() ? "" : ", ") + quote(field.name);
      placeholders += placeholders.empty() ? "?" : ", ?";
    }
    Database::Statement insert(db.prepare("INSERT INTO " + quote(table_) + " (" + names +
                                          ") VALUES (" + placeholders + ")"));
    for (const engine::RecordBatch& batch : table.batches()) {
      for (int64_t row = 0; row < batch.num_rows(); ++row) {
        for (size_t c = 0; c < batch.num_columns(); ++c) {
          const engine::Column& column = *batch.column(c);
          int index = static_cast<int>(c) + 1;
          if (column.is_null(row)) {
            sqlite3_bind_null(insert.get(), index);
            continue;
          }
          switch (column.type().id()) {
            case TypeId::kBool:
              sqlite3_bind_int64(insert.get(), index, column.bool_value(row) ? 1 : 0);
              break;
            case TypeId::kInt32:
              sqlite3_bind_int64(insert.get(), index, column.values<int32_t>()[row]);
              break;
            case TypeId::kInt64:
              sqlite3_bind_int64(insert.get(), index, column.values<int64_t>()[row]);
              break;
            case TypeId::kFloat64: {
              double value = column.values<double>()[row];
              // SQLite would store NaN as NULL and -0.0 as 0, silently; NaN goes in as
              // the text 'NaN' (a REAL column keeps non-numeric text as text).
              if (std::isnan(value)) {
                sqlite3_bind_text(insert.get(), index, "NaN", 3, SQLITE_STATIC);
              } else if (value == 0 && std::signbit(value)) {
                // As text a REAL column would turn it back into 0: keep its bytes.
                sqlite3_bind_blob(insert.get(), index, &value, 8, SQLITE_TRANSIENT);
              } else {
                sqlite3_bind_double(insert.get(), index, value);
              }
              break;
            }
            case TypeId::kString: {
              std::string_view text = column.string_value(row);
              sqlite3_bind_text(insert.get(), index, text.data(), static_cast<int>(text.size()),
                                SQLITE_STATIC);
              break;
            }
            default: {
              std::string text = column.scalar(row).to_display();
              sqlite3_bind_text(insert.get(), index, text.c_str(), static_cast<int>(text.size()),
                                SQLITE_TRANSIENT);
            }
          }
        }
        if (sqlite3_step(insert.get()) != SQLITE_DONE) {
          db.fail("insert into " + table_ + " failed");
        }
        sqlite3_reset(insert.get());
      }
    }
  }
}

}  // namespace setl::storage
