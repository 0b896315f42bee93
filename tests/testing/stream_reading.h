// Reading a source's stream to the end in tests: every batch must hold rows.
#pragma once

#include <memory>
#include <optional>
#include <vector>

#include <gtest/gtest.h>

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

}  // namespace setl::testing
