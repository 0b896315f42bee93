// Whole-column building blocks used by the operators (private to the engine).
#pragma once

#include <cstdint>
#include <vector>

#include "setl/engine/column.h"
#include "setl/engine/record_batch.h"

namespace setl::engine::detail {

/// A dictionary-encoded string column as a plain one (any other column as it is).
ColumnPtr decoded(const ColumnPtr& column);
/// The batch with every dictionary-encoded column decoded.
RecordBatch decoded(const RecordBatch& batch);
/// Rows of `column` at `indices` in order (a dictionary-encoded column stays encoded); an
/// index of -1 gives NULL.
ColumnPtr take(const Column& column, const std::vector<int64_t>& indices);
/// Row indices where a bool column is TRUE (NULL and FALSE rows dropped).
std::vector<int64_t> true_rows(const Column& mask);
/// A bitmap from bit 0 with a bit set where a bool column is TRUE (not NULL, not FALSE).
BufferPtr selection_bits(const Column& mask);
/// Row indices whose bit is set in a selection bitmap (from bit 0) of `rows` rows.
std::vector<int64_t> selected_indices(const BufferPtr& selection, int64_t rows);
/// The chunks one after another in a single column.
ColumnPtr concat(const std::vector<ColumnPtr>& chunks, const DataType& type);

}  // namespace setl::engine::detail
