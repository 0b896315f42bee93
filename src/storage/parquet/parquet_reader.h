// Decodes Parquet files into engine columns (private to the storage layer): maps the
// file's schema onto engine types and reads one column chunk of one row group at a time,
// so callers can read chunks in parallel and only those they need.
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "setl/engine/column.h"
#include "setl/engine/schema.h"
#include "storage/parquet/metadata.h"

namespace setl::storage::parquet {

/// How stored values become engine values.
enum class Conversion {
  kNone,
  kUnsigned32,  // INT32 holding uint32 → int64
  kMillisToMicros,
  kNanosToMicros,
  kInt96,  // Impala/Spark INT96 timestamps → microseconds
  kFloatToDouble,
  kDecimal,  // unscaled integer (any physical type) → decimal, or float64 past 38 digits
  kAllNull,  // logical type UNKNOWN: every value is NULL
};

/// A top-level, non-repeated primitive column setlpp can read.
struct FlatColumn {
  std::string name;
  size_t leaf = 0;  // index of its chunk within each row group
  format::Type::type physical = format::Type::INT32;
  int32_t type_length = 0;
  bool optional = true;
  engine::DataType type;
  Conversion conversion = Conversion::kNone;
  int32_t scale = 0;
  bool unsigned_order = false;  // statistics use unsigned order (UINT_64: ignore them)
};

struct ChunkStatistics {
  std::optional<engine::Scalar> min;
  std::optional<engine::Scalar> max;
  std::optional<int64_t> null_count;
  int64_t num_values = 0;
};

class ParquetFileReader {
 public:
  /// Opens the file and parses its footer. Throws: IoError (missing, unreadable),
  /// ParseError (not Parquet, corrupt footer or schema), naming the file.
  explicit ParquetFileReader(std::filesystem::path path);
  /// Reads a Parquet file held in memory; `name` is used in messages.
  ParquetFileReader(std::shared_ptr<const std::string> bytes, std::string name);
  ~ParquetFileReader();
  ParquetFileReader(const ParquetFileReader&) = delete;
  ParquetFileReader& operator=(const ParquetFileReader&) = delete;

  const std::filesystem::path& path() const noexcept { return path_; }
  const format::FileMetaData& metadata() const noexcept { return metadata_; }
  const std::vector<FlatColumn>& columns() const noexcept { return columns_; }
  /// "name: reason" for each top-level column left out of the schema.
  const std::vector<std::string>& unsupported() const noexcept { return unsupported_; }
  const engine::SchemaPtr& schema() const noexcept { return schema_; }
  size_t num_row_groups() const noexcept { return metadata_.row_groups.size(); }
  int64_t row_group_rows(size_t row_group) const;

  /// Statistics of one chunk in engine values; fields are empty where the file has none
  /// or they cannot be trusted (NaN bounds, unsigned order, INT96).
  ChunkStatistics statistics(size_t row_group, size_t column) const;

  /// Decodes one column chunk whole (ColumnChunkReader reads one in pieces). `bytes_read`
  /// receives the chunk's size in the file; with `keep_dictionary`, dictionary-encoded
  /// strings stay encoded. Throws: ParseError naming the file, column, row group and page.
  engine::ColumnPtr read_column(size_t row_group, size_t column, bool verify_checksums,
                                int64_t& bytes_read, bool keep_dictionary = false) const;

  /// Bytes [offset, offset + length) of the file. Throws: ParseError outside the file,
  /// IoError when reading fails.
  std::string read_range(int64_t offset, int64_t length) const;
  /// The same bytes without a copy when the file is mapped or in memory (valid while the
  /// reader lives); otherwise read into `storage`.
  std::string_view view_range(int64_t offset, int64_t length, std::string& storage) const;
  /// True when view_range never reads (the file is mapped or in memory).
  bool maps_bytes() const noexcept { return memory_ != nullptr || mapped_ != nullptr; }
  /// Where the data section ends (the footer starts): column chunks lie before it.
  int64_t data_end() const noexcept { return footer_start_; }

 private:
  void check_range(int64_t offset, int64_t length) const;
  void unmap() noexcept;
  void open_footer();
  void map_schema();

  std::filesystem::path path_;
  int fd_ = -1;
  std::shared_ptr<const std::string> memory_;
  // The file mapped read-only (null if mapping failed). A file truncated in place while
  // mapped would fault on access: setlpp replaces files by renaming, never in place.
  const char* mapped_ = nullptr;
  int64_t file_size_ = 0;
  int64_t footer_start_ = 0;
  format::FileMetaData metadata_;
  std::vector<FlatColumn> columns_;
  std::vector<std::string> unsupported_;
  engine::SchemaPtr schema_;
};

}  // namespace setl::storage::parquet
