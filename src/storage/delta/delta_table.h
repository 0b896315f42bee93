// What the Delta connector's files share (private to the storage layer): the protocol
// checks, reading a version, and the optimistic commit loop.
#pragma once

#include <filesystem>
#include <functional>
#include <optional>
#include <string>

#include "setl/storage/delta_connector.h"
#include "storage/delta/delta_log.h"

namespace setl::storage::detail {

/// Throws: StateError naming the reader version or feature, column mapping or deletion
/// vectors, none of which setlpp reads.
void check_delta_readable(const DeltaSnapshot& snapshot, const std::string& where);
/// Also the writer side: versions 3-6, features other than appendOnly and v2Checkpoint,
/// and column invariants are refused.
void check_delta_writable(const DeltaSnapshot& snapshot, const std::string& where);
bool delta_supports_v2_checkpoint(const DeltaProtocol& protocol);

/// The snapshot a connector reads: its time-travel version or timestamp, else the latest.
DeltaSnapshot delta_snapshot_for_read(const std::filesystem::path& table,
                                      const DeltaOptions& options);

/// A commit being prepared: `build` returns the actions for the snapshot read (nullopt: no
/// table yet) or throws; `conflicts` says whether the actions of versions committed since
/// then invalidate them (nullopt: they do not; else the reason).
struct DeltaCommitPlan {
  std::function<DeltaActions(const std::optional<DeltaSnapshot>& read)> build;
  std::function<std::optional<std::string>(const DeltaActions& winner, int64_t version)> conflicts;
};

/// Reads the latest snapshot, builds the actions and commits them at the next version;
/// after losing a race, checks the winners and commits again or throws StateError naming
/// the conflict. Returns the committed version, or -1 when `build` committed nothing.
int64_t commit_delta(const std::filesystem::path& table, const DeltaOptions& options,
                     const DeltaCommitPlan& plan);

/// Writes a UUID-named JSON checkpoint of `snapshot` and _last_checkpoint.
void write_delta_checkpoint(const std::filesystem::path& table, const DeltaSnapshot& snapshot);

}  // namespace setl::storage::detail
