#include "storage/partition_manifest.h"

#include <fstream>
#include <set>
#include <sstream>

#include <nlohmann/json.hpp>

#include "setl/core/atomic_file.h"
#include "setl/core/error.h"

namespace setl::storage::detail {
namespace {

constexpr std::string_view kFormatTag = "setl-partitioned-dataset";
constexpr int kVersion = 1;
constexpr size_t kMaxManifestBytes = size_t{1} << 30;

}  // namespace

bool is_safe_relative_path(std::string_view path) {
  if (path.empty() || path.front() == '/' || path.find('\0') != std::string_view::npos ||
      path.find('\\') != std::string_view::npos) {
    return false;
  }
  size_t start = 0;
  while (start <= path.size()) {
    size_t slash = path.find('/', start);
    std::string_view part = path.substr(
        start, slash == std::string_view::npos ? std::string_view::npos : slash - start);
    if (part.empty() || part == "." || part == "..") {
      return false;
    }
    if (slash == std::string_view::npos) {
      break;
    }
    start = slash + 1;
  }
  return true;
}

std::optional<PartitionManifest> read_partition_manifest(const std::filesystem::path& root) {
  std::filesystem::path path = root / kManifestName;
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    return std::nullopt;
  }
  std::ostringstream buffer;
  buffer << in.rdbuf();
  PartitionManifest manifest;
  manifest.text = buffer.str();
  if (manifest.text.size() > kMaxManifestBytes) {
    throw ParseError(path.string() + ": manifest larger than 1 GiB");
  }
  nlohmann::json document;
  try {
    document = nlohmann::json::parse(manifest.text);
  } catch (const nlohmann::json::exception& error) {
    throw ParseError(path.string() + ": corrupt dataset manifest: " + error.what());
  }
  if (!document.is_object() || document.value("format", "") != kFormatTag ||
      !document.contains("files") || !document["files"].is_array()) {
    throw ParseError(path.string() + ": not a setlpp dataset manifest");
  }
  if (document.value("version", 0) != kVersion) {
    throw ParseError(path.string() + ": dataset manifest version " + document["version"].dump() +
                     " is not supported (this setlpp reads " + std::to_string(kVersion) + ")");
  }
  for (const auto& entry : document["files"]) {
    if (!entry.is_string() || !is_safe_relative_path(entry.get_ref<const std::string&>())) {
      throw ParseError(path.string() + ": dataset manifest lists " + entry.dump().substr(0, 200) +
                       ", which is not a path inside the dataset");
    }
    manifest.files.push_back(entry.get<std::string>());
  }
  return manifest;
}

void write_partition_manifest(const std::filesystem::path& root,
                              const std::vector<std::string>& files) {
  nlohmann::json document = {{"format", kFormatTag}, {"version", kVersion}, {"files", files}};
  write_atomically(root / kManifestName, document.dump(1) + "\n");
}

void remove_unlisted_files(const std::filesystem::path& root,
                           const std::vector<std::string>& keep) {
  std::set<std::filesystem::path> kept;
  for (const std::string& file : keep) {
    kept.insert((root / file).lexically_normal());
  }
  std::error_code error;
  std::vector<std::filesystem::path> doomed;
  std::vector<std::filesystem::path> directories;
  for (auto it = std::filesystem::recursive_directory_iterator(root, error);
       !error && it != std::filesystem::recursive_directory_iterator(); it.increment(error)) {
    const std::filesystem::path& path = it->path();
    if (it->is_directory(error) && !it->is_symlink(error)) {
      directories.push_back(path);
      continue;
    }
    std::string name = path.filename().string();
    bool top_level = path.parent_path() == root;
    if (top_level && (name == kManifestName || name == kDatasetLockName)) {
      continue;
    }
    if (top_level && !name.starts_with(".") && !name.starts_with("_")) {
      continue;  // not a part file (part files live in key=value directories)
    }
    if (kept.count(path.lexically_normal()) == 0 && (is_temporary_name(name) || !top_level)) {
      doomed.push_back(path);
    }
  }
  for (const std::filesystem::path& path : doomed) {
    std::filesystem::remove(path, error);
  }
  // Deepest first, so that emptied parents go too; non-empty ones stay.
  for (auto it = directories.rbegin(); it != directories.rend(); ++it) {
    std::filesystem::remove(*it, error);
  }
}

}  // namespace setl::storage::detail
