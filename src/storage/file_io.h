// Whole-file reads with transparent gzip/zstd decompression, and atomic writes (private to
// the storage layer).
#pragma once

#include <filesystem>
#include <functional>
#include <ostream>
#include <string>

namespace setl::storage::detail {

/// The file's bytes, decompressed when the name ends in .gz or .zst.
/// Throws: IoError naming the file (missing, unreadable, corrupt compressed data).
std::string read_file(const std::filesystem::path& path);

/// Writes through `fill` into a temporary file beside `path` (gzip- or zstd-compressed when
/// the name ends in .gz or .zst), flushes it to disk, then
/// renames it over `path`; on any failure the temporary is removed and `path` is untouched.
/// With `append`, the existing content is copied first (still atomic).
/// Throws: IoError, or whatever `fill` throws.
void write_file_atomically(const std::filesystem::path& path,
                           const std::function<void(std::ostream&)>& fill, bool append = false);

}  // namespace setl::storage::detail
