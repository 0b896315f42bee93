// Reading a source's stream to the end in tests: every batch must hold rows; and a
// database table larger than a batch, to check that its scan streams.
#pragma once

#include <algorithm>
#include <memory>
#include <optional>
#include <vector>

#include <gtest/gtest.h>

#include "setl/core/memory.h"
#include "setl/engine/builder.h"
#include "setl/engine/scan_source.h"

namespace setl::testing {

/// All rows of `source` streamed in batches of about `batch_bytes`; `*batches` gets how
/// many batches came.
inline engine::Table read_stream(const engine::ScanSource& source, int64_t batch_bytes,
                                 int64_t* batches) {
  std::unique_ptr<engine::BatchStream> stream = source.scan_stream({}, batch_bytes);
  std::vector<engine::RecordBatch> out;
  while (std::optional<engine::RecordBatch> batch = stream->next()) {
    EXPECT_GT(batch->num_rows(), 0);
    out.push_back(std::move(*batch));
  }
  *batches = static_cast<int64_t>(out.size());
  return engine::Table(stream->schema(), std::move(out));
}

// `rows` rows of about 60 bytes each: ids, amounts and text.
inline engine::Table wide_rows(int64_t rows) {
  engine::ColumnBuilder id(engine::DataType::int64()), amount(engine::DataType::float64()),
      text(engine::DataType::string());
  for (int64_t row = 0; row < rows; ++row) {
    id.append_int(row);
    amount.append_double(static_cast<double>(row % 1000) / 4);
    text.append_string("row " + std::to_string(row) + " of a table larger than one batch");
  }
  return engine::Table::from_columns(
      {{"id", id.finish()}, {"amount", amount.finish()}, {"text", text.finish()}});
}

// Streams `connector` in 64 KiB batches: the rows equal a whole read, and the engine never
// holds much more than a batch (the table is about 12 MiB).
inline void expect_streams_in_small_batches(const engine::ScanSource& connector, int64_t rows) {
  int64_t baseline = memory::bytes_allocated();
  std::unique_ptr<engine::BatchStream> stream = connector.scan_stream({}, 64 << 10);
  int64_t most = 0;
  int64_t batches = 0;
  int64_t id_sum = 0;
  while (std::optional<engine::RecordBatch> batch = stream->next()) {
    ++batches;
    most = std::max(most, memory::bytes_allocated() - baseline);
    EXPECT_LT(batch->memory_size(), 512 << 10);
    const int64_t* ids = batch->column(0)->values<int64_t>();
    for (int64_t row = 0; row < batch->num_rows(); ++row) {
      id_sum += ids[row];
    }
  }
  EXPECT_EQ(stream->stats().rows, rows);
  EXPECT_EQ(id_sum, rows * (rows - 1) / 2);
  EXPECT_GT(batches, 100);
  EXPECT_LT(most, int64_t{2} << 20) << "the scan held more than a few batches";
}

}  // namespace setl::testing
