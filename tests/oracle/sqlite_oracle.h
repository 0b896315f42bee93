// A tiny SQLite wrapper for differential tests: load engine tables into an in-memory
// database, run SQL, and compare results with the engine's, cell by cell.
#pragma once

#include <string>
#include <vector>

#include <sqlite3.h>

#include "setl/engine/table.h"

namespace setl::testing {

using Rows = std::vector<std::vector<std::string>>;

class SqliteOracle {
 public:
  SqliteOracle();
  ~SqliteOracle();
  SqliteOracle(const SqliteOracle&) = delete;
  SqliteOracle& operator=(const SqliteOracle&) = delete;

  void execute(const std::string& sql);
  /// Creates `name` with the table's columns and inserts every row.
  void load(const std::string& name, const engine::Table& table);
  /// Rows as text: NULL as "null", integers as digits, reals with %.17g.
  Rows query(const std::string& sql);

 private:
  sqlite3* db_ = nullptr;
};

/// The engine table's rows in the same text form (bools as 1/0, dates as YYYY-MM-DD).
Rows rows_of(const engine::Table& table);

/// Compares two results. Unordered results are sorted first. Numbers compare with a
/// relative tolerance; returns an empty string when equal, else a description.
std::string compare_rows(Rows expected, Rows actual, bool ordered);

}  // namespace setl::testing
