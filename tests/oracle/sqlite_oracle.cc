#include "sqlite_oracle.h"

#include <algorithm>
#include <cmath>
#include <stdexcept>

#include <fmt/format.h>

#include "setl/engine/parse_value.h"

namespace setl::testing {

SqliteOracle::SqliteOracle() {
  if (sqlite3_open(":memory:", &db_) != SQLITE_OK) {
    throw std::runtime_error("cannot open an in-memory SQLite database");
  }
  execute("PRAGMA case_sensitive_like = ON");
}

SqliteOracle::~SqliteOracle() {
  sqlite3_close(db_);
}

void SqliteOracle::execute(const std::string& sql) {
  char* error = nullptr;
  if (sqlite3_exec(db_, sql.c_str(), nullptr, nullptr, &error) != SQLITE_OK) {
    std::string message = error ? error : "unknown error";
    sqlite3_free(error);
    throw std::runtime_error("SQLite: " + message + " in: " + sql);
  }
}

void SqliteOracle::load(const std::string& name, const engine::Table& table) {
  using engine::TypeId;
  std::string columns;
  std::string placeholders;
  for (const engine::Field& field : table.schema()->fields()) {
    // SQLite has no exact decimal: decimals are compared as REAL within the tolerance.
    std::string type = field.type.id() == TypeId::kFloat64 || field.type.is_decimal() ? "REAL"
                       : field.type.id() == TypeId::kString                           ? "TEXT"
                       : field.type.id() == TypeId::kDate32                           ? "TEXT"
                                                                                      : "INTEGER";
    columns += (columns.empty() ? "" : ", ") + field.name + " " + type;
    placeholders += placeholders.empty() ? "?" : ", ?";
  }
  execute("CREATE TABLE " + name + " (" + columns + ")");
  execute("BEGIN");
  sqlite3_stmt* statement = nullptr;
  std::string insert = "INSERT INTO " + name + " VALUES (" + placeholders + ")";
  sqlite3_prepare_v2(db_, insert.c_str(), -1, &statement, nullptr);
  engine::RecordBatch batch = table.combine();
  for (int64_t row = 0; row < table.num_rows(); ++row) {
    for (size_t c = 0; c < batch.num_columns(); ++c) {
      int index = static_cast<int>(c) + 1;
      const engine::Column& column = *batch.column(c);
      if (column.is_null(row)) {
        sqlite3_bind_null(statement, index);
        continue;
      }
      switch (column.type().id()) {
        case TypeId::kFloat64:
          sqlite3_bind_double(statement, index, column.values<double>()[row]);
          break;
        case TypeId::kDecimal:
          sqlite3_bind_double(statement, index, column.scalar(row).as_double());
          break;
        case TypeId::kString: {
          std::string_view text = column.string_value(row);
          sqlite3_bind_text(statement, index, text.data(), static_cast<int>(text.size()),
                            SQLITE_TRANSIENT);
          break;
        }
        case TypeId::kDate32: {
          std::string text = column.scalar(row).to_display();
          sqlite3_bind_text(statement, index, text.c_str(), static_cast<int>(text.size()),
                            SQLITE_TRANSIENT);
          break;
        }
        default:
          sqlite3_bind_int64(statement, index, column.scalar(row).as_int());
      }
    }
    if (sqlite3_step(statement) != SQLITE_DONE) {
      throw std::runtime_error(std::string("SQLite insert failed: ") + sqlite3_errmsg(db_));
    }
    sqlite3_reset(statement);
  }
  sqlite3_finalize(statement);
  execute("COMMIT");
}

Rows SqliteOracle::query(const std::string& sql) {
  sqlite3_stmt* statement = nullptr;
  if (sqlite3_prepare_v2(db_, sql.c_str(), -1, &statement, nullptr) != SQLITE_OK) {
    throw std::runtime_error(std::string("SQLite: ") + sqlite3_errmsg(db_) + " in: " + sql);
  }
  Rows rows;
  int status;
  while ((status = sqlite3_step(statement)) == SQLITE_ROW) {
    std::vector<std::string> row;
    for (int c = 0; c < sqlite3_column_count(statement); ++c) {
      switch (sqlite3_column_type(statement, c)) {
        case SQLITE_NULL:
          row.push_back("null");
          break;
        case SQLITE_INTEGER:
          row.push_back(std::to_string(sqlite3_column_int64(statement, c)));
          break;
        case SQLITE_FLOAT:
          row.push_back(fmt::format("{:.17g}", sqlite3_column_double(statement, c)));
          break;
        default:
          row.push_back(reinterpret_cast<const char*>(sqlite3_column_text(statement, c)));
      }
    }
    rows.push_back(std::move(row));
  }
  if (status != SQLITE_DONE) {
    std::string message = sqlite3_errmsg(db_);
    sqlite3_finalize(statement);
    throw std::runtime_error("SQLite: " + message + " in: " + sql);
  }
  sqlite3_finalize(statement);
  return rows;
}

Rows rows_of(const engine::Table& table) {
  Rows rows;
  engine::RecordBatch batch = table.combine();
  for (int64_t row = 0; row < table.num_rows(); ++row) {
    std::vector<std::string> cells;
    for (size_t c = 0; c < batch.num_columns(); ++c) {
      const engine::Column& column = *batch.column(c);
      if (column.is_null(row)) {
        cells.push_back("null");
      } else if (column.type().id() == engine::TypeId::kBool) {
        cells.push_back(column.bool_value(row) ? "1" : "0");
      } else if (column.type().id() == engine::TypeId::kFloat64) {
        cells.push_back(fmt::format("{:.17g}", column.values<double>()[row]));
      } else {
        cells.push_back(column.scalar(row).to_display());
      }
    }
    rows.push_back(std::move(cells));
  }
  return rows;
}

namespace {

bool is_number(const std::string& text, double& value) {
  return engine::parse_float64(text, value);
}

bool cells_equal(const std::string& a, const std::string& b) {
  if (a == b) {
    return true;
  }
  double x = 0;
  double y = 0;
  if (is_number(a, x) && is_number(b, y)) {
    return std::fabs(x - y) <= 1e-9 * std::max({1.0, std::fabs(x), std::fabs(y)});
  }
  return false;
}

// A sort key robust to last-digit float differences.
std::string sort_key(const std::vector<std::string>& row) {
  std::string key;
  for (const std::string& cell : row) {
    double value = 0;
    key += is_number(cell, value) && cell.find_first_of(".e") != std::string::npos
               ? fmt::format("{:.6g}", value)
               : cell;
    key += '\x1f';
  }
  return key;
}

std::string show(const std::vector<std::string>& row) {
  std::string text = "(";
  for (size_t i = 0; i < row.size(); ++i) {
    text += (i ? ", " : "") + row[i];
  }
  return text + ")";
}

}  // namespace

std::string compare_rows(Rows expected, Rows actual, bool ordered) {
  if (!ordered) {
    // Keys computed once per row: formatting them in every comparison made large
    // results take tens of seconds.
    auto sort_rows = [](Rows& rows) {
      std::vector<std::pair<std::string, size_t>> keys;
      keys.reserve(rows.size());
      for (size_t r = 0; r < rows.size(); ++r) {
        keys.emplace_back(sort_key(rows[r]), r);
      }
      std::sort(keys.begin(), keys.end());
      Rows sorted;
      sorted.reserve(rows.size());
      for (const auto& [key, r] : keys) {
        sorted.push_back(std::move(rows[r]));
      }
      rows = std::move(sorted);
    };
    sort_rows(expected);
    sort_rows(actual);
  }
  if (expected.size() != actual.size()) {
    return "SQLite returned " + std::to_string(expected.size()) + " rows, setlpp " +
           std::to_string(actual.size()) +
           (expected.empty() ? "" : "; first SQLite row " + show(expected.front())) +
           (actual.empty() ? "" : "; first setlpp row " + show(actual.front()));
  }
  for (size_t r = 0; r < expected.size(); ++r) {
    bool same = expected[r].size() == actual[r].size();
    for (size_t c = 0; same && c < expected[r].size(); ++c) {
      same = cells_equal(expected[r][c], actual[r][c]);
    }
    if (!same) {
      return "row " + std::to_string(r) + ": SQLite " + show(expected[r]) + ", setlpp " +
             show(actual[r]);
    }
  }
  return {};
}

}  // namespace setl::testing
