// Thrift compact-protocol (de)serialisation of the Parquet footer and page headers, over
// the C++ types generated from parquet.thrift (private to the storage layer).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

#include "parquet_types.h"

namespace setl::storage::parquet {

/// Parses a FileMetaData occupying exactly [data, data + size).
/// Throws: ParseError ("corrupt Parquet footer: ...") on malformed bytes.
format::FileMetaData parse_file_metadata(const uint8_t* data, size_t size);

/// Parses the PageHeader at the start of [data, data + size); `header_size` receives the
/// bytes it occupies. Throws: ParseError on malformed or truncated bytes.
format::PageHeader parse_page_header(const uint8_t* data, size_t size, size_t& header_size);

void append_serialized(const format::FileMetaData& metadata, std::string& out);
void append_serialized(const format::PageHeader& header, std::string& out);

}  // namespace setl::storage::parquet
