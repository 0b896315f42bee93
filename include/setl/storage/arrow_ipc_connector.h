// A table kept in an Arrow IPC file (".arrow", Feather v2): the connector over
// read_arrow_ipc_file and write_arrow_ipc_file (setl/storage/arrow_ipc.h). Scans map the
// file and read only the requested columns' buffers; writes are atomic, with the save
// modes of every file connector (append rewrites the file with the old rows, then the new).
//
//   auto orders = make_connector<ArrowIpcConnector>("orders.arrow",
//                                                   ArrowIpcOptions{.compression =
//                                                   ArrowIpcCompression::kZstd});
//
// In a configuration: `storage: ARROW` (also IPC or FEATHER), with `compression` none, lz4
// or zstd and `compression_level`.
#pragma once

#include <filesystem>

#include "setl/storage/arrow_ipc.h"
#include "setl/storage/file_connector.h"

namespace setl::storage {

struct ArrowIpcOptions {
  ArrowIpcCompression compression = ArrowIpcCompression::kNone;
  int compression_level = 0;
  /// The schema's custom metadata written with every write.
  std::map<std::string, std::string> metadata;
};

/// "none", "lz4" (or "lz4_frame"), "zstd", in any case.
/// Throws: ConfigError naming the choices.
ArrowIpcCompression parse_arrow_ipc_compression(const std::string& text);

/// Create with make_connector<ArrowIpcConnector>(path, options).
class ArrowIpcConnector : public FileConnector {
 public:
  ArrowIpcConnector(ConnectorKey key, std::filesystem::path path, ArrowIpcOptions options = {});

  /// The columns setlpp reads (nested columns and other types it has none for are left
  /// out), from the footer alone.
  engine::SchemaPtr schema() const override;
  /// The requested columns (all that schema() lists when none are), their buffers mapped;
  /// the filter is left to the engine.
  engine::ScanResult scan(const engine::ScanRequest& request) const override;

 protected:
  void write_file(const engine::Table& table, bool append) const override;

 private:
  ArrowIpcOptions options_;
};

}  // namespace setl::storage
