// Reads and writes JSON documents: a file holding one array of objects (one row each,
// over as many lines as it likes) or a single object (one row). Types are inferred as for
// JSON Lines (json_lines_connector.h); nested objects and arrays become their JSON text.
// Writing gives an array with one object per line; append rewrites the file with the
// rows it held followed by the new ones (atomically, as every file write).
//
// In a configuration: `storage: JSON`. SETL's JSON sections read JSON Lines unless
// `multiLine` is true, as Spark does; so does this storage (see connector_builder.h).
#pragma once

#include <filesystem>
#include <mutex>
#include <string>

#include "setl/storage/file_connector.h"

namespace setl::storage {

struct JsonOptions {
  engine::SchemaPtr schema;
  int64_t infer_rows = 10'000;
};

/// Create with make_connector<JsonConnector>(path, options).
class JsonConnector : public FileConnector {
 public:
  JsonConnector(ConnectorKey key, std::filesystem::path path, JsonOptions options = {});

  engine::SchemaPtr schema() const override;
  engine::ScanResult scan(const engine::ScanRequest& request) const override;

 protected:
  void write_file(const engine::Table& table, bool append) const override;

 private:
  // The document's rows as JSON Lines text: one minified object per line.
  std::string rows_as_lines() const;

  JsonOptions options_;
  mutable std::mutex mutex_;
  mutable engine::SchemaPtr schema_;
};

}  // namespace setl::storage
