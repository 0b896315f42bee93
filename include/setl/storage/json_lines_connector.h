// Reads and writes JSON Lines files (one JSON object per line), parsed with simdjson.
// Lines are split into ranges parsed in parallel; .gz and .zst input is decompressed.
//
// Inference (without a schema) over the first `infer_rows` objects, per key, ignoring
// nulls: booleans → bool; integers → int64; numbers → float64; strings that are all
// YYYY-MM-DD → date32, all dates or timestamps → timestamp, else string; nested objects and
// arrays → string holding their JSON text. Keys missing from an object are NULL.
// Malformed lines or values of the wrong type fail with file:line and key.
#pragma once

#include <filesystem>
#include <mutex>

#include "setl/storage/file_connector.h"

namespace setl::storage {

struct JsonLinesOptions {
  engine::SchemaPtr schema;
  int64_t infer_rows = 10'000;
  int64_t batch_rows = 65'536;
};

/// Create with make_connector<JsonLinesConnector>(path, options).
class JsonLinesConnector : public FileConnector {
 public:
  JsonLinesConnector(ConnectorKey key, std::filesystem::path path, JsonLinesOptions options = {});

  engine::SchemaPtr schema() const override;
  engine::ScanResult scan(const engine::ScanRequest& request) const override;
  /// Reads block by block: memory holds a block of lines, not the file.
  std::unique_ptr<engine::BatchStream> scan_stream(const engine::ScanRequest& request,
                                                   int64_t batch_bytes) const override;
  /// A regular, uncompressed file is cut between lines into equal byte shares for the
  /// ranks of a distributed scan (a JSON value never holds a raw newline).
  bool reads_shares() const override;
  [[nodiscard]] engine::ScanRequest agree_share(engine::ScanRequest request,
                                                Communicator& communicator) const override;

 protected:
  /// One object per row (NULLs written as null); append adds lines.
  void write_file(const engine::Table& table, bool append) const override;
  /// Writes batch by batch as they arrive.
  void write_file_stream(engine::BatchStream& rows, bool append) const override;

 private:
  size_t range_bytes() const;  // the bytes of lines one parsing task takes
  JsonLinesOptions options_;
  mutable std::mutex mutex_;
  mutable engine::SchemaPtr schema_;
};

}  // namespace setl::storage
