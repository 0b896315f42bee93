// Delta Lake tables: the Delta transaction protocol over our Parquet files. A table is a
// directory of Parquet data files and a `_delta_log/` of numbered JSON commits; reading
// replays the log (from the latest checkpoint) into the set of live files.
//
//   auto sales = make_connector<DeltaConnector>("lake/sales",
//                                               DeltaOptions{.partition_by = {"year"}});
//   sales->write(january, SaveMode::kAppend);   // commit 0, 1, ...
//   Table then = make_connector<DeltaConnector>("lake/sales", DeltaOptions{.version = 3})->read();
//   sales->vacuum(std::chrono::hours(168));      // files no version within a week needs
//
// Writes are optimistic commits: data files are written first under unique names, then the
// next version's commit file is created only if no one else created it (a hard link, which
// fails when the name exists). A writer that loses the race reads the winning commits:
// an append commits again at the next version; an overwrite (or update, delete) that
// depended on files a winner changed fails with a StateError naming the conflict, removes
// its data files and commits nothing. So no concurrent writer's data is ever lost.
//
// Tables created here use protocol reader 3 / writer 7 with the v2Checkpoint feature
// (checkpoints are UUID-named JSON files, which needs no nested Parquet) and appendOnly;
// with `compatible_protocol` they use reader 1 / writer 2 and are never checkpointed.
// Reading accepts reader versions 1-3 without column mapping or deletion vectors; writing
// accepts writer versions up to 2, or 7 with features setlpp honours (appendOnly,
// v2Checkpoint); anything else is refused with the version or feature named.
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "setl/storage/connector.h"
#include "setl/storage/parquet_connector.h"

namespace setl::storage {

struct DeltaOptions {
  /// Columns the data files are partitioned by (taken when the table is created; an
  /// existing table keeps its own).
  std::vector<std::string> partition_by;
  /// Time travel: read this version, or the last version committed at or before this
  /// time (milliseconds since the epoch; a commit's time is its log file's modification
  /// time, as the protocol says). A connector with either set is read-only.
  std::optional<int64_t> version;
  std::optional<int64_t> timestamp_ms;
  /// An overwrite may replace the table's schema (Delta's overwriteSchema); otherwise the
  /// rows must have the table's columns and types.
  bool overwrite_schema = false;
  /// A checkpoint after every this many commits (0: only on checkpoint()).
  int64_t checkpoint_interval = 10;
  /// Create tables readable by every Delta reader (protocol 1/2, no checkpoints).
  bool compatible_protocol = false;
  /// Commits retried after losing a race before giving up.
  int max_commit_attempts = 50;
  /// Called before each commit attempt with the version it tries, after the data files
  /// are written (to coordinate with other writers; tests interleave writers with it).
  std::function<void(int64_t version)> before_commit;
  ParquetOptions parquet;
};

/// One version of a Delta table, as history() lists it.
struct DeltaVersion {
  int64_t version = 0;
  int64_t timestamp_ms = 0;  ///< the commit file's modification time
  std::string operation;     ///< commitInfo.operation when present ("WRITE", ...)
};

/// What vacuum() removed (or, with dry_run, would remove).
struct DeltaVacuumResult {
  std::vector<std::filesystem::path> removed;
  int64_t bytes = 0;
};

/// Create with make_connector<DeltaConnector>(path, options).
class DeltaConnector : public Connector {
 public:
  DeltaConnector(ConnectorKey key, std::filesystem::path path, DeltaOptions options = {});

  engine::SchemaPtr schema() const override;
  std::string describe() const override;
  /// The live files of the version read, pruned by partition values (ScanStats units are
  /// files), each read with the requested columns; partition columns restored.
  engine::ScanResult scan(const engine::ScanRequest& request) const override;
  /// Append: an `add` per data file. Overwrite: a `remove` for every live file too.
  /// error_if_exists / ignore judge whether the table has a version.
  /// Throws: SchemaError for rows whose columns or types differ from the table's (unless
  /// overwrite_schema); StateError for a commit conflict, an append-only table, or a
  /// protocol setlpp cannot write; nothing is committed then.
  void write(const engine::Table& table, SaveMode mode) const override;
  bool exists() const override;
  /// The latest version's identity (or the time-travel version's).
  std::optional<std::string> fingerprint(bool content = false) const override;
  /// Copy-on-write: the new rows replace every live file in one commit, which conflicts
  /// with any concurrent change of the files it read.
  void upsert(const engine::Table& rows, const std::vector<std::string>& keys) const override;
  void delete_where(const engine::Expr& condition) const override;
  /// Removes the table's directory.
  void drop() const override;

  /// The latest version (-1 when there is no table).
  int64_t latest_version() const;
  /// Every version still in the log, oldest first.
  std::vector<DeltaVersion> history() const;
  /// Writes a checkpoint of the latest version (a UUID-named JSON checkpoint and
  /// _delta_log/_last_checkpoint). Throws: StateError for a table without the
  /// v2Checkpoint feature.
  void checkpoint() const;
  /// Removes data files that the latest version does not use and that were removed (or
  /// written and never committed) longer than `retention` ago. Time travel to versions
  /// older than the retention may then fail. Throws: StateError for a time-travel
  /// connector.
  DeltaVacuumResult vacuum(std::chrono::milliseconds retention = std::chrono::hours(24 * 7),
                           bool dry_run = false) const;

 private:
  std::filesystem::path path_;
  DeltaOptions options_;
};

}  // namespace setl::storage
