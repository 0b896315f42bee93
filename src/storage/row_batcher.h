// Batches from a source that yields one row at a time (a database cursor), cut at about
// a byte size (private to the storage layer).
#pragma once

#include <algorithm>
#include <cstdint>
#include <functional>
#include <optional>
#include <vector>

#include "setl/engine/builder.h"
#include "setl/engine/record_batch.h"

namespace setl::storage::detail {

class RowBatcher {
 public:
  /// Appends the next row (number `row`, 0-based) to the builders and returns about how
  /// many bytes it added, or nullopt when there are no more rows.
  using AppendRow =
      std::function<std::optional<int64_t>(std::vector<engine::ColumnBuilder>&, int64_t row)>;

  RowBatcher(engine::SchemaPtr schema, int64_t batch_bytes)
      : schema_(std::move(schema)), batch_bytes_(std::max<int64_t>(batch_bytes, 1)) {}

  /// The next batch of about batch_bytes; nullopt once `append` said the rows ended (it is
  /// not called again).
  std::optional<engine::RecordBatch> next(const AppendRow& append) {
    if (done_) {
      return std::nullopt;
    }
    std::vector<engine::ColumnBuilder> builders;
    for (const engine::Field& field : schema_->fields()) {
      builders.emplace_back(field.type);
    }
    int64_t rows = 0;
    int64_t bytes = 0;
    while (bytes < batch_bytes_) {
      std::optional<int64_t> added = append(builders, rows_ + rows);
      if (!added) {
        done_ = true;
        break;
      }
      bytes += *added;
      ++rows;
    }
    if (rows == 0) {
      return std::nullopt;
    }
    std::vector<engine::ColumnPtr> columns;
    for (engine::ColumnBuilder& builder : builders) {
      columns.push_back(builder.finish());
    }
    rows_ += rows;
    return engine::RecordBatch(schema_, std::move(columns), rows);
  }

  const engine::SchemaPtr& schema() const { return schema_; }
  /// Rows handed out so far.
  int64_t rows() const { return rows_; }

 private:
  engine::SchemaPtr schema_;
  int64_t batch_bytes_;
  int64_t rows_ = 0;
  bool done_ = false;
};

}  // namespace setl::storage::detail
