// Reads and writes CSV files. The reader splits a file into byte ranges at record
// boundaries (found by one quote-aware pass, so quoted delimiters and newlines are safe)
// and parses the ranges in parallel; .gz and .zst files are decompressed first, and written
// compressed (an append adds a gzip member or zstd frame).
//
// Type inference (when no schema is given) looks at the first `infer_rows` records, per
// column, ignoring NULL values: all true/false → bool; all integers → int64; all numbers →
// float64; all YYYY-MM-DD → date32; all dates or YYYY-MM-DD[ T]HH:MM[:SS[.f]] →
// timestamp; anything else → string. A column with only NULLs is a string column.
//
// Malformed records (wrong field count, a value that does not parse as its column's type,
// a quote that does not close, invalid UTF-8) are errors naming the file, line and column;
// with `permissive`, they go to the rejects file instead ("line<TAB>reason<TAB>record") and
// are counted in the scan's stats (ScanStats::rejected_rows).
#pragma once

#include <filesystem>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "setl/storage/file_connector.h"

namespace setl::storage {

struct CsvOptions {
  bool header = true;
  char delimiter = ',';
  char quote = '"';
  /// Escapes the next character inside quotes; the default, the quote itself, means
  /// doubled quotes ("say ""hi""").
  char escape = '"';
  /// Field texts that mean NULL (compared after unquoting; quoted empty strings are not NULL).
  std::vector<std::string> null_values = {""};
  /// Column names and types; inferred when absent. With no header, names are column_1, ...
  engine::SchemaPtr schema;
  /// Names for the columns when only the types should be inferred (a headerless file, or
  /// to replace a header's names); as many as the file has fields. Not with `schema`.
  std::vector<std::string> column_names;
  /// Every line ends with one extra delimiter (TPC-H dbgen's `.tbl` files: `1|abc|`): a
  /// delimiter right before a line's end closes the record instead of starting an empty
  /// field, and written lines end with one too. An empty last field is then `a||`.
  bool trailing_delimiter = false;
  int64_t infer_rows = 10'000;
  /// false: every column is read as a string (Spark's and SETL's `inferSchema: false`).
  bool infer_types = true;
  /// Send malformed records to `rejects_path` instead of failing.
  bool permissive = false;
  std::filesystem::path rejects_path;
  /// Rows per output batch (roughly: ranges are cut by bytes).
  int64_t batch_rows = 65'536;
};

/// Create with make_connector<CsvConnector>(path, options).
class CsvConnector : public FileConnector {
 public:
  CsvConnector(ConnectorKey key, std::filesystem::path path, CsvOptions options = {});

  engine::SchemaPtr schema() const override;
  engine::ScanResult scan(const engine::ScanRequest& request) const override;
  /// Reads the file block by block (also .gz and .zst files), parsing each block's
  /// records in parallel: memory stays near a few batches whatever the file's size.
  /// The schema is inferred from the first infer_rows records.
  std::unique_ptr<engine::BatchStream> scan_stream(const engine::ScanRequest& request,
                                                   int64_t batch_bytes) const override;
  const CsvOptions& options() const noexcept { return options_; }
  /// A regular, uncompressed file is cut between records into equal byte shares for the
  /// ranks of a distributed scan (agree_share settles where records begin, so quoted
  /// fields holding newlines are never cut). With `permissive`, share k > 0 writes its
  /// rejects to rejects_path + ".share-k".
  bool reads_shares() const override;
  [[nodiscard]] engine::ScanRequest agree_share(engine::ScanRequest request,
                                                Communicator& communicator) const override;

 protected:
  /// Writes with a header (unless options.header is false); append adds rows without a
  /// header after checking the file's header matches.
  void write_file(const engine::Table& table, bool append) const override;
  /// Writes batch by batch as they arrive.
  void write_file_stream(engine::BatchStream& rows, bool append) const override;

 private:
  CsvOptions options_;
  mutable std::mutex mutex_;
  mutable engine::SchemaPtr schema_;  // inferred once
};

}  // namespace setl::storage
