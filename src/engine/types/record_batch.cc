#include "setl/engine/record_batch.h"

#include "setl/core/error.h"

namespace setl::engine {

RecordBatch::RecordBatch() : schema_(std::make_shared<Schema>()) {}

RecordBatch::RecordBatch(SchemaPtr schema, std::vector<ColumnPtr> columns)
    : RecordBatch(std::move(schema), std::move(columns), -1) {}

RecordBatch::RecordBatch(SchemaPtr schema, std::vector<ColumnPtr> columns, int64_t num_rows)
    : schema_(std::move(schema)), columns_(std::move(columns)), num_rows_(num_rows) {
  if (schema_->num_fields() != columns_.size()) {
    throw SchemaError("record batch has " + std::to_string(columns_.size()) +
                      " columns but its schema has " + std::to_string(schema_->num_fields()) +
                      " fields (" + schema_->to_string() + ")");
  }
  if (num_rows_ < 0) {
    num_rows_ = columns_.empty() ? 0 : columns_.front()->length();
  }
  for (size_t i = 0; i < columns_.size(); ++i) {
    const Field& field = schema_->field(i);
    if (columns_[i] == nullptr) {
      throw SchemaError("column \"" + field.name + "\" of a record batch is null");
    }
    if (!(columns_[i]->type() == field.type)) {
      throw SchemaError("column \"" + field.name + "\" is declared " + field.type.to_string() +
                        " but holds " + columns_[i]->type().to_string());
    }
    if (columns_[i]->length() != num_rows_) {
      throw SchemaError("column \"" + field.name + "\" has " +
                        std::to_string(columns_[i]->length()) + " rows, expected " +
                        std::to_string(num_rows_));
    }
    if (!field.nullable && columns_[i]->null_count() > 0) {
      throw SchemaError("column \"" + field.name + "\" is declared not null but has " +
                        std::to_string(columns_[i]->null_count()) + " null(s)");
    }
  }
}

const ColumnPtr& RecordBatch::column(std::string_view name) const {
  return columns_[schema_->index_of(name)];
}

RecordBatch RecordBatch::slice(int64_t offset, int64_t length) const {
  std::vector<ColumnPtr> columns;
  columns.reserve(columns_.size());
  for (const ColumnPtr& column : columns_) {
    columns.push_back(column->slice(offset, length));
  }
  if (offset < 0 || length < 0 || offset + length > num_rows_) {
    throw StateError("slice out of range");
  }
  return RecordBatch(schema_, std::move(columns), length);
}

int64_t RecordBatch::memory_size() const {
  int64_t size = 0;
  for (const ColumnPtr& column : columns_) {
    size += column->memory_size();
  }
  return size;
}

}  // namespace setl::engine
