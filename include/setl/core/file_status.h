// What is at a path named by something outside the program (a log, a config, a user).
// The throwing std::filesystem queries raise std::filesystem::filesystem_error for a name
// that is too long or a directory that may not be searched, which is not a setl error
// and reaches users as a crash; these raise IoError naming the path instead, and treat
// "not there" (a missing file, a file where a directory was expected) as an answer.
#pragma once

#include <cstdint>
#include <filesystem>
#include <vector>

namespace setl {

/// Whether something is at `path`. Throws IoError when the file system cannot tell.
bool path_exists(const std::filesystem::path& path);

/// Whether `path` is a directory (following symbolic links). Throws IoError when the
/// file system cannot tell.
bool is_directory_path(const std::filesystem::path& path);

/// The size in bytes of the regular file at `path`. Throws IoError when it is missing,
/// not a regular file, or cannot be looked at.
std::uintmax_t regular_file_size(const std::filesystem::path& path);

/// The entries of the directory `path` (and below it, when `recursive`), in no particular
/// order. Throws IoError when the directory, or one below it, cannot be listed: a listing
/// cut short would pass for the whole.
std::vector<std::filesystem::directory_entry> directory_entries(const std::filesystem::path& path,
                                                                bool recursive = false);

}  // namespace setl
