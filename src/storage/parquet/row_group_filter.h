// Row-group pruning (private to the storage layer): decides from column statistics whether
// a row group can hold any row for which a filter is TRUE. Conservative: anything it does
// not understand may match.
#pragma once

#include <functional>
#include <string>

#include "setl/engine/expr.h"
#include "storage/parquet/parquet_reader.h"

namespace setl::storage::parquet {

/// `statistics_of(column)` returns the row group's statistics of a column, or null when
/// the column is unknown. False means no row can match, so the row group can be skipped.
bool row_group_may_match(
    const engine::Expr& filter,
    const std::function<const ChunkStatistics*(const std::string&)>& statistics_of);

}  // namespace setl::storage::parquet
