// The parts of an .xlsx package (ECMA-376, SpreadsheetML) that hold a sheet's values,
// read from the zip with libzip and parsed with expat (private to the storage layer).
// Everything is untrusted: parts are expanded within the decompression limits, XML is
// depth-limited and may not declare a DOCTYPE, indices and cell references are checked.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

namespace setl::storage::detail {

struct XlsxCell {
  enum class Kind { kNumber, kText, kBool };
  int64_t row = 0;     // 0-based
  int64_t column = 0;  // 0-based
  Kind kind = Kind::kText;
  double number = 0;  // kNumber; kBool: 0 or 1
  std::string text;   // kText
  bool date = false;  // a number shown with a date or time format
};

struct XlsxSheet {
  std::string name;
  bool date1904 = false;        // the workbook counts days from 1904-01-01
  std::vector<XlsxCell> cells;  // non-empty cells, in row then column order
};

/// Excel's limits: 1,048,576 rows of 16,384 columns.
inline constexpr int64_t kXlsxMaxRows = 1'048'576;
inline constexpr int64_t kXlsxMaxColumns = 16'384;

/// The workbook's sheet names, in order. Throws: IoError (missing file), ParseError (not an
/// xlsx package, corrupt part), ResourceError (a part past the decompression limits).
std::vector<std::string> xlsx_sheet_names(const std::filesystem::path& file);
/// The cells of the sheet called `sheet` (empty: the first). Throws: as above, and
/// ParseError listing the sheets when there is no such sheet.
XlsxSheet read_xlsx_sheet(const std::filesystem::path& file, const std::string& sheet);

/// "B12" -> row 11, column 1. False for anything else or past Excel's limits.
bool parse_cell_reference(std::string_view reference, int64_t& row, int64_t& column);

}  // namespace setl::storage::detail
