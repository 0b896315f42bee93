// Excel workbooks (.xlsx): one sheet read as a table, or a table written as a workbook,
// SETL's ExcelConnector.
//
//   auto sales = make_connector<ExcelConnector>("sales.xlsx", ExcelOptions{.sheet = "2024"});
//   Table table = sales->read();          // the header row names the columns
//   sales->write(table, SaveMode::kOverwrite);
//
// Types are inferred per column from the cells: numbers that are all whole as int64,
// other numbers as float64, TRUE/FALSE as bool, numbers shown with a date format as date32
// (all at midnight) or timestamp (to the millisecond, Excel's precision), anything mixed as string
// (numbers in their shortest text). Empty cells are NULL. Written: numbers, text, booleans, dates
// and timestamps (with a date format); NULL as an empty cell; int64 values beyond 2^53, which a
// number cell cannot hold exactly, as text.
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "setl/storage/file_connector.h"

namespace setl::storage {

struct ExcelOptions {
  /// The sheet to read or write (empty: the first to read, "Sheet1" to write).
  std::string sheet;
  /// SETL's dataAddress: the top-left cell of the table ("B3"; empty: A1), optionally with
  /// the sheet ("'Sales 2024'!B3").
  std::string data_address;
  /// The first row names the columns (else they are _c0, _c1, ...).
  bool header = true;
  /// False: every column a string.
  bool infer_schema = true;
};

/// The sheet names of a workbook, in order. Throws: IoError, ParseError.
std::vector<std::string> excel_sheet_names(const std::filesystem::path& path);

/// Create with make_connector<ExcelConnector>(path, options).
class ExcelConnector : public FileConnector {
 public:
  /// Throws: ConfigError for a data address that is not a cell.
  ExcelConnector(ConnectorKey key, std::filesystem::path path, ExcelOptions options = {});

  engine::SchemaPtr schema() const override;
  engine::ScanResult scan(const engine::ScanRequest& request) const override;

 protected:
  /// A new workbook with one sheet; append rewrites it with the rows it held first.
  void write_file(const engine::Table& table, bool append) const override;

 private:
  engine::Table read_sheet() const;

  ExcelOptions options_;
  std::string sheet_;
  int64_t first_row_ = 0;
  int64_t first_column_ = 0;
};

}  // namespace setl::storage
