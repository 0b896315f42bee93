#include "storage/xlsx/xlsx_writer.h"

#include <random>

#include <xlsxwriter.h>

#include "setl/core/atomic_file.h"
#include "setl/core/error.h"
#include "storage/xlsx/xlsx_package.h"

namespace setl::storage::detail {
namespace {

using engine::TypeId;

// Numbers past 2^53 are not all doubles: such int64 values are written as text.
constexpr int64_t kExactInDouble = int64_t{1} << 53;

// libxlsxwriter writes to a path: a file beside the target, renamed over it through an
// AtomicFile, and removed whatever happens.
class ScratchFile {
 public:
  explicit ScratchFile(const std::filesystem::path& target) {
    std::random_device random;
    path_ = target.parent_path() /
            ("." + target.filename().string() + ".xlsx-" + std::to_string(random()));
  }
  ~ScratchFile() {
    std::error_code error;
    std::filesystem::remove(path_, error);
  }
  ScratchFile(const ScratchFile&) = delete;
  ScratchFile& operator=(const ScratchFile&) = delete;
  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

class Writer {
 public:
  Writer(const std::filesystem::path& file, const std::filesystem::path& target)
      : target_(target), workbook_(workbook_new(file.c_str())) {
    if (workbook_ == nullptr) {
      throw IoError("cannot create " + file.string());
    }
    date_ = workbook_add_format(workbook_);
    format_set_num_format(date_, "yyyy-mm-dd");
    timestamp_ = workbook_add_format(workbook_);
    format_set_num_format(timestamp_, "yyyy-mm-dd hh:mm:ss.000");
  }
  ~Writer() {
    if (workbook_ != nullptr) {
      workbook_close(workbook_);  // frees it; the scratch file is removed anyway
    }
  }
  Writer(const Writer&) = delete;
  Writer& operator=(const Writer&) = delete;

  void write(const std::string& sheet, const engine::Table& table, int64_t first_row,
             int64_t first_column, bool header) {
    lxw_error valid = workbook_validate_sheet_name(workbook_, sheet.c_str());
    if (valid != LXW_NO_ERROR) {
      throw ConfigError("sheet name '" + sheet +
                        "' is not allowed in Excel: " + lxw_strerror(valid));
    }
    lxw_worksheet* worksheet = workbook_add_worksheet(workbook_, sheet.c_str());
    int64_t rows = table.num_rows() + (header ? 1 : 0);
    if (first_row + rows > kXlsxMaxRows ||
        first_column + static_cast<int64_t>(table.num_columns()) > kXlsxMaxColumns) {
      throw ResourceError("cannot write " + target_.string() + ": " + std::to_string(rows) +
                          " rows of " + std::to_string(table.num_columns()) +
                          " columns do not fit in an Excel sheet (1,048,576 by 16,384)");
    }
    auto row_of = [&](int64_t r) { return static_cast<lxw_row_t>(first_row + r); };
    auto column_of = [&](size_t c) { return static_cast<lxw_col_t>(first_column + int64_t(c)); };
    const engine::Schema& schema = *table.schema();
    if (header) {
      for (size_t c = 0; c < schema.num_fields(); ++c) {
        check(worksheet_write_string(worksheet, row_of(0), column_of(c),
                                     schema.field(c).name.c_str(), nullptr),
              0, c);
      }
    }
    int64_t row = header ? 1 : 0;
    for (const engine::RecordBatch& batch : table.batches()) {
      for (int64_t r = 0; r < batch.num_rows(); ++r, ++row) {
        for (size_t c = 0; c < batch.num_columns(); ++c) {
          const engine::Column& column = *batch.column(c);
          if (!column.is_null(r)) {
            check(write_cell(worksheet, row_of(row), column_of(c), column, r), row, c);
          }
        }
      }
    }
  }

  void close() {
    lxw_error error = workbook_close(workbook_);
    workbook_ = nullptr;
    if (error != LXW_NO_ERROR) {
      throw IoError("cannot write " + target_.string() + ": " + lxw_strerror(error));
    }
  }

 private:
  lxw_error write_cell(lxw_worksheet* sheet, lxw_row_t row, lxw_col_t column,
                       const engine::Column& values, int64_t r) {
    switch (values.type().id()) {
      case TypeId::kBool:
        return worksheet_write_boolean(sheet, row, column, values.bool_value(r) ? 1 : 0, nullptr);
      case TypeId::kInt32:
        return worksheet_write_number(sheet, row, column, values.values<int32_t>()[r], nullptr);
      case TypeId::kInt64: {
        int64_t value = values.values<int64_t>()[r];
        if (value > kExactInDouble || value < -kExactInDouble) {
          return worksheet_write_string(sheet, row, column, std::to_string(value).c_str(), nullptr);
        }
        return worksheet_write_number(sheet, row, column, static_cast<double>(value), nullptr);
      }
      case TypeId::kFloat64:
        return worksheet_write_number(sheet, row, column, values.values<double>()[r], nullptr);
      case TypeId::kDate32:
        return worksheet_write_number(sheet, row, column, values.values<int32_t>()[r] + 25569.0,
                                      date_);
      case TypeId::kTimestamp:
        return worksheet_write_number(
            sheet, row, column,
            static_cast<double>(values.values<int64_t>()[r]) / 86'400'000'000.0 + 25569.0,
            timestamp_);
      case TypeId::kString: {
        std::string text(values.string_value(r));
        return worksheet_write_string(sheet, row, column, text.c_str(), nullptr);
      }
      default: {
        std::string text = values.scalar(r).to_display();
        return worksheet_write_string(sheet, row, column, text.c_str(), nullptr);
      }
    }
  }

  void check(lxw_error error, int64_t row, size_t column) const {
    if (error == LXW_ERROR_MAX_STRING_LENGTH_EXCEEDED) {
      throw ResourceError("cannot write " + target_.string() + ": row " + std::to_string(row) +
                          ", column " + std::to_string(column + 1) +
                          " holds text longer than Excel's 32,767 characters");
    }
    if (error != LXW_NO_ERROR) {
      throw IoError("cannot write " + target_.string() + ": row " + std::to_string(row) +
                    ", column " + std::to_string(column + 1) + ": " + lxw_strerror(error));
    }
  }

  std::filesystem::path target_;
  lxw_workbook* workbook_ = nullptr;
  lxw_format* date_ = nullptr;
  lxw_format* timestamp_ = nullptr;
};

}  // namespace

void write_xlsx(const std::filesystem::path& target, const std::string& sheet,
                const engine::Table& table, int64_t first_row, int64_t first_column, bool header) {
  std::filesystem::path directory = target.parent_path().empty() ? "." : target.parent_path();
  std::error_code error;
  std::filesystem::create_directories(directory, error);
  ScratchFile scratch(directory / target.filename());
  {
    Writer writer(scratch.path(), target);
    writer.write(sheet, table, first_row, first_column, header);
    writer.close();
  }
  AtomicFile file(target);
  file.copy_from(scratch.path());
  file.commit();
}

}  // namespace setl::storage::detail
