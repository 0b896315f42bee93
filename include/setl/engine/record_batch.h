// A RecordBatch is a schema plus one column per field, all of the same length: the unit of
// work ("morsel") of the engine.
#pragma once

#include <memory>
#include <string_view>
#include <vector>

#include "setl/engine/column.h"
#include "setl/engine/schema.h"

namespace setl::engine {

class [[nodiscard]] RecordBatch {
 public:
  /// An empty batch of an empty schema.
  RecordBatch();
  /// Throws: SchemaError if the column count, a column's type or its length disagrees.
  RecordBatch(SchemaPtr schema, std::vector<ColumnPtr> columns);
  /// A batch of `num_rows` rows and no columns (e.g. after selecting nothing).
  RecordBatch(SchemaPtr schema, std::vector<ColumnPtr> columns, int64_t num_rows);

  const SchemaPtr& schema() const noexcept { return schema_; }
  int64_t num_rows() const noexcept { return num_rows_; }
  size_t num_columns() const noexcept { return columns_.size(); }
  const ColumnPtr& column(size_t index) const { return columns_.at(index); }
  /// Throws: SchemaError naming the column and suggesting a close one.
  const ColumnPtr& column(std::string_view name) const;
  const std::vector<ColumnPtr>& columns() const noexcept { return columns_; }

  /// Rows [offset, offset + length), sharing buffers.
  RecordBatch slice(int64_t offset, int64_t length) const;

  /// Bytes of memory its columns' buffers hold (shared buffers counted in full): what
  /// keeping the batch costs.
  int64_t memory_size() const;

 private:
  SchemaPtr schema_;
  std::vector<ColumnPtr> columns_;
  int64_t num_rows_ = 0;
};

}  // namespace setl::engine
