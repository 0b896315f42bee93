#include "storage/parquet/row_group_pieces.h"

#include <algorithm>
#include <limits>

#include <oneapi/tbb/task_arena.h>

#include "setl/core/error.h"
#include "setl/engine/execution.h"
#include "setl/engine/table.h"

namespace setl::storage::parquet {

RowGroupPieces::RowGroupPieces(const ParquetFileReader& file, size_t row_group,
                               std::vector<size_t> wanted, engine::SchemaPtr output,
                               bool verify_checksums, int64_t batch_rows, int64_t window_bytes,
                               bool keep_dictionary)
    : output_(std::move(output)),
      batch_rows_(std::max<int64_t>(batch_rows, 1)),
      rows_left_(file.row_group_rows(row_group)),
      pending_(wanted.size()) {
  for (size_t column : wanted) {
    chunks_.push_back(std::make_unique<ColumnChunkReader>(file, row_group, column, verify_checksums,
                                                          window_bytes, keep_dictionary));
  }
}

std::optional<engine::RecordBatch> RowGroupPieces::next() {
  if (rows_left_ == 0) {
    return std::nullopt;
  }
  int64_t rows = std::min(batch_rows_, rows_left_);
  std::vector<engine::ColumnPtr> columns(chunks_.size());
  // Isolated: a worker waiting here must not pick up a task that reads this stream.
  tbb::this_task_arena::isolate(
      [&] { engine::parallel_for(chunks_.size(), [&](size_t c) { columns[c] = take(c, rows); }); });
  rows_left_ -= rows;
  return engine::RecordBatch(output_, std::move(columns), rows);
}

engine::ColumnPtr RowGroupPieces::take(size_t column, int64_t rows) {
  std::vector<engine::RecordBatch> pieces;
  auto schema =
      std::make_shared<engine::Schema>(std::vector<engine::Field>{output_->field(column)});
  int64_t have = 0;
  if (pending_[column]) {
    have = pending_[column]->length();
    pieces.emplace_back(schema, std::vector<engine::ColumnPtr>{pending_[column]}, have);
  }
  while (have < rows) {
    engine::ColumnPtr piece = chunks_[column]->read_rows(rows - have);
    if (piece->length() == 0) {
      throw InternalError("column chunk ran out before its row group's rows");
    }
    have += piece->length();
    pieces.emplace_back(schema, std::vector<engine::ColumnPtr>{piece}, piece->length());
  }
  engine::ColumnPtr all = pieces.size() == 1
                              ? pieces.front().column(0)
                              : engine::Table(schema, std::move(pieces)).combine().column(0);
  pending_[column] = have > rows ? all->slice(rows, have - rows) : nullptr;
  return have > rows ? all->slice(0, rows) : all;
}

int64_t RowGroupPieces::bytes_read() const {
  int64_t bytes = 0;
  for (const auto& chunk : chunks_) {
    bytes += chunk->bytes_read();
  }
  return bytes;
}

int64_t row_group_bytes(const ParquetFileReader& file, size_t row_group,
                        const std::vector<size_t>& wanted) {
  const format::RowGroup& group = file.metadata().row_groups.at(row_group);
  int64_t bytes = 0;
  for (size_t column : wanted) {
    size_t leaf = file.columns().at(column).leaf;
    if (leaf >= group.columns.size() || !group.columns[leaf].__isset.meta_data) {
      return std::numeric_limits<int64_t>::max();
    }
    int64_t size = group.columns[leaf].meta_data.total_uncompressed_size;
    if (size < 0 || size > std::numeric_limits<int64_t>::max() - bytes) {
      return std::numeric_limits<int64_t>::max();
    }
    bytes += size;
  }
  return bytes;
}

}  // namespace setl::storage::parquet
