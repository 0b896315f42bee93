#include "setl/engine/table.h"

#include <algorithm>
#include <iostream>
#include <unordered_set>

#include <fmt/format.h>

#include "engine/types/column_ops.h"
#include "setl/core/error.h"

namespace setl::engine {

Table::Table() : schema_(std::make_shared<Schema>()) {}

Table::Table(SchemaPtr schema, std::vector<RecordBatch> batches)
    : schema_(std::move(schema)), batches_(std::move(batches)) {
  for (const RecordBatch& batch : batches_) {
    if (!(*batch.schema() == *schema_)) {
      throw SchemaError("a batch with schema (" + batch.schema()->to_string() +
                        ") does not belong in a table with schema (" + schema_->to_string() + ")");
    }
    num_rows_ += batch.num_rows();
  }
  // Empty batches carry nothing; dropping them keeps operators simple.
  std::erase_if(batches_, [](const RecordBatch& batch) { return batch.num_rows() == 0; });
}

Table Table::from_batch(RecordBatch batch) {
  SchemaPtr schema = batch.schema();
  return Table(std::move(schema), {std::move(batch)});
}

Table Table::from_columns(std::vector<std::pair<std::string, ColumnPtr>> columns) {
  std::vector<Field> fields;
  std::vector<ColumnPtr> data;
  for (auto& [name, column] : columns) {
    if (column == nullptr) {
      throw SchemaError("column \"" + name + "\" is null");
    }
    fields.push_back({name, column->type(), true});
    data.push_back(std::move(column));
  }
  auto schema = std::make_shared<Schema>(std::move(fields));
  return from_batch(RecordBatch(schema, std::move(data)));
}

Table Table::empty(SchemaPtr schema) {
  return Table(std::move(schema), {});
}

std::vector<ColumnPtr> Table::column_chunks(std::string_view name) const {
  size_t index = schema_->index_of(name);
  std::vector<ColumnPtr> chunks;
  for (const RecordBatch& batch : batches_) {
    chunks.push_back(batch.column(index));
  }
  return chunks;
}

ColumnPtr Table::column(std::string_view name) const {
  size_t index = schema_->index_of(name);
  return detail::concat(column_chunks(name), schema_->field(index).type);
}

Scalar Table::at(int64_t row, std::string_view column) const {
  size_t index = schema_->index_of(column);
  if (row < 0 || row >= num_rows_) {
    throw StateError("row " + std::to_string(row) + " is out of range for a table of " +
                     std::to_string(num_rows_) + " rows");
  }
  for (const RecordBatch& batch : batches_) {
    if (row < batch.num_rows()) {
      return batch.column(index)->scalar(row);
    }
    row -= batch.num_rows();
  }
  throw InternalError("row lookup ran past the batches");
}

int64_t Table::memory_size() const {
  // Slices, projections and generated batches share buffers; each is held once.
  std::unordered_set<const Buffer*> seen;
  int64_t size = 0;
  for (const RecordBatch& batch : batches_) {
    for (const ColumnPtr& column : batch.columns()) {
      for (const Column* part : {column.get(), column->dictionary().get()}) {
        if (part == nullptr) {
          continue;
        }
        for (const BufferPtr* buffer :
             {&part->validity_buffer(), &part->values_buffer(), &part->chars_buffer()}) {
          if (*buffer && seen.insert(buffer->get()).second) {
            size += static_cast<int64_t>((*buffer)->capacity());
          }
        }
      }
    }
  }
  return size;
}

RecordBatch Table::combine() const {
  if (batches_.size() == 1) {
    return batches_.front();
  }
  std::vector<ColumnPtr> columns;
  for (size_t i = 0; i < schema_->num_fields(); ++i) {
    std::vector<ColumnPtr> chunks;
    for (const RecordBatch& batch : batches_) {
      chunks.push_back(batch.column(i));
    }
    columns.push_back(detail::concat(chunks, schema_->field(i).type));
  }
  return RecordBatch(schema_, std::move(columns), num_rows_);
}

Table Table::rechunk(int64_t rows) const {
  if (rows <= 0) {
    throw StateError("rechunk needs a positive batch size, got " + std::to_string(rows));
  }
  std::vector<RecordBatch> batches;
  for (const RecordBatch& batch : batches_) {
    for (int64_t start = 0; start < batch.num_rows(); start += rows) {
      batches.push_back(batch.slice(start, std::min(rows, batch.num_rows() - start)));
    }
  }
  return Table(schema_, std::move(batches));
}

Table Table::slice(int64_t offset, int64_t length) const {
  if (offset < 0 || length < 0) {
    throw StateError("slice needs a non-negative offset and length");
  }
  std::vector<RecordBatch> batches;
  int64_t skip = offset;
  int64_t remaining = length;
  for (const RecordBatch& batch : batches_) {
    if (remaining == 0) {
      break;
    }
    if (skip >= batch.num_rows()) {
      skip -= batch.num_rows();
      continue;
    }
    int64_t take = std::min(batch.num_rows() - skip, remaining);
    batches.push_back(batch.slice(skip, take));
    remaining -= take;
    skip = 0;
  }
  return Table(schema_, std::move(batches));
}

std::string Table::to_string(int64_t max_rows) const {
  size_t columns = schema_->num_fields();
  int64_t shown = std::min(max_rows, num_rows_);
  std::vector<std::vector<std::string>> cells(columns);
  std::vector<size_t> widths(columns);
  for (size_t c = 0; c < columns; ++c) {
    const Field& field = schema_->field(c);
    widths[c] = std::max(field.name.size(), field.type.to_string().size());
  }
  int64_t row = 0;
  for (const RecordBatch& batch : batches_) {
    for (int64_t r = 0; r < batch.num_rows() && row < shown; ++r, ++row) {
      for (size_t c = 0; c < columns; ++c) {
        std::string text = batch.column(c)->scalar(r).to_display();
        widths[c] = std::max(widths[c], text.size());
        cells[c].push_back(std::move(text));
      }
    }
  }
  auto rule = [&] {
    std::string line = "+";
    for (size_t width : widths) {
      line += std::string(width + 2, '-') + "+";
    }
    return line + "\n";
  };
  std::string text = rule();
  std::string names = "|";
  std::string types = "|";
  for (size_t c = 0; c < columns; ++c) {
    names += fmt::format(" {:<{}} |", schema_->field(c).name, widths[c]);
    types += fmt::format(" {:<{}} |", schema_->field(c).type.to_string(), widths[c]);
  }
  text += names + "\n" + types + "\n" + rule();
  for (int64_t r = 0; r < shown; ++r) {
    std::string line = "|";
    for (size_t c = 0; c < columns; ++c) {
      const DataType& type = schema_->field(c).type;
      bool right = type.is_numeric();
      line += right ? fmt::format(" {:>{}} |", cells[c][static_cast<size_t>(r)], widths[c])
                    : fmt::format(" {:<{}} |", cells[c][static_cast<size_t>(r)], widths[c]);
    }
    text += line + "\n";
  }
  text += rule();
  text += std::to_string(num_rows_) + (num_rows_ == 1 ? " row" : " rows");
  if (shown < num_rows_) {
    text += " (showing the first " + std::to_string(shown) + ")";
  }
  return text + "\n";
}

void Table::show(int64_t max_rows) const {
  show(std::cout, max_rows);
}
void Table::show(std::ostream& out, int64_t max_rows) const {
  out << to_string(max_rows);
}

}  // namespace setl::engine
