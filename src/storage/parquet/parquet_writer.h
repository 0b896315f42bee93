// Encodes engine tables as Parquet files (private to the storage layer).
#pragma once

#include <ostream>
#include <vector>

#include "metadata.h"
#include "setl/engine/table.h"
#include "setl/storage/parquet_connector.h"

namespace setl::storage::parquet {

/// Writes `table` as one Parquet file to `out`: row groups of options.row_group_rows rows,
/// each column chunk encoded (in parallel) as an optional dictionary page then data pages.
/// Throws: ConfigError for invalid options.
void write_parquet(const engine::Table& table, std::ostream& out, const ParquetOptions& options);

/// How one column is declared in the file.
struct ColumnLayout {
  format::Type::type physical;
  format::SchemaElement element;
};

/// Writes a Parquet file batch by batch: rows are held until they fill a row group
/// (options.row_group_rows, or options.row_group_bytes in memory), which is then encoded and
/// written; finish() writes the rest and the footer. `optional[c]`: column c may hold nulls
/// (nullable fields always may). Throws: ConfigError for invalid options.
class ParquetFileWriter {
 public:
  ParquetFileWriter(engine::SchemaPtr schema, std::vector<bool> optional, std::ostream& out,
                    const ParquetOptions& options);
  ~ParquetFileWriter();
  ParquetFileWriter(const ParquetFileWriter&) = delete;
  ParquetFileWriter& operator=(const ParquetFileWriter&) = delete;

  void add(const engine::RecordBatch& batch);
  void finish();

 private:
  void flush(int64_t rows);
  void write_row_group(const engine::Table& part);

  engine::SchemaPtr schema_;
  std::vector<bool> optional_;
  std::ostream& out_;
  ParquetOptions options_;
  std::vector<ColumnLayout> layouts_;
  format::FileMetaData metadata_;
  std::vector<format::RowGroup> row_groups_;
  std::vector<engine::RecordBatch> pending_;
  int64_t pending_rows_ = 0;
  int64_t pending_bytes_ = 0;
  int64_t total_rows_ = 0;
  int64_t offset_ = 4;
};

}  // namespace setl::storage::parquet
