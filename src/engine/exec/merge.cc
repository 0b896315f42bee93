#include "engine/exec/merge.h"

#include <algorithm>
#include <queue>

#include "engine/operators/row_compare.h"
#include "setl/core/cancellation.h"
#include "setl/engine/builder.h"

namespace setl::engine::detail {
namespace {

class MergeStream : public BatchStream {
 public:
  MergeStream(std::vector<SpillRun> runs, std::vector<MergeKey> keys, SchemaPtr output,
              int64_t batch_bytes)
      : keys_(std::move(keys)), output_(std::move(output)), batch_bytes_(batch_bytes) {
    for (SpillRun& run : runs) {
      cursors_.push_back(Cursor{std::make_unique<SpillReader>(std::move(run)), {}, 0});
    }
    for (size_t i = 0; i < cursors_.size(); ++i) {
      if (advance_batch(cursors_[i])) {
        heap_.push(i);
      }
    }
  }

  const SchemaPtr& schema() const override { return output_; }

  std::optional<RecordBatch> next() override {
    if (heap_.empty()) {
      return std::nullopt;
    }
    current_cancellation().check();
    std::vector<ColumnBuilder> builders;
    for (const Field& field : output_->fields()) {
      builders.emplace_back(field.type);
    }
    int64_t rows = 0;
    int64_t target = target_rows();
    while (!heap_.empty() && rows < target) {
      size_t run = heap_.top();
      heap_.pop();
      Cursor& cursor = cursors_[run];
      for (size_t c = 0; c < builders.size(); ++c) {
        builders[c].append_from(*cursor.batch->column(c), cursor.row);
      }
      ++rows;
      if (++cursor.row < cursor.batch->num_rows() || advance_batch(cursor)) {
        heap_.push(run);
      }
    }
    std::vector<ColumnPtr> columns;
    for (ColumnBuilder& builder : builders) {
      columns.push_back(builder.finish());
    }
    return RecordBatch(output_, std::move(columns), rows);
  }

 private:
  struct Cursor {
    std::unique_ptr<SpillReader> reader;
    std::optional<RecordBatch> batch;
    int64_t row = 0;
  };

  bool advance_batch(Cursor& cursor) {
    do {
      cursor.batch = cursor.reader->next();
    } while (cursor.batch && cursor.batch->num_rows() == 0);
    cursor.row = 0;
    if (cursor.batch && row_bytes_ == 0) {
      row_bytes_ = std::max<int64_t>(1, batch_bytes(*cursor.batch) / cursor.batch->num_rows());
    }
    return cursor.batch.has_value();
  }

  int64_t target_rows() const {
    return std::max<int64_t>(1024, batch_bytes_ / std::max<int64_t>(row_bytes_, 1));
  }

  // True when run a's current row comes after run b's (a min-heap on the merge order).
  struct After {
    const MergeStream* self;
    bool operator()(size_t a, size_t b) const {
      const Cursor& x = self->cursors_[a];
      const Cursor& y = self->cursors_[b];
      for (const MergeKey& key : self->keys_) {
        int c = compare_rows(*x.batch->column(key.column), x.row, *y.batch->column(key.column),
                             y.row, key.descending, key.nulls_first);
        if (c != 0) {
          return c > 0;
        }
      }
      return a > b;
    }
  };

  std::vector<MergeKey> keys_;
  SchemaPtr output_;
  int64_t batch_bytes_;
  int64_t row_bytes_ = 0;
  std::vector<Cursor> cursors_;
  std::priority_queue<size_t, std::vector<size_t>, After> heap_{After{this}};
};

}  // namespace

int64_t batch_bytes(const RecordBatch& batch) {
  int64_t bytes = 0;
  for (const ColumnPtr& column : batch.columns()) {
    bytes += column->data_size();
  }
  return bytes;
}

int64_t held_bytes(const RecordBatch& batch) {
  int64_t bytes = 0;
  for (const ColumnPtr& column : batch.columns()) {
    int64_t data = column->data_size();
    int64_t memory = column->memory_size();
    // Buffers more than twice the rows are a slice's view of a larger column, whose
    // memory its owner holds, not growth slack this batch keeps alive.
    bytes += memory <= 2 * data ? std::max(memory, data) : data;
  }
  return bytes;
}

std::unique_ptr<BatchStream> merge_runs(std::vector<SpillRun> runs, std::vector<MergeKey> keys,
                                        SchemaPtr output, int64_t batch_bytes) {
  return std::make_unique<MergeStream>(std::move(runs), std::move(keys), std::move(output),
                                       batch_bytes);
}

SpillRun write_run(SpillSpace& space, const Table& table, const std::string& operator_name,
                   int64_t chunk_bytes) {
  SpillWriter writer(space, table.schema(), operator_name);
  for (const RecordBatch& batch : table.batches()) {
    int64_t rows = batch.num_rows();
    if (rows == 0) {
      continue;
    }
    int64_t bytes = std::max<int64_t>(1, batch_bytes(batch));
    int64_t chunk_rows = std::max<int64_t>(1, rows * chunk_bytes / bytes);
    for (int64_t offset = 0; offset < rows; offset += chunk_rows) {
      current_cancellation().check();
      writer.write(batch.slice(offset, std::min(chunk_rows, rows - offset)));
    }
  }
  return writer.finish();
}

std::vector<SpillRun> reduce_runs(SpillSpace& space, std::vector<SpillRun> runs,
                                  const std::vector<MergeKey>& keys, size_t fan_in,
                                  const std::string& operator_name, int64_t chunk_bytes) {
  fan_in = std::max<size_t>(fan_in, 2);
  while (runs.size() > fan_in) {
    std::vector<SpillRun> merged;
    for (size_t first = 0; first < runs.size(); first += fan_in) {
      size_t last = std::min(runs.size(), first + fan_in);
      std::vector<SpillRun> group(runs.begin() + static_cast<std::ptrdiff_t>(first),
                                  runs.begin() + static_cast<std::ptrdiff_t>(last));
      if (group.size() == 1) {
        merged.push_back(group.front());
        continue;
      }
      SchemaPtr schema = group.front().schema;
      std::unique_ptr<BatchStream> stream = merge_runs(group, keys, schema, chunk_bytes);
      SpillWriter writer(space, schema, operator_name);
      while (std::optional<RecordBatch> batch = stream->next()) {
        writer.write(*batch);
      }
      merged.push_back(writer.finish());
      stream.reset();
      for (const SpillRun& run : group) {
        discard(space, run);
      }
    }
    runs = std::move(merged);
  }
  return runs;
}

}  // namespace setl::engine::detail
