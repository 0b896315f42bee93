// Many files read as one table: every file of a format in a directory, or the files a
// glob pattern matches ("landing/2024-*/orders-*.csv"), as Spark reads a directory path.
//
//   auto orders = make_connector<FileSetConnector>("landing/orders", FileSetOptions{
//       .format = FileFormat::kCsv, .source_column = "source_file"});
//   Table all = orders->read();   // the files read in parallel, each row with its file
//
// Configuration builds one when a CSV, JSONL, JSON or PARQUET path is a directory or a
// pattern: {storage: CSV, path: "landing/orders/*.csv", source_column: source_file}.
#pragma once

#include <filesystem>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "setl/storage/csv_connector.h"
#include "setl/storage/json_connector.h"
#include "setl/storage/json_lines_connector.h"
#include "setl/storage/parquet_connector.h"

namespace setl::storage {

enum class FileFormat { kCsv, kJsonLines, kJson, kParquet, kArrowIpc };

struct FileSetOptions {
  FileFormat format = FileFormat::kCsv;
  /// A string column holding each row's file path, added after the files' columns.
  std::optional<std::string> source_column;
  /// For a directory: also the files in its subdirectories.
  bool recursive = false;
  /// More matching files than this is a ResourceError (a pattern that matches a whole
  /// disk should fail, not open every file).
  size_t max_files = 100'000;
  /// Files read at once (0: one per core).
  size_t threads = 0;
  /// Options of each file's reader, by format.
  CsvOptions csv;
  JsonLinesOptions json_lines;
  JsonOptions json;
  ParquetOptions parquet;
};

/// The files' columns are united by name, in the order they first appear: a column some
/// files lack is NULL in their rows; a column whose type differs between files takes a
/// type that holds both (int64 and float64: float64; date and timestamp: timestamp; else
/// string). A directory is read for files with the format's extensions (.csv, .csv.gz,
/// .csv.zst; .jsonl, .ndjson, .json and their .gz; .json; .parquet), skipping names that
/// start with '.' or '_' as Spark does. Read-only: write() is a StateError.
class FileSetConnector : public Connector {
 public:
  /// `location` is a directory or a glob pattern (*, ?, [...] in any component).
  FileSetConnector(ConnectorKey key, std::filesystem::path location, FileSetOptions options = {});

  /// The files read, in name order. Throws: IoError when nothing matches.
  std::vector<std::filesystem::path> files() const;
  engine::SchemaPtr schema() const override;
  std::string describe() const override;
  /// The files that hold requested columns, read in parallel (filters go down to each).
  engine::ScanResult scan(const engine::ScanRequest& request) const override;
  /// A distributed scan reads every shards-th file (ScanRequest::shard).
  bool reads_shares() const override { return true; }
  /// Throws: StateError: a file set is read-only (write to a PARTITIONED storage).
  void write(const engine::Table& table, SaveMode mode) const override;
  /// True if at least one file matches.
  bool exists() const override;
  /// Of every file matched (so a file added to the directory changes it).
  std::optional<std::string> fingerprint(bool content = false) const override;

  /// True if `location` is a directory or holds glob characters: what configuration
  /// builds a FileSetConnector for.
  static bool names_many_files(const std::filesystem::path& location);

 private:
  struct Layout;
  std::shared_ptr<const Layout> layout() const;
  std::shared_ptr<Connector> reader(const std::filesystem::path& file,
                                    engine::SchemaPtr schema = nullptr) const;

  std::filesystem::path location_;
  FileSetOptions options_;
  mutable std::mutex mutex_;
  mutable std::shared_ptr<const Layout> cached_;  // for the fingerprint it was built at
};

}  // namespace setl::storage
