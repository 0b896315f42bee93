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

#include "setl/storage/connector.h"

namespace setl::storage {

struct JsonLinesOptions {
  engine::SchemaPtr schema;
  int64_t infer_rows = 10'000;
  int64_t batch_rows = 65'536;
};

class JsonLinesConnector : public Connector {
 public:
  JsonLinesConnector(std::filesystem::path path, JsonLinesOptions options = {});

  engine::SchemaPtr schema() const override;
  std::string describe() const override;
  engine::Table scan(const engine::ScanRequest& request) const override;
  /// One object per row (NULLs written as null); atomic; append adds lines.
  void write(const engine::Table& table, SaveMode mode) const override;
  bool exists() const override;
  std::optional<std::string> fingerprint(bool content = false) const override {
    return fingerprint_of(path_, content);
  }

 private:
  std::filesystem::path path_;
  JsonLinesOptions options_;
  mutable std::mutex mutex_;
  mutable engine::SchemaPtr schema_;
};

}  // namespace setl::storage
