// Aggregates over window frames (private to the engine). The window operator sorts a
// batch's rows into window order and splits them into partitions; this computes each
// row's frame and the aggregate over it.
#pragma once

#include <cstdint>
#include <vector>

#include "engine/operators/row_compare.h"
#include "setl/engine/expr.h"
#include "setl/engine/record_batch.h"

namespace setl::engine::detail {

/// A batch's rows in window order: `rows[i]` is a row of the batch, and partition p is
/// rows[starts[p], starts[p + 1]) (`starts` ends with rows.size()).
struct WindowOrder {
  std::vector<int64_t> rows;
  std::vector<size_t> starts;
  /// The ORDER BY keys, for peers and RANGE offsets.
  std::vector<KeyComparator> order_keys;
};

/// One row's frame: positions [lo, hi) of WindowOrder::rows (empty when hi <= lo).
struct FrameSpan {
  int64_t lo = 0;
  int64_t hi = 0;
};

/// The frame of every position of `order` under `window`'s frame (SQL's default without
/// one) (window_frame_bounds.cc).
std::vector<FrameSpan> frame_spans(const WindowSpec& window, const WindowOrder& order);

/// `expr` is an aggregate (or cum_sum) with an OVER clause; the result column is in the
/// batch's row order. Throws SchemaError for an input the aggregate cannot take or an
/// ORDER BY key a RANGE offset cannot measure.
ColumnPtr framed_aggregate(const RecordBatch& batch, const Expr& expr, const WindowOrder& order);

}  // namespace setl::engine::detail
