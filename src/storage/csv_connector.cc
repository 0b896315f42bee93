// CsvConnector: scans through the parser in csv_reader.cc, and writes.
#include "setl/storage/csv_connector.h"

#include <climits>
#include <fstream>

#include <fmt/format.h>

#include "byte_shares.h"
#include "csv_stream.h"
#include "file_io.h"
#include "setl/core/error.h"
#include "setl/core/job_group.h"
#include "setl/engine/execution.h"

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

void end_line(std::ostream& out, const CsvOptions& options) {
  if (options.trailing_delimiter) {
    out << options.delimiter;
  }
  out << '\n';
}

void write_header(std::ostream& out, const engine::Schema& schema, const CsvOptions& options) {
  for (size_t c = 0; c < schema.num_fields(); ++c) {
    if (c > 0) {
      out << options.delimiter;
    }
    write_field(out, schema.field(c).name, options);
  }
  end_line(out, options);
}

void write_batch(std::ostream& out, const engine::RecordBatch& batch, const CsvOptions& options) {
  const std::string null_text = options.null_values.empty() ? "" : options.null_values.front();
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
    end_line(out, options);
  }
}

}  // namespace

CsvConnector::CsvConnector(ConnectorKey key, std::filesystem::path path, CsvOptions options)
    : FileConnector(key, std::move(path), "csv"), options_(std::move(options)) {
  if (options_.delimiter == '\n' || options_.delimiter == options_.quote) {
    throw ConfigError("CSV delimiter must differ from the quote character and newline");
  }
  if (options_.batch_rows <= 0) {
    throw ConfigError("CSV batch_rows must be positive");
  }
  if (options_.schema && !options_.column_names.empty()) {
    throw ConfigError("CSV options give both a schema and column_names: give one");
  }
  if (options_.permissive && options_.rejects_path.empty()) {
    options_.rejects_path = this->path().string() + ".rejects.tsv";
  }
}

void CsvConnector::write_file(const engine::Table& table, bool append) const {
  std::unique_ptr<engine::BatchStream> rows = engine::stream_table(table, INT64_MAX);
  write_file_stream(*rows, append);
}

void CsvConnector::write_file_stream(engine::BatchStream& rows, bool append) const {
  const engine::Schema& schema = *rows.schema();
  const std::filesystem::path& file = path();
  bool compressed = compression() != FileCompression::kNone;
  if (append && options_.header) {
    std::string first_line;
    if (compressed) {
      std::string text = detail::read_file(file);
      first_line = text.substr(0, text.find('\n'));
    } else {
      std::ifstream in(file);
      std::getline(in, first_line);
    }
    std::string expected;
    for (size_t c = 0; c < schema.num_fields(); ++c) {
      expected += (c ? std::string(1, options_.delimiter) : "") + schema.field(c).name;
    }
    if (options_.trailing_delimiter) {
      expected += options_.delimiter;
    }
    if (!first_line.empty() && first_line.back() == '\r') {
      first_line.pop_back();
    }
    if (first_line != expected) {
      throw SchemaError("cannot append to " + file.string() + ": its header is '" + first_line +
                        "', the table's columns are '" + expected + "'");
    }
  }
  detail::write_file_atomically(
      file,
      [&](std::ostream& out) {
        if (options_.header && !append) {
          write_header(out, schema, options_);
        }
        while (std::optional<engine::RecordBatch> batch = rows.next()) {
          write_batch(out, *batch, options_);
        }
      },
      append);
  std::lock_guard lock(mutex_);
  schema_.reset();
}

engine::SchemaPtr CsvConnector::schema() const {
  std::lock_guard lock(mutex_);
  if (!schema_) {
    schema_ = detail::csv_file_schema(path(), options_);
  }
  return schema_;
}

std::unique_ptr<engine::BatchStream> CsvConnector::scan_stream(const engine::ScanRequest& request,
                                                               int64_t batch_bytes) const {
  return detail::open_csv_stream(path(), options_, request, batch_bytes);
}

bool CsvConnector::reads_shares() const {
  return detail::splittable_by_bytes(path());
}

engine::ScanRequest CsvConnector::agree_share(engine::ScanRequest request,
                                              Communicator& communicator) const {
  request.byte_share = detail::agree_csv_share(path(), options_, request, communicator);
  return request;
}

engine::ScanResult CsvConnector::scan(const engine::ScanRequest& request) const {
  std::unique_ptr<engine::BatchStream> stream = scan_stream(request, engine::kDefaultBatchBytes);
  engine::Table table = engine::collect_stream(*stream);
  return {std::move(table), stream->stats()};
}

}  // namespace setl::storage
