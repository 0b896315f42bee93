// Dictionary-encoded string columns as the Arrow IPC writer sends them. The engine's own
// dictionary-encoded columns (an int32 code per row into a column of strings) are Arrow's
// dictionary layout already; plain string columns are encoded here when asked for.
#pragma once

#include <vector>

#include "setl/engine/column.h"

namespace setl::storage::detail {

/// `column` (a string column, plain or dictionary-encoded) as a dictionary-encoded column:
/// as it is when it is one, else with a dictionary of its distinct strings in order of
/// first appearance.
engine::ColumnPtr dictionary_encode(const engine::ColumnPtr& column);

/// `parts` (dictionary-encoded) over one dictionary, as the file format needs (it cannot
/// replace a dictionary between batches): as they are when they already share one, else
/// re-coded into the union of their dictionaries.
std::vector<engine::ColumnPtr> share_dictionary(const std::vector<engine::ColumnPtr>& parts);

}  // namespace setl::storage::detail
