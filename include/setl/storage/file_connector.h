// The base of connectors that keep a table in a file (or, for partitioned datasets, a
// directory of files): the path, its fingerprint, compression chosen by the file name,
// and the save-mode protocol around an atomic write.
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "setl/storage/connector.h"

namespace setl::storage {

/// How a text file is compressed, from its name: .gz is gzip, .zst is zstd.
enum class FileCompression { kNone, kGzip, kZstd };
FileCompression compression_of(const std::filesystem::path& path);

/// A version of a file (a directory: of every file below it, in name order) for cache
/// keys: path, size and modification time, or with `content` a hash of the bytes;
/// "missing:<path>" when there is nothing.
std::string fingerprint_files(const std::filesystem::path& path, bool content);
/// The same over a list of files, in the order given.
std::string fingerprint_files(const std::vector<std::filesystem::path>& files, bool content);

class FileConnector : public Connector {
 public:
  const std::filesystem::path& path() const noexcept { return path_; }
  /// "<format> <path>", e.g. "csv data/orders.csv".
  std::string describe() const override;
  /// True if the path names a regular file.
  bool exists() const override;
  /// The path, size and modification time of the file (a directory: of every file below
  /// it, in name order); with `content`, a hash of the bytes instead of size and time.
  std::optional<std::string> fingerprint(bool content = false) const override;
  FileCompression compression() const { return compression_of(path_); }

  /// The save-mode protocol, the same for every file format: an overwrite of a missing
  /// file writes; otherwise the target's lock is held from the existence check to the
  /// rename (error_if_exists throws IoError, ignore writes nothing, append calls
  /// write_file with `append`), so concurrent writers of one file serialise.
  void write(const engine::Table& table, SaveMode mode) const override;
  /// The same protocol for rows that arrive as a stream: batches are written as they
  /// come (CSV, JSON Lines and Parquet hold about one batch or row group), to a
  /// temporary file renamed over the target at the end, so readers never see part of it.
  virtual void write_stream(engine::BatchStream& rows, SaveMode mode) const;
  /// Read, changed and rewritten atomically under the target's write lock, so concurrent
  /// writers of the file (threads or processes) serialise and readers see before or after.
  void upsert(const engine::Table& rows, const std::vector<std::string>& keys) const override;
  void delete_where(const engine::Expr& condition) const override;
  /// Removes the file (a directory: everything below it) under the write lock.
  void drop() const override;
  /// Runs `query` and writes its result as it is produced (Polars' sink_parquet):
  ///   make_connector<ParquetConnector>("out.parquet")->sink(csv->lazy().filter("x > 0"));
  void sink(const engine::LazyFrame& query, SaveMode mode = SaveMode::kOverwrite) const;

 protected:
  FileConnector(ConnectorKey key, std::filesystem::path path, std::string format);

  /// Writes `table` to path() atomically (readers see the old or the new file); with
  /// `append`, after what the file holds. Called under the target's lock.
  virtual void write_file(const engine::Table& table, bool append) const = 0;
  /// Writes the batches of `rows` like write_file; the default collects them first.
  virtual void write_file_stream(engine::BatchStream& rows, bool append) const;

 private:
  std::filesystem::path path_;
  std::string format_;
};

}  // namespace setl::storage
