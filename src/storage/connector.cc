#include "setl/storage/connector.h"

#include <algorithm>
#include <cctype>
#include <fstream>
#include <vector>

#include <fmt/format.h>

#include "setl/core/error.h"

namespace setl::storage {

std::string_view to_string(SaveMode mode) {
  switch (mode) {
    case SaveMode::kOverwrite:
      return "overwrite";
    case SaveMode::kAppend:
      return "append";
    case SaveMode::kErrorIfExists:
      return "error_if_exists";
    case SaveMode::kIgnore:
      return "ignore";
  }
  return "?";
}

SaveMode parse_save_mode(std::string_view name) {
  std::string lower(name);
  std::transform(lower.begin(), lower.end(), lower.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  if (lower == "overwrite") {
    return SaveMode::kOverwrite;
  }
  if (lower == "append") {
    return SaveMode::kAppend;
  }
  if (lower == "error_if_exists" || lower == "errorifexists") {
    return SaveMode::kErrorIfExists;
  }
  if (lower == "ignore") {
    return SaveMode::kIgnore;
  }
  throw ConfigError("unknown save mode '" + std::string(name) +
                    "'; expected overwrite, append, error_if_exists or ignore");
}

std::optional<std::string> Connector::fingerprint(bool) const {
  return std::nullopt;
}

std::optional<std::string> Connector::fingerprint_of(const std::filesystem::path& path,
                                                     bool content) {
  std::error_code error;
  std::vector<std::filesystem::path> files;
  if (std::filesystem::is_directory(path, error)) {
    for (const auto& entry : std::filesystem::recursive_directory_iterator(path, error)) {
      if (entry.is_regular_file()) {
        files.push_back(entry.path());
      }
    }
    std::sort(files.begin(), files.end());
  } else if (std::filesystem::is_regular_file(path, error)) {
    files.push_back(path);
  } else {
    return "missing:" + path.string();
  }
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

engine::Table Connector::read() const {
  return scan(engine::ScanRequest{});
}

engine::LazyFrame Connector::lazy() const {
  std::shared_ptr<const Connector> self = weak_from_this().lock();
  if (!self) {
    throw StateError("connector " + describe() +
                     " is not owned by a std::shared_ptr; create it with std::make_shared to "
                     "scan it lazily");
  }
  return engine::LazyFrame::scan(self);
}

engine::Table Connector::auto_load(std::string_view condition) const {
  if (condition.empty()) {
    return read();
  }
  return lazy().filter(engine::parse_expr(std::string(condition))).collect();
}

}  // namespace setl::storage
