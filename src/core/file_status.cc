#include "setl/core/file_status.h"

#include <system_error>

#include "setl/core/error.h"

namespace setl {
namespace {

std::filesystem::file_status status_of(const std::filesystem::path& path) {
  std::error_code error;
  std::filesystem::file_status status = std::filesystem::status(path, error);
  // status() reports "not found" (and "not a directory" on the way) as file_type::not_found
  // with an error set; only other errors leave the answer unknown.
  if (error && status.type() != std::filesystem::file_type::not_found) {
    throw IoError("cannot look at " + path.string() + ": " + error.message());
  }
  return status;
}

}  // namespace

bool path_exists(const std::filesystem::path& path) {
  return std::filesystem::exists(status_of(path));
}

bool is_directory_path(const std::filesystem::path& path) {
  return std::filesystem::is_directory(status_of(path));
}

std::uintmax_t regular_file_size(const std::filesystem::path& path) {
  std::filesystem::file_status status = status_of(path);
  if (!std::filesystem::is_regular_file(status)) {
    throw IoError(path.string() +
                  (std::filesystem::exists(status) ? " is not a regular file" : " does not exist"));
  }
  std::error_code error;
  std::uintmax_t size = std::filesystem::file_size(path, error);
  if (error) {
    throw IoError("cannot read the size of " + path.string() + ": " + error.message());
  }
  return size;
}

std::vector<std::filesystem::directory_entry> directory_entries(const std::filesystem::path& path,
                                                                bool recursive) {
  std::vector<std::filesystem::directory_entry> entries;
  std::error_code error;
  // The range-for's operator++ throws filesystem_error; increment(error) does not.
  auto collect = [&](auto it) {
    for (; !error && it != decltype(it)(); it.increment(error)) {
      entries.push_back(*it);
    }
  };
  if (recursive) {
    collect(std::filesystem::recursive_directory_iterator(path, error));
  } else {
    collect(std::filesystem::directory_iterator(path, error));
  }
  if (error) {
    throw IoError("cannot list " + path.string() + ": " + error.message());
  }
  return entries;
}

}  // namespace setl
