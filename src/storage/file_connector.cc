#include "setl/storage/file_connector.h"

#include <algorithm>
#include <climits>
#include <fstream>
#include <vector>

#include <fmt/format.h>

#include "file_io.h"
#include "setl/core/error.h"
#include "setl/core/file_status.h"
#include "table_edits.h"

namespace setl::storage {

FileCompression compression_of(const std::filesystem::path& path) {
  std::string name = path.filename().string();
  if (name.ends_with(".gz")) {
    return FileCompression::kGzip;
  }
  if (name.ends_with(".zst")) {
    return FileCompression::kZstd;
  }
  return FileCompression::kNone;
}

FileConnector::FileConnector(ConnectorKey key, std::filesystem::path path, std::string format)
    : Connector(key), path_(std::move(path)), format_(std::move(format)) {
  if (path_.empty()) {
    throw ConfigError(format_ + " connector needs a path");
  }
}

std::string FileConnector::describe() const {
  return format_ + " " + path_.string();
}

bool FileConnector::exists() const {
  std::error_code error;
  return std::filesystem::is_regular_file(path_, error);
}

void FileConnector::write(const engine::Table& table, SaveMode mode) const {
  std::unique_ptr<engine::BatchStream> rows = engine::stream_table(table, INT64_MAX);
  write_stream(*rows, mode);
}

void FileConnector::write_stream(engine::BatchStream& rows, SaveMode mode) const {
  // Held until the rename: concurrent appends by several processes all land.
  std::optional<FileLock> write_lock = detail::lock_for_write(path_, mode);
  bool present = exists();
  if (present && mode == SaveMode::kErrorIfExists) {
    throw IoError(path_.string() + " already exists (save mode error_if_exists)");
  }
  if (present && mode == SaveMode::kIgnore) {
    return;
  }
  write_file_stream(rows, present && mode == SaveMode::kAppend);
}

void FileConnector::upsert(const engine::Table& rows, const std::vector<std::string>& keys) const {
  std::optional<FileLock> write_lock = detail::lock_for_write(path_, SaveMode::kAppend);
  std::optional<engine::Table> stored;
  if (exists()) {
    stored = read();
  }
  write_file(detail::upserted(stored ? &*stored : nullptr, rows, keys, describe()), false);
}

void FileConnector::delete_where(const engine::Expr& condition) const {
  std::optional<FileLock> write_lock = detail::lock_for_write(path_, SaveMode::kAppend);
  if (exists()) {
    write_file(detail::without_rows(read(), condition), false);
  }
}

void FileConnector::drop() const {
  std::optional<FileLock> write_lock = detail::lock_for_write(path_, SaveMode::kAppend);
  std::error_code error;
  std::filesystem::remove_all(path_, error);
  if (error) {
    throw IoError("cannot drop " + path_.string() + ": " + error.message());
  }
}

void FileConnector::sink(const engine::LazyFrame& query, SaveMode mode) const {
  std::unique_ptr<engine::BatchStream> rows = query.stream();
  write_stream(*rows, mode);
}

void FileConnector::write_file_stream(engine::BatchStream& rows, bool append) const {
  write_file(engine::collect_stream(rows), append);
}

std::optional<std::string> FileConnector::fingerprint(bool content) const {
  return fingerprint_files(path_, content);
}

std::string fingerprint_files(const std::filesystem::path& path, bool content) {
  std::error_code error;
  std::vector<std::filesystem::path> files;
  if (std::filesystem::is_directory(path, error)) {
    for (const auto& entry : directory_entries(path, true)) {
      if (entry.is_regular_file(error)) {
        files.push_back(entry.path());
      }
    }
    std::sort(files.begin(), files.end());
  } else if (std::filesystem::is_regular_file(path, error)) {
    files.push_back(path);
  } else {
    return "missing:" + path.string();
  }
  return fingerprint_files(files, content);
}

std::string fingerprint_files(const std::vector<std::filesystem::path>& files, bool content) {
  std::error_code error;
  // FNV-1a over what identifies each file.
  uint64_t hash = 0xcbf29ce484222325ull;
  auto mix = [&](std::string_view bytes) {
    for (unsigned char c : bytes) {
      hash ^= c;
      hash *= 0x100000001b3ull;
    }
  };
  for (const std::filesystem::path& file : files) {
    mix(file.string());
    if (content) {
      std::ifstream in(file, std::ios::binary);
      std::vector<char> buffer(1 << 20);
      while (in.read(buffer.data(), static_cast<std::streamsize>(buffer.size())) || in.gcount()) {
        mix(std::string_view(buffer.data(), static_cast<size_t>(in.gcount())));
      }
    } else {
      mix(std::to_string(std::filesystem::file_size(file, error)));
      auto time = std::filesystem::last_write_time(file, error);
      mix(std::to_string(time.time_since_epoch().count()));
    }
  }
  return fmt::format("{}:{:016x}", content ? "content" : "stat", hash);
}

}  // namespace setl::storage
