// Whole-file reads with transparent gzip/zstd decompression, and atomic writes (private to
// the storage layer).
#pragma once

#include <filesystem>
#include <functional>
#include <optional>
#include <ostream>
#include <string>

#include "setl/core/atomic_file.h"
#include "setl/storage/connector.h"

namespace setl::storage::detail {

/// The file's bytes, decompressed when the name ends in .gz or .zst. Reads regular files
/// and pipes; decompression streams from the file under decompression_limits().
/// Throws: IoError naming the file (missing, a directory, unreadable, corrupt compressed
/// data), ResourceError past the decompression limits.
std::string read_file(const std::filesystem::path& path);

/// Throws ResourceError if `expanded` bytes from `compressed` break decompression_limits().
void check_expansion(const std::string& what, uint64_t compressed, uint64_t expanded);

/// Writes through `fill` into a temporary file beside `path` (gzip- or zstd-compressed when
/// the name ends in .gz or .zst), flushes it to disk, then renames it over `path`; on any
/// failure the temporary is removed and `path` is untouched. With `append`, the existing
/// content is copied first (still atomic; hold lock_for_write() across the whole append).
/// The bytes written (compressed, without the copied ones) count as the job group's.
/// Throws: IoError, or whatever `fill` throws.
void write_file_atomically(const std::filesystem::path& path,
                           const std::function<void(std::ostream&)>& fill, bool append = false);

/// The lock a connector holds for a whole write of `path` whose outcome depends on what
/// is there (append, error_if_exists, ignore, or replacing an existing file), so that two
/// processes writing one target serialise instead of losing one write. No lock (and no
/// lock file) for an overwrite of a file that does not exist yet. Either way, first
/// removes the temporaries that killed writers of `path` left behind.
std::optional<FileLock> lock_for_write(const std::filesystem::path& path, SaveMode mode);

}  // namespace setl::storage::detail
