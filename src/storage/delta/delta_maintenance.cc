// The Delta connector's maintenance: history, checkpoints and vacuum.
#include <chrono>
#include <set>

#include "setl/core/error.h"
#include "setl/storage/delta_connector.h"
#include "storage/delta/delta_table.h"

namespace setl::storage {

std::vector<DeltaVersion> DeltaConnector::history() const {
  std::vector<DeltaVersion> versions;
  for (const auto& [version, file] : detail::list_delta_log(path_).commits) {
    detail::DeltaActions actions =
        detail::parse_delta_actions(detail::read_log_file(file), file.string());
    versions.push_back({version, detail::file_time_ms(file), actions.operation});
  }
  return versions;
}

void DeltaConnector::checkpoint() const {
  detail::DeltaSnapshot snapshot = detail::load_delta_snapshot(path_, std::nullopt);
  detail::check_delta_readable(snapshot, describe());
  if (!detail::delta_supports_v2_checkpoint(snapshot.protocol)) {
    throw StateError("Delta table " + path_.string() + " (protocol " +
                     std::to_string(snapshot.protocol.reader) + "/" +
                     std::to_string(snapshot.protocol.writer) +
                     ") does not have the v2Checkpoint feature that setlpp's JSON checkpoints "
                     "need");
  }
  detail::write_delta_checkpoint(path_, snapshot);
}

DeltaVacuumResult DeltaConnector::vacuum(std::chrono::milliseconds retention, bool dry_run) const {
  if (options_.version || options_.timestamp_ms) {
    throw StateError("connector " + describe() + " reads an old version; vacuum the latest");
  }
  if (retention.count() < 0) {
    throw ConfigError("vacuum of " + path_.string() + ": the retention must not be negative");
  }
  detail::DeltaSnapshot snapshot = detail::load_delta_snapshot(path_, std::nullopt);
  detail::check_delta_writable(snapshot, describe());
  int64_t cutoff = detail::delta_now_ms() - retention.count();
  DeltaVacuumResult result;
  std::error_code error;
  auto it = std::filesystem::recursive_directory_iterator(path_, error);
  for (; !error && it != std::filesystem::recursive_directory_iterator(); it.increment(error)) {
    std::string name = it->path().filename().string();
    // The log and other hidden entries ("_" or "." first) are not data.
    if (name.starts_with("_") || name.starts_with(".")) {
      if (it->is_directory()) {
        it.disable_recursion_pending();
      }
      continue;
    }
    if (!it->is_regular_file()) {
      continue;
    }
    std::string relative = std::filesystem::relative(it->path(), path_).generic_string();
    if (snapshot.files.count(relative) > 0) {
      continue;
    }
    auto tombstone = snapshot.tombstones.find(relative);
    int64_t since = tombstone != snapshot.tombstones.end()
                        ? tombstone->second.deletion_timestamp
                        : detail::file_time_ms(it->path());  // never committed: its age
    if (since > cutoff) {
      continue;
    }
    result.removed.push_back(it->path());
    result.bytes += static_cast<int64_t>(it->file_size());
  }
  if (error) {
    throw IoError("vacuum of " + path_.string() + ": cannot list it: " + error.message());
  }
  if (!dry_run) {
    for (const std::filesystem::path& file : result.removed) {
      std::filesystem::remove(file, error);
      if (error) {
        throw IoError("vacuum of " + path_.string() + ": cannot remove " + file.string() + ": " +
                      error.message());
      }
    }
  }
  return result;
}

}  // namespace setl::storage
