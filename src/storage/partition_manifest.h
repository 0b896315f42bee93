// The committed state of a partitioned dataset (private to the storage layer).
//
// ROOT/_setl_manifest.json lists the part files that make up the dataset; it is replaced
// atomically (AtomicFile), so a write becomes visible all at once and readers see the old
// or the new file list, never a mix. Part files get names unique to their write, so a
// killed writer leaves only files that no manifest lists; the next writer, holding
// ROOT/.setl.lock, removes them. Datasets without a manifest (written by another tool or
// an older setlpp) are read by listing their directories, and get a manifest on their
// first write.
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace setl::storage::detail {

inline constexpr std::string_view kManifestName = "_setl_manifest.json";
inline constexpr std::string_view kDatasetLockName = ".setl.lock";

struct PartitionManifest {
  std::vector<std::string> files;  // relative to the root, '/'-separated
  std::string text;                // as read, to notice a concurrent commit
};

/// The manifest of `root`, if it has one.
/// Throws: ParseError for a manifest that is not ours or lists a path outside the root.
std::optional<PartitionManifest> read_partition_manifest(const std::filesystem::path& root);

/// Replaces the manifest atomically.
void write_partition_manifest(const std::filesystem::path& root,
                              const std::vector<std::string>& files);

/// Removes what no manifest lists: part files and temporaries of killed writers, then
/// directories left empty. Call with the dataset lock held.
void remove_unlisted_files(const std::filesystem::path& root, const std::vector<std::string>& keep);

/// Checks a manifest entry: relative, no "." or ".." component, no empty component.
bool is_safe_relative_path(std::string_view path);

}  // namespace setl::storage::detail
