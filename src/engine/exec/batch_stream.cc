// Streams over tables, and the default ScanSource::scan_stream (a whole scan, cut).
#include <algorithm>
#include <deque>

#include "setl/core/error.h"
#include "setl/engine/scan_source.h"

namespace setl::engine {
namespace {

// Rows per streamed batch at most, whatever their width: a narrow table cut by bytes alone
// gave morsels of hundreds of thousands of rows, which joins then widened into batches
// too large to stay in cache and too few to share among threads.
constexpr int64_t kMaxStreamRows = int64_t{1} << 16;

int64_t batch_memory(const RecordBatch& batch) {
  int64_t bytes = 0;
  for (const ColumnPtr& column : batch.columns()) {
    bytes += column->data_size();
  }
  return bytes;
}

class TableStream : public BatchStream {
 public:
  TableStream(Table table, int64_t batch_bytes, ScanStats stats)
      : schema_(table.schema()), batch_bytes_(std::max<int64_t>(1, batch_bytes)), stats_(stats) {
    for (const RecordBatch& batch : table.batches()) {
      pending_.push_back(batch);
    }
  }
  const SchemaPtr& schema() const override { return schema_; }
  std::optional<RecordBatch> next() override {
    while (!pending_.empty()) {
      RecordBatch batch = std::move(pending_.front());
      pending_.pop_front();
      int64_t rows = batch.num_rows();
      if (rows == 0) {
        continue;
      }
      int64_t bytes = batch_memory(batch);
      if ((bytes <= batch_bytes_ && rows <= kMaxStreamRows) || rows == 1) {
        return batch;
      }
      // Slices share the batch's buffers; the first goes out, the rest waits.
      int64_t by_bytes = bytes <= batch_bytes_ ? rows : rows * batch_bytes_ / bytes;
      int64_t slice_rows = std::clamp<int64_t>(by_bytes, 1, kMaxStreamRows);
      std::vector<RecordBatch> slices;
      for (int64_t offset = 0; offset < rows; offset += slice_rows) {
        slices.push_back(batch.slice(offset, std::min(slice_rows, rows - offset)));
      }
      pending_.insert(pending_.begin(), slices.begin() + 1, slices.end());
      return slices.front();
    }
    return std::nullopt;
  }
  ScanStats stats() const override { return stats_; }

 private:
  SchemaPtr schema_;
  int64_t batch_bytes_;
  ScanStats stats_;
  std::deque<RecordBatch> pending_;
};

}  // namespace

std::unique_ptr<BatchStream> stream_table(Table table, int64_t batch_bytes) {
  ScanStats stats;
  stats.rows = table.num_rows();
  return std::make_unique<TableStream>(std::move(table), batch_bytes, stats);
}

Table collect_stream(BatchStream& stream) {
  std::vector<RecordBatch> batches;
  while (std::optional<RecordBatch> batch = stream.next()) {
    if (batch->schema() != stream.schema()) {
      batches.emplace_back(stream.schema(), batch->columns(), batch->num_rows());
    } else {
      batches.push_back(std::move(*batch));
    }
  }
  return Table(stream.schema(), std::move(batches));
}

std::unique_ptr<BatchStream> ScanSource::scan_stream(const ScanRequest& request,
                                                     int64_t batch_bytes) const {
  ScanResult result = scan(request);
  return std::make_unique<TableStream>(std::move(result.table), batch_bytes, result.stats);
}

}  // namespace setl::engine
