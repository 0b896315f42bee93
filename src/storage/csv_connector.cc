// CSV writing and the connector's bookkeeping; reading is in csv_reader.cc.
#include "setl/storage/csv_connector.h"

#include <fstream>

#include <fmt/format.h>

#include "file_io.h"
#include "setl/core/error.h"
#include "setl/core/job_group.h"

namespace setl::storage {
namespace {

using engine::TypeId;

// Quotes a field when it would otherwise read back differently.
void write_field(std::ostream& out, std::string_view text, const CsvOptions& options) {
  bool needs_quotes = text.empty() || text.find(options.delimiter) != std::string_view::npos ||
                      text.find(options.quote) != std::string_view::npos ||
                      text.find('\n') != std::string_view::npos ||
                      text.find('\r') != std::string_view::npos || text.front() == ' ' ||
                      text.back() == ' ';
  if (!needs_quotes) {
    for (const std::string& null_value : options.null_values) {
      needs_quotes = needs_quotes || text == null_value;
    }
  }
  if (!needs_quotes) {
    out << text;
    return;
  }
  out << options.quote;
  for (char c : text) {
    if (c == options.quote || (c == options.escape && options.escape != options.quote)) {
      out << options.escape;
    }
    out << c;
  }
  out << options.quote;
}

void write_rows(std::ostream& out, const engine::Table& table, const CsvOptions& options,
                bool header) {
  const std::string null_text = options.null_values.empty() ? "" : options.null_values.front();
  const engine::Schema& schema = *table.schema();
  if (header) {
    for (size_t c = 0; c < schema.num_fields(); ++c) {
      if (c > 0) {
        out << options.delimiter;
      }
      write_field(out, schema.field(c).name, options);
    }
    out << '\n';
  }
  for (const engine::RecordBatch& batch : table.batches()) {
    current_cancellation().check();  // between batches: a cancelled write stops early
    report_progress(batch.num_rows());
    for (int64_t row = 0; row < batch.num_rows(); ++row) {
      for (size_t c = 0; c < batch.num_columns(); ++c) {
        if (c > 0) {
          out << options.delimiter;
        }
        const engine::Column& column = *batch.column(c);
        if (column.is_null(row)) {
          out << null_text;
          continue;
        }
        switch (column.type().id()) {
          case TypeId::kString:
            write_field(out, column.string_value(row), options);
            break;
          case TypeId::kFloat64:
            out << fmt::format("{}", column.values<double>()[row]);
            break;
          default:
            out << column.scalar(row).to_display();
        }
      }
      out << '\n';
    }
  }
}

}  // namespace

CsvConnector::CsvConnector(std::filesystem::path path, CsvOptions options)
    : path_(std::move(path)), options_(std::move(options)) {
  if (options_.delimiter == '\n' || options_.delimiter == options_.quote) {
    throw ConfigError("CSV delimiter must differ from the quote character and newline");
  }
  if (options_.batch_rows <= 0) {
    throw ConfigError("CSV batch_rows must be positive");
  }
  if (options_.permissive && options_.rejects_path.empty()) {
    options_.rejects_path = path_.string() + ".rejects.tsv";
  }
}

std::string CsvConnector::describe() const {
  return "csv " + path_.string();
}

bool CsvConnector::exists() const {
  return std::filesystem::exists(path_);
}

CsvReadReport CsvConnector::last_read() const {
  std::lock_guard lock(mutex_);
  return report_;
}

void CsvConnector::write(const engine::Table& table, SaveMode mode) const {
  std::string name = path_.filename().string();
  bool compressed = name.ends_with(".gz") || name.ends_with(".zst");
  // Held until the rename: concurrent appends by several processes all land.
  std::optional<FileLock> write_lock = detail::lock_for_write(path_, mode);
  bool present = exists();
  if (present && mode == SaveMode::kErrorIfExists) {
    throw IoError(path_.string() + " already exists (save mode error_if_exists)");
  }
  if (present && mode == SaveMode::kIgnore) {
    return;
  }
  bool append = present && mode == SaveMode::kAppend;
  if (append && options_.header) {
    std::string first_line;
    if (compressed) {
      std::string text = detail::read_file(path_);
      first_line = text.substr(0, text.find('\n'));
    } else {
      std::ifstream in(path_);
      std::getline(in, first_line);
    }
    std::string expected;
    for (size_t c = 0; c < table.schema()->num_fields(); ++c) {
      expected += (c ? std::string(1, options_.delimiter) : "") + table.schema()->field(c).name;
    }
    if (!first_line.empty() && first_line.back() == '\r') {
      first_line.pop_back();
    }
    if (first_line != expected) {
      throw SchemaError("cannot append to " + path_.string() + ": its header is '" + first_line +
                        "', the table's columns are '" + expected + "'");
    }
  }
  detail::write_file_atomically(
      path_,
      [&](std::ostream& out) { write_rows(out, table, options_, options_.header && !append); },
      append);
  std::lock_guard lock(mutex_);
  schema_.reset();
}

}  // namespace setl::storage
