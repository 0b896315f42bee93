// Reads and writes Apache Parquet files with setlpp's own implementation (no Arrow): the
// footer is Thrift compact protocol from our IDL, pages are PLAIN or dictionary encoded,
// nulls are RLE/bit-packed definition levels, data pages v1 or v2, codecs uncompressed,
// snappy, gzip, zstd (and lz4 for reading).
//
//   auto sales = make_connector<ParquetConnector>("out/sales.parquet",
//                                                   ParquetOptions{.compression =
//                                                   ParquetCompression::kZstd});
//   sales->write(table, SaveMode::kOverwrite);
//   Table big = sales->lazy().filter("amount > 1000").select({"city", "amount"}).collect();
//
// Scans read only the column chunks of the requested columns and skip row groups whose
// statistics (min, max, null count) prove the pushed-down filter false for every row.
//
// Types read: BOOLEAN → bool; INT32 → int32 (DATE → date32, UINT_32 → int64); INT64 → int64
// (TIMESTAMP millis/micros/nanos → timestamp); INT96 → timestamp; FLOAT, DOUBLE → float64;
// DECIMAL (any physical type) → decimal (float64 past 38 digits); BYTE_ARRAY and
// FIXED_LEN_BYTE_ARRAY → string
// (raw bytes when not UTF-8). Nested columns (groups, lists, maps) are left out of schema();
// read() refuses such a file with an error naming them, and a scan that selects only flat
// columns works.
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <mutex>
#include <optional>
#include <ostream>
#include <string>
#include <string_view>
#include <vector>

#include "setl/storage/file_connector.h"

namespace setl::storage {

enum class ParquetCompression { kNone, kSnappy, kGzip, kZstd, kLz4Raw };

/// "none" (or "uncompressed"), "snappy", "gzip", "zstd", "lz4_raw"; case-insensitive.
/// Throws: ConfigError listing the accepted names.
ParquetCompression parse_parquet_compression(std::string_view name);
std::string_view to_string(ParquetCompression compression);

struct ParquetOptions {
  // Writing.
  ParquetCompression compression = ParquetCompression::kSnappy;
  int compression_level = 0;           ///< 0: the codec's default (zstd: 1)
  int64_t row_group_rows = 1'048'576;  ///< rows per row group
  /// A row group is also closed once the rows held for it reach this many bytes in
  /// memory (0: by rows only). Under a memory budget, streamed writes use at most a
  /// quarter of the budget.
  int64_t row_group_bytes = int64_t{128} << 20;
  int64_t page_rows = 65'536;   ///< rows per data page
  int data_page_version = 1;    ///< 1 or 2
  bool dictionary = true;       ///< dictionary-encode columns with few distinct values
  bool write_checksums = true;  ///< CRC-32 of every page
  // Reading.
  bool verify_checksums = true;  ///< check page CRCs where the writer stored them
  /// Inside a query, dictionary-encoded string columns stay encoded: filters run once per
  /// distinct string and group-bys on codes; results are decoded. False decodes on read.
  bool keep_dictionary = true;
};

/// A column chunk as the footer describes it.
struct ParquetColumnChunkInfo {
  std::string column;
  std::string codec;                   ///< "SNAPPY", ...
  std::vector<std::string> encodings;  ///< "PLAIN", "RLE_DICTIONARY", ...
  int64_t compressed_bytes = 0;
  int64_t uncompressed_bytes = 0;
  std::optional<engine::Scalar> min;  ///< statistics usable for pruning, in the engine type
  std::optional<engine::Scalar> max;
  std::optional<int64_t> null_count;
};

struct ParquetRowGroupInfo {
  int64_t num_rows = 0;
  std::vector<ParquetColumnChunkInfo> columns;  ///< flat columns, in schema order
};

struct ParquetFileInfo {
  int64_t num_rows = 0;
  std::string created_by;
  engine::SchemaPtr schema;                      ///< the flat columns setlpp reads
  std::vector<std::string> unsupported_columns;  ///< "name: why" for nested columns
  std::vector<ParquetRowGroupInfo> row_groups;
};

/// The footer of a Parquet file, summarised. Throws: IoError, ParseError.
ParquetFileInfo inspect_parquet(const std::filesystem::path& path);

/// Writes `table` as a Parquet file to a stream (no atomicity: see ParquetConnector).
void write_parquet(const engine::Table& table, std::ostream& out,
                   const ParquetOptions& options = {});
/// Reads a whole Parquet file held in memory; `name` appears in error messages. Row groups
/// are decoded as a scan of a file would (page by page when large for the budget).
/// Throws: ParseError, SchemaError (nested columns).
engine::Table read_parquet_bytes(std::shared_ptr<const std::string> bytes, std::string name);

namespace parquet {
class ParquetFileReader;
}

/// Create with make_connector<ParquetConnector>(path, options). A scan's stats count row
/// groups (units_total, units_read after pruning by statistics) and column chunk bytes.
class ParquetConnector : public FileConnector {
 public:
  ParquetConnector(ConnectorKey key, std::filesystem::path path, ParquetOptions options = {});

  engine::SchemaPtr schema() const override;
  /// Throws: SchemaError if the file holds nested columns (naming them; scan the flat
  /// columns instead); ParseError for corrupt files, naming the file, column and page.
  engine::ScanResult scan(const engine::ScanRequest& request) const override;
  /// The footer's row count (reads the footer only).
  std::optional<int64_t> estimated_rows() const override;
  /// A distributed scan reads every shards-th row group (ScanRequest::shard).
  bool reads_shares() const override { return true; }
  /// Reads one row group at a time (its columns in parallel), in batches of about
  /// `batch_bytes`; row groups the filter excludes by their statistics are skipped.
  std::unique_ptr<engine::BatchStream> scan_stream(const engine::ScanRequest& request,
                                                   int64_t batch_bytes) const override;

 protected:
  /// Append rewrites the file with the old rows followed by the new ones (the schemas
  /// must agree); for incremental appends use a PartitionedConnector.
  void write_file(const engine::Table& table, bool append) const override;
  /// Writes row group by row group as the rows arrive.
  void write_file_stream(engine::BatchStream& rows, bool append) const override;

 private:
  void write_rows(engine::BatchStream& rows, bool append, std::vector<bool> optional) const;
  friend engine::Table read_parquet_bytes(std::shared_ptr<const std::string>, std::string);
  static engine::ScanResult scan_reader(const parquet::ParquetFileReader& reader,
                                        const engine::ScanRequest& request, bool verify_checksums,
                                        bool keep_dictionary);
  ParquetOptions options_;
};

}  // namespace setl::storage
