// Encodes engine tables as Parquet files (private to the storage layer).
#pragma once

#include <ostream>

#include "setl/engine/table.h"
#include "setl/storage/parquet_connector.h"

namespace setl::storage::parquet {

/// Writes `table` as one Parquet file to `out`: row groups of options.row_group_rows rows,
/// each column chunk encoded (in parallel) as an optional dictionary page then data pages.
/// Throws: ConfigError for invalid options.
void write_parquet(const engine::Table& table, std::ostream& out, const ParquetOptions& options);

}  // namespace setl::storage::parquet
