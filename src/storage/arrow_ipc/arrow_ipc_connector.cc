#include "setl/storage/arrow_ipc_connector.h"

#include <algorithm>
#include <cctype>

#include "setl/core/error.h"
#include "storage/arrow_ipc/ipc_writer.h"
#include "storage/file_io.h"

namespace setl::storage {

ArrowIpcCompression parse_arrow_ipc_compression(const std::string& text) {
  std::string lower = text;
  std::transform(lower.begin(), lower.end(), lower.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  if (lower == "none" || lower == "uncompressed") {
    return ArrowIpcCompression::kNone;
  }
  if (lower == "lz4" || lower == "lz4_frame") {
    return ArrowIpcCompression::kLz4Frame;
  }
  if (lower == "zstd") {
    return ArrowIpcCompression::kZstd;
  }
  throw ConfigError("Arrow IPC compression '" + text + "': expected none, lz4 or zstd");
}

ArrowIpcConnector::ArrowIpcConnector(ConnectorKey key, std::filesystem::path path,
                                     ArrowIpcOptions options)
    : FileConnector(key, std::move(path), "arrow"), options_(std::move(options)) {}

engine::SchemaPtr ArrowIpcConnector::schema() const {
  return arrow_ipc_file_schema(path());
}

engine::ScanResult ArrowIpcConnector::scan(const engine::ScanRequest& request) const {
  std::vector<std::string> columns = request.columns;
  if (columns.empty()) {
    columns = schema()->names();  // every column setlpp reads, stepping over the others
  }
  engine::Table table = columns.empty() ? engine::Table::from_columns({})
                                        : read_arrow_ipc_file(path(), columns).table;
  engine::ScanStats stats;
  stats.rows = table.num_rows();
  stats.bytes_read = table.memory_size();
  return {std::move(table), stats};
}

void ArrowIpcConnector::write_file(const engine::Table& table, bool append) const {
  engine::Table rows = table;
  if (append) {
    engine::Table held = read();
    if (held.schema()->names() != table.schema()->names()) {
      throw SchemaError("cannot append to " + path().string() + ": it holds (" +
                        held.schema()->to_string() + "), the new rows are (" +
                        table.schema()->to_string() + ")");
    }
    rows = held.union_all(table);
  }
  ArrowIpcWriteOptions options{.compression = options_.compression,
                               .compression_level = options_.compression_level,
                               .metadata = options_.metadata,
                               .column_metadata = {}};
  detail::write_file_atomically(
      path(), [&](std::ostream& out) { detail::write_ipc_file(rows, out, options); });
}

}  // namespace setl::storage
