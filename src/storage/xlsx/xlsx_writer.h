// Writes a table as a one-sheet .xlsx workbook with libxlsxwriter, atomically (private to
// the storage layer).
#pragma once

#include <filesystem>
#include <string>

#include "setl/engine/table.h"

namespace setl::storage::detail {

/// Replaces `target` with a workbook whose sheet `sheet` holds `table` from cell
/// (`first_row`, `first_column`), a header row of column names first if `header`.
/// Throws: ConfigError for a sheet name Excel refuses; ResourceError past Excel's rows,
/// columns or text length; IoError when the file cannot be written (the target is then
/// unchanged).
void write_xlsx(const std::filesystem::path& target, const std::string& sheet,
                const engine::Table& table, int64_t first_row, int64_t first_column, bool header);

}  // namespace setl::storage::detail
