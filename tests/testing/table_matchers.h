// gmock matchers for tables, with failures that show what differs instead of "false":
//
//   EXPECT_THAT(result, TableIs({"name", "total"}, {{"Ada", "130.5"}, {"Bob", "null"}}));
//   EXPECT_THAT(lazy.collect(), SameTableAs(eager));   // schema, then every cell
//
// Cells are compared as display text ("null" for NULL), rows in order. A mismatch names
// the first differing row and column and prints both tables (first 20 rows).
#pragma once

#include <ostream>
#include <sstream>
#include <string>
#include <vector>

#include <gmock/gmock.h>

#include "setl/engine/table.h"
#include "testing/columns.h"

namespace setl::testing {

using Rows = std::vector<std::vector<std::string>>;

inline std::vector<std::string> column_names(const engine::Table& table) {
  std::vector<std::string> names;
  for (const engine::Field& field : table.schema()->fields()) {
    names.push_back(field.name);
  }
  return names;
}

/// Every row as display text, in the order of `columns`.
inline Rows rows_of(const engine::Table& table, const std::vector<std::string>& columns) {
  std::vector<std::vector<std::string>> by_column;
  for (const std::string& name : columns) {
    by_column.push_back(cells(table, name));
  }
  Rows rows(static_cast<size_t>(table.num_rows()));
  for (size_t row = 0; row < rows.size(); ++row) {
    for (const std::vector<std::string>& column : by_column) {
      rows[row].push_back(column[row]);
    }
  }
  return rows;
}

inline std::string join_cells(const std::vector<std::string>& cells) {
  std::string text;
  for (const std::string& cell : cells) {
    text += (text.empty() ? "" : " | ") + cell;
  }
  return text;
}

class TableIsMatcher : public ::testing::MatcherInterface<const engine::Table&> {
 public:
  TableIsMatcher(std::vector<std::string> columns, Rows rows)
      : columns_(std::move(columns)), rows_(std::move(rows)) {}

  bool MatchAndExplain(const engine::Table& table,
                       ::testing::MatchResultListener* listener) const override {
    std::vector<std::string> names = column_names(table);
    if (names != columns_) {
      *listener << "whose columns are [" << join_cells(names) << "]";
      return false;
    }
    Rows actual = rows_of(table, columns_);
    size_t common = std::min(actual.size(), rows_.size());
    for (size_t row = 0; row < common; ++row) {
      for (size_t column = 0; column < columns_.size(); ++column) {
        if (actual[row][column] != rows_[row][column]) {
          *listener << "whose row " << row << " column '" << columns_[column] << "' is "
                    << actual[row][column] << ", expected " << rows_[row][column] << "\n";
          print(table, listener);
          return false;
        }
      }
    }
    if (actual.size() != rows_.size()) {
      *listener << "which has " << actual.size() << " rows, expected " << rows_.size() << "\n";
      print(table, listener);
      return false;
    }
    return true;
  }
  void DescribeTo(std::ostream* out) const override {
    *out << "is a table [" << join_cells(columns_) << "] with rows";
    for (const std::vector<std::string>& row : rows_) {
      *out << "\n  " << join_cells(row);
    }
  }
  void DescribeNegationTo(std::ostream* out) const override {
    *out << "is not that table: ";
    DescribeTo(out);
  }

 private:
  static void print(const engine::Table& table, ::testing::MatchResultListener* listener) {
    std::ostringstream shown;
    table.show(shown, 20);
    *listener << "actual table:\n" << shown.str();
  }

  std::vector<std::string> columns_;
  Rows rows_;
};

/// A table with exactly these columns, in order, and these rows (display text).
inline ::testing::Matcher<const engine::Table&> TableIs(std::vector<std::string> columns,
                                                        Rows rows) {
  return ::testing::MakeMatcher(new TableIsMatcher(std::move(columns), std::move(rows)));
}

/// The same column names and cells as `expected` (types compared through display text).
inline ::testing::Matcher<const engine::Table&> SameTableAs(const engine::Table& expected) {
  std::vector<std::string> columns = column_names(expected);
  return TableIs(columns, rows_of(expected, columns));
}

}  // namespace setl::testing
