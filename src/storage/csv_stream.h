// The CSV scan as a stream (private to the storage layer): the file is read block by
// block, each block's complete records are cut into ranges and parsed in parallel, and a
// record cut by the block's end moves on to the next block.
#pragma once

#include <memory>

#include "setl/engine/scan_source.h"
#include "setl/storage/csv_connector.h"

namespace setl::storage::detail {

/// Opens the file and reads its first block (header, inferred schema). `on_schema` is
/// called with the file's schema once it is known. Throws: IoError, ParseError.
std::unique_ptr<engine::BatchStream> open_csv_stream(const std::filesystem::path& path,
                                                     const CsvOptions& options,
                                                     const engine::ScanRequest& request,
                                                     int64_t batch_bytes);

/// This rank's share of the file's records, settled with the other ranks (collective; see
/// byte_shares.h). Throws: IoError, ParseError.
engine::ByteShare agree_csv_share(const std::filesystem::path& path, const CsvOptions& options,
                                  const engine::ScanRequest& request, Communicator& communicator);

/// The file's schema, from its first block only.
engine::SchemaPtr csv_file_schema(const std::filesystem::path& path, const CsvOptions& options);

}  // namespace setl::storage::detail
