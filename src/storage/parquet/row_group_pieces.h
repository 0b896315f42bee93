// A row group too large to hold, read as a sequence of batches (private to the storage
// layer): each wanted column's pages are decoded as far as the next batch needs, and the
// columns, whose pages end at different rows, are cut to the same rows.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <vector>

#include "setl/engine/record_batch.h"
#include "storage/parquet/column_chunk_reader.h"

namespace setl::storage::parquet {

class RowGroupPieces {
 public:
  /// Columns `wanted` (indexes into file.columns()) of `row_group`, as batches of
  /// `output` of about `batch_rows` rows, reading the file `window_bytes` at a time per
  /// column; with `keep_dictionary`, dictionary-encoded strings stay encoded.
  RowGroupPieces(const ParquetFileReader& file, size_t row_group, std::vector<size_t> wanted,
                 engine::SchemaPtr output, bool verify_checksums, int64_t batch_rows,
                 int64_t window_bytes, bool keep_dictionary = false);

  /// The next batch; nullopt after the last. Throws: ParseError naming the place.
  std::optional<engine::RecordBatch> next();
  int64_t bytes_read() const;

 private:
  engine::ColumnPtr take(size_t column, int64_t rows);

  engine::SchemaPtr output_;
  int64_t batch_rows_;
  int64_t rows_left_;
  std::vector<std::unique_ptr<ColumnChunkReader>> chunks_;
  std::vector<engine::ColumnPtr> pending_;  // decoded past the last batch, per column
};

/// Bytes the wanted columns of `row_group` take decoded (the footer's claim; huge when it
/// is negative or missing).
int64_t row_group_bytes(const ParquetFileReader& file, size_t row_group,
                        const std::vector<size_t>& wanted);

}  // namespace setl::storage::parquet
