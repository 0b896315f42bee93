#include "storage/delta/delta_table.h"

#include <algorithm>
#include <chrono>

#include <nlohmann/json.hpp>

#include "setl/core/atomic_file.h"
#include "setl/core/error.h"
#include "setl/core/log.h"

namespace setl::storage::detail {
namespace {

const std::vector<std::string> kReaderFeatures = {"v2Checkpoint"};
const std::vector<std::string> kWriterFeatures = {"appendOnly", "v2Checkpoint"};

bool contains(const std::vector<std::string>& list, const std::string& item) {
  return std::find(list.begin(), list.end(), item) != list.end();
}

}  // namespace

void check_delta_readable(const DeltaSnapshot& snapshot, const std::string& where) {
  const DeltaProtocol& protocol = snapshot.protocol;
  if (protocol.reader > 3) {
    throw StateError(where + " needs Delta reader version " + std::to_string(protocol.reader) +
                     "; setlpp reads versions 1 to 3");
  }
  if (protocol.reader == 3) {
    for (const std::string& feature : protocol.reader_features) {
      if (!contains(kReaderFeatures, feature)) {
        throw StateError(where + " needs the Delta reader feature '" + feature +
                         "', which setlpp does not implement");
      }
    }
  }
  auto mapping = snapshot.metadata.configuration.find("delta.columnMapping.mode");
  if (mapping != snapshot.metadata.configuration.end() && mapping->second != "none") {
    throw StateError(where + " uses column mapping (mode " + mapping->second +
                     "), which setlpp does not read");
  }
  for (const auto& [path, file] : snapshot.files) {
    if (file.deletion_vector) {
      throw StateError(where + ": file " + path +
                       " has a deletion vector, which setlpp does not apply");
    }
  }
}

void check_delta_writable(const DeltaSnapshot& snapshot, const std::string& where) {
  check_delta_readable(snapshot, where);
  const DeltaProtocol& protocol = snapshot.protocol;
  if (protocol.writer >= 3 && protocol.writer <= 6) {
    throw StateError(where + " needs Delta writer version " + std::to_string(protocol.writer) +
                     " (constraints, generated or identity columns, change data or column "
                     "mapping); setlpp writes versions up to 2, and 7 with the features it has");
  }
  if (protocol.writer > 7) {
    throw StateError(where + " needs Delta writer version " + std::to_string(protocol.writer));
  }
  if (protocol.writer == 7) {
    for (const std::string& feature : protocol.writer_features) {
      if (!contains(kWriterFeatures, feature)) {
        throw StateError(where + " needs the Delta writer feature '" + feature +
                         "', which setlpp does not implement");
      }
    }
  }
  if (snapshot.any_invariants &&
      (protocol.writer == 2 || contains(protocol.writer_features, "invariants"))) {
    throw StateError(where + " has column invariants, which setlpp does not enforce");
  }
}

bool delta_supports_v2_checkpoint(const DeltaProtocol& protocol) {
  return protocol.reader == 3 && protocol.writer == 7 &&
         contains(protocol.reader_features, "v2Checkpoint") &&
         contains(protocol.writer_features, "v2Checkpoint");
}

DeltaSnapshot delta_snapshot_for_read(const std::filesystem::path& table,
                                      const DeltaOptions& options) {
  if (options.version && options.timestamp_ms) {
    throw ConfigError("Delta table " + table.string() +
                      ": give a version or a timestamp to travel to, not both");
  }
  if (!options.timestamp_ms) {
    return load_delta_snapshot(table, options.version);
  }
  DeltaLogListing listing = list_delta_log(table);
  std::optional<int64_t> found;
  int64_t first_time = 0;
  for (const auto& [version, file] : listing.commits) {
    int64_t time = file_time_ms(file);
    if (version == listing.commits.begin()->first) {
      first_time = time;
    }
    if (time <= *options.timestamp_ms) {
      found = version;
    }
  }
  if (!found) {
    throw IoError("Delta table " + table.string() + " has no version at or before " +
                  std::to_string(*options.timestamp_ms) + " ms" +
                  (listing.commits.empty()
                       ? std::string(" (no commits)")
                       : " (its first commit is at " + std::to_string(first_time) + " ms)"));
  }
  return load_delta_snapshot(table, found);
}

namespace {

std::optional<DeltaSnapshot> latest_snapshot(const std::filesystem::path& table) {
  DeltaLogListing listing = list_delta_log(table);
  if (listing.commits.empty() && listing.checkpoints.empty()) {
    return std::nullopt;
  }
  return load_delta_snapshot(table, std::nullopt);
}

void checkpoint_after(const std::filesystem::path& table, const DeltaOptions& options,
                      int64_t version) {
  if (options.checkpoint_interval <= 0 || version == 0 ||
      version % options.checkpoint_interval != 0) {
    return;
  }
  // The commit stands whatever happens here: a checkpoint only speeds up reading.
  try {
    DeltaSnapshot snapshot = load_delta_snapshot(table, version);
    if (delta_supports_v2_checkpoint(snapshot.protocol)) {
      write_delta_checkpoint(table, snapshot);
    }
  } catch (const Error& error) {
    log::warn("Delta table {}: no checkpoint at version {}: {}", table.string(), version,
              error.what());
  }
}

}  // namespace

int64_t commit_delta(const std::filesystem::path& table, const DeltaOptions& options,
                     const DeltaCommitPlan& plan) {
  std::optional<DeltaSnapshot> read = latest_snapshot(table);
  DeltaActions actions = plan.build(read);
  if (actions.operation.empty()) {
    return -1;  // nothing to commit (save mode ignore)
  }
  int64_t version = read ? read->version + 1 : 0;
  for (int attempt = 1; attempt <= std::max(1, options.max_commit_attempts); ++attempt) {
    if (options.before_commit) {
      options.before_commit(version);
    }
    actions.commit_timestamp = delta_now_ms();
    if (put_delta_commit(table, version, serialize_delta_actions(actions))) {
      checkpoint_after(table, options, version);
      return version;
    }
    // Lost the race for `version`: judge every version committed since.
    DeltaLogListing listing = list_delta_log(table);
    int64_t latest = listing.commits.empty() ? version : listing.commits.rbegin()->first;
    for (int64_t v = version; v <= latest; ++v) {
      auto file = listing.commits.find(v);
      if (file == listing.commits.end()) {
        continue;
      }
      DeltaActions winner = parse_delta_actions(read_log_file(file->second), file->second.string());
      std::optional<std::string> reason;
      if (winner.protocol || winner.metadata) {
        reason = read ? "changed the table's schema or protocol" : "created the table";
      } else {
        reason = plan.conflicts(winner, v);
      }
      if (reason) {
        throw StateError("Delta commit conflict on " + table.string() + ": version " +
                         std::to_string(v) + ", committed concurrently, " + *reason +
                         "; nothing was committed (read the table again and retry)");
      }
    }
    version = latest + 1;
  }
  throw StateError("Delta table " + table.string() + ": gave up committing after " +
                   std::to_string(options.max_commit_attempts) + " lost races");
}

void write_delta_checkpoint(const std::filesystem::path& table, const DeltaSnapshot& snapshot) {
  DeltaActions actions;
  actions.checkpoint_version = snapshot.version;
  actions.protocol = snapshot.protocol;
  actions.metadata = snapshot.metadata;
  actions.transactions = snapshot.transactions;
  for (const auto& [path, add] : snapshot.files) {
    actions.adds.push_back(add);
  }
  // Tombstones stay until vacuum could no longer need them.
  int64_t expired_before = delta_now_ms() - int64_t{7} * 24 * 3600 * 1000;
  for (const auto& [path, remove] : snapshot.tombstones) {
    if (remove.deletion_timestamp >= expired_before) {
      actions.removes.push_back(remove);
    }
  }
  std::string text = serialize_delta_actions(actions);
  std::string name = delta_commit_name(snapshot.version);
  name = name.substr(0, name.size() - 5) + ".checkpoint." + random_uuid() + ".json";
  write_atomically(delta_log_directory(table) / name, text);
  int64_t count = 3 + static_cast<int64_t>(actions.transactions.size() + actions.adds.size() +
                                           actions.removes.size());
  nlohmann::json last = {{"version", snapshot.version},
                         {"size", count},
                         {"sizeInBytes", static_cast<int64_t>(text.size())},
                         {"numOfAddFiles", static_cast<int64_t>(actions.adds.size())}};
  write_atomically(delta_log_directory(table) / "_last_checkpoint", last.dump());
}

}  // namespace setl::storage::detail
