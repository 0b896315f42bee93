#include "setl/storage/excel_connector.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <set>

#include <fmt/format.h>

#include "setl/core/error.h"
#include "setl/core/file_status.h"
#include "setl/engine/builder.h"
#include "storage/xlsx/xlsx_package.h"
#include "storage/xlsx/xlsx_writer.h"

namespace setl::storage {

using detail::XlsxCell;
using engine::DataType;
using engine::TypeId;

namespace {

// Excel counts days from 1899-12-30 (with 1900-02-29, which never was, as day 60), or
// from 1904-01-01 in workbooks marked date1904.
double days_since_epoch(double serial, bool date1904) {
  if (date1904) {
    return serial - 24107;
  }
  return serial < 61 ? serial - 25568 : serial - 25569;
}

std::string as_text(const XlsxCell& cell) {
  switch (cell.kind) {
    case XlsxCell::Kind::kText:
      return cell.text;
    case XlsxCell::Kind::kBool:
      return cell.number != 0 ? "TRUE" : "FALSE";
    case XlsxCell::Kind::kNumber:
      return fmt::format("{}", cell.number);
  }
  return "";
}

// The narrowest type holding every cell of a column.
DataType infer_type(const std::vector<const XlsxCell*>& cells) {
  bool any = false;
  bool all_numbers = true;
  bool all_whole = true;
  bool all_dates = true;
  bool all_midnight = true;
  bool all_bools = true;
  for (const XlsxCell* cell : cells) {
    if (cell == nullptr) {
      continue;
    }
    any = true;
    bool number = cell->kind == XlsxCell::Kind::kNumber;
    all_numbers = all_numbers && number;
    all_bools = all_bools && cell->kind == XlsxCell::Kind::kBool;
    all_dates = all_dates && number && cell->date;
    if (number) {
      bool whole = std::trunc(cell->number) == cell->number;
      all_midnight = all_midnight && whole;
      all_whole = all_whole && whole && std::fabs(cell->number) < 9.2e18;
    }
  }
  if (!any) {
    return DataType::string();
  }
  if (all_dates) {
    return all_midnight ? DataType::date32() : DataType::timestamp();
  }
  if (all_numbers) {
    return all_whole ? DataType::int64() : DataType::float64();
  }
  return all_bools ? DataType::boolean() : DataType::string();
}

void append_cell(engine::ColumnBuilder& builder, const DataType& type, const XlsxCell* cell,
                 bool date1904) {
  if (cell == nullptr) {
    builder.append_null();
    return;
  }
  switch (type.id()) {
    case TypeId::kInt64:
      builder.append_int(static_cast<int64_t>(cell->number));
      break;
    case TypeId::kFloat64:
      builder.append_double(cell->number);
      break;
    case TypeId::kBool:
      builder.append_bool(cell->number != 0);
      break;
    case TypeId::kDate32:
      builder.append_int(static_cast<int64_t>(days_since_epoch(cell->number, date1904)));
      break;
    case TypeId::kTimestamp:
      // To the millisecond, Excel's precision: a serial's double is ~1 µs coarse today.
      builder.append_int(std::llround(days_since_epoch(cell->number, date1904) * 86'400'000.0) *
                         1000);
      break;
    default:
      builder.append_string(as_text(*cell));
  }
}

// "'Sales 2024'!B3", "Sheet1!B3" or "B3".
void parse_data_address(const std::string& address, std::string& sheet, int64_t& row,
                        int64_t& column) {
  std::string cell = address;
  size_t bang = address.rfind('!');
  if (bang != std::string::npos) {
    std::string name = address.substr(0, bang);
    if (name.size() >= 2 && name.front() == '\'' && name.back() == '\'') {
      name = name.substr(1, name.size() - 2);
      for (size_t at = name.find("''"); at != std::string::npos; at = name.find("''", at + 1)) {
        name.erase(at, 1);
      }
    }
    sheet = name;
    cell = address.substr(bang + 1);
  }
  if (!detail::parse_cell_reference(cell, row, column)) {
    throw ConfigError("data address '" + address + "' is not a cell such as B3 or 'Sheet1'!B3");
  }
}

}  // namespace

std::vector<std::string> excel_sheet_names(const std::filesystem::path& path) {
  return detail::xlsx_sheet_names(path);
}

ExcelConnector::ExcelConnector(ConnectorKey key, std::filesystem::path path, ExcelOptions options)
    : FileConnector(key, std::move(path), "xlsx"),
      options_(std::move(options)),
      sheet_(options_.sheet) {
  if (!options_.data_address.empty()) {
    std::string address_sheet;
    parse_data_address(options_.data_address, address_sheet, first_row_, first_column_);
    if (!address_sheet.empty() && !sheet_.empty() && address_sheet != sheet_) {
      throw ConfigError("connector " + describe() + ": sheet '" + sheet_ + "' and data address '" +
                        options_.data_address + "' disagree");
    }
    if (!address_sheet.empty()) {
      sheet_ = address_sheet;
    }
  }
}

engine::Table ExcelConnector::read_sheet() const {
  if (!setl::path_exists(path())) {
    throw IoError("cannot open " + path().string() + ": no such file");
  }
  detail::XlsxSheet sheet = detail::read_xlsx_sheet(path(), sheet_);
  // The cells of the table's area, by row.
  std::map<int64_t, std::map<int64_t, const XlsxCell*>> rows;
  for (const XlsxCell& cell : sheet.cells) {
    if (cell.row >= first_row_ && cell.column >= first_column_) {
      rows[cell.row][cell.column - first_column_] = &cell;
    }
  }
  int64_t data_start = first_row_ + (options_.header ? 1 : 0);
  int64_t width = 0;
  if (options_.header) {
    if (auto header = rows.find(first_row_); header != rows.end() && !header->second.empty()) {
      width = header->second.rbegin()->first + 1;
    }
  } else {
    for (const auto& [row, cells] : rows) {
      width = std::max(width, cells.empty() ? 0 : cells.rbegin()->first + 1);
    }
  }
  int64_t last_row = data_start - 1;
  for (const auto& [row, cells] : rows) {
    if (row >= data_start && !cells.empty() && cells.begin()->first < width) {
      last_row = row;
    }
  }
  int64_t height = last_row - data_start + 1;
  constexpr int64_t kMaxCells = int64_t{256} << 20;
  if (width > 0 && height > kMaxCells / width) {
    throw ResourceError(path().string() + ": sheet '" + sheet.name + "' spans " +
                        std::to_string(height) + " rows of " + std::to_string(width) +
                        " columns, more than " + std::to_string(kMaxCells) + " cells");
  }
  std::vector<std::string> names;
  std::set<std::string> taken;
  for (int64_t c = 0; c < width; ++c) {
    std::string name = "_c" + std::to_string(c);
    if (options_.header) {
      const auto& header = rows[first_row_];
      if (auto cell = header.find(c); cell != header.end()) {
        name = as_text(*cell->second);
      }
    }
    if (!taken.insert(name).second) {
      throw SchemaError(path().string() + ": sheet '" + sheet.name + "' names two columns '" +
                        name + "'");
    }
    names.push_back(name);
  }
  std::vector<std::pair<std::string, engine::ColumnPtr>> columns;
  for (int64_t c = 0; c < width; ++c) {
    std::vector<const XlsxCell*> cells(static_cast<size_t>(std::max<int64_t>(height, 0)), nullptr);
    for (auto it = rows.lower_bound(data_start); it != rows.end() && it->first <= last_row; ++it) {
      if (auto cell = it->second.find(c); cell != it->second.end()) {
        cells[static_cast<size_t>(it->first - data_start)] = cell->second;
      }
    }
    DataType type = options_.infer_schema ? infer_type(cells) : DataType::string();
    engine::ColumnBuilder builder(type, static_cast<int64_t>(cells.size()));
    for (const XlsxCell* cell : cells) {
      append_cell(builder, type, cell, sheet.date1904);
    }
    columns.emplace_back(names[static_cast<size_t>(c)], builder.finish());
  }
  if (columns.empty()) {
    throw ParseError(path().string() + ": sheet '" + sheet.name + "' holds no table at " +
                     (options_.data_address.empty() ? "A1" : options_.data_address));
  }
  return engine::Table::from_columns(std::move(columns));
}

engine::SchemaPtr ExcelConnector::schema() const {
  return read_sheet().schema();
}

engine::ScanResult ExcelConnector::scan(const engine::ScanRequest& request) const {
  engine::Table table = read_sheet();
  if (!request.columns.empty()) {
    table = table.select(request.columns);
  }
  std::error_code error;
  auto bytes = static_cast<int64_t>(std::filesystem::file_size(path(), error));
  return {table, {.rows = table.num_rows(), .bytes_read = error ? 0 : bytes}};
}

void ExcelConnector::write_file(const engine::Table& table, bool append) const {
  engine::Table rows = table;
  if (append && setl::path_exists(path())) {
    engine::Table stored = read_sheet();
    std::vector<std::string> stored_names = stored.schema()->names();
    std::vector<std::string> new_names = table.schema()->names();
    std::sort(stored_names.begin(), stored_names.end());
    std::sort(new_names.begin(), new_names.end());
    if (stored_names != new_names) {
      throw SchemaError("append to " + describe() + ": it holds the columns " +
                        stored.schema()->to_string() + ", the rows have " +
                        table.schema()->to_string());
    }
    std::vector<engine::Expr> as_rows;
    for (const engine::Field& field : table.schema()->fields()) {
      as_rows.push_back(engine::col(field.name).cast(field.type).alias(field.name));
    }
    rows = stored.select(as_rows).union_all(table);
  }
  detail::write_xlsx(path(), sheet_.empty() ? "Sheet1" : sheet_, rows, first_row_, first_column_,
                     options_.header);
}

}  // namespace setl::storage
