// The Delta transaction log (private to the storage layer): actions parsed from and
// written to JSON, the snapshot a replay builds, listing the log, and the put-if-absent
// commit. Log files are untrusted: sizes, nesting and every field's type are checked.
#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace setl::storage::detail {

struct DeltaProtocol {
  int reader = 1;
  int writer = 2;
  std::vector<std::string> reader_features;
  std::vector<std::string> writer_features;
};

struct DeltaMetadata {
  std::string id;
  std::string schema_string;
  std::vector<std::string> partition_columns;
  std::map<std::string, std::string> configuration;
  std::optional<int64_t> created_time;
};

using PartitionValues = std::map<std::string, std::optional<std::string>>;

struct DeltaAdd {
  std::string path;  // decoded (the log holds it URI-encoded)
  PartitionValues partition_values;
  int64_t size = 0;
  int64_t modification_time = 0;
  bool data_change = true;
  std::optional<std::string> stats;
  bool deletion_vector = false;  // setlpp cannot apply deletion vectors
};

struct DeltaRemove {
  std::string path;
  int64_t deletion_timestamp = 0;
  bool data_change = true;
  PartitionValues partition_values;
  std::optional<int64_t> size;
};

/// The actions of one commit (or checkpoint) file.
struct DeltaActions {
  std::optional<DeltaProtocol> protocol;
  std::optional<DeltaMetadata> metadata;
  std::vector<DeltaAdd> adds;
  std::vector<DeltaRemove> removes;
  std::map<std::string, int64_t> transactions;  // txn: appId -> version
  std::optional<int64_t> checkpoint_version;    // checkpointMetadata.version
  std::string operation;                        // commitInfo.operation
  std::optional<int64_t> commit_timestamp;      // commitInfo.timestamp
};

/// Throws: ParseError naming `where` and the line for malformed JSON, nesting past 64,
/// or a known action whose required fields are missing or of the wrong type.
DeltaActions parse_delta_actions(std::string_view text, const std::string& where);
/// One JSON object per line: commitInfo (when `operation` is set), protocol, metaData,
/// txn, add, remove; checkpointMetadata first when `checkpoint_version` is set.
std::string serialize_delta_actions(const DeltaActions& actions);

struct DeltaSnapshot {
  int64_t version = -1;
  int64_t timestamp_ms = 0;
  DeltaProtocol protocol;
  DeltaMetadata metadata;
  std::map<std::string, DeltaAdd> files;
  std::map<std::string, DeltaRemove> tombstones;
  std::map<std::string, int64_t> transactions;
  bool any_invariants = false;  // a schema in the replayed log had column invariants

  /// Applies one version's actions (Delta's action reconciliation).
  void apply(const DeltaActions& actions);
};

struct DeltaLogListing {
  std::map<int64_t, std::filesystem::path> commits;
  std::map<int64_t, std::filesystem::path> checkpoints;  // UUID-named JSON ones
  std::map<int64_t, std::filesystem::path> parquet_checkpoints;
};

std::filesystem::path delta_log_directory(const std::filesystem::path& table);
/// "00000000000000000042.json".
std::string delta_commit_name(int64_t version);
DeltaLogListing list_delta_log(const std::filesystem::path& table);
/// The text of a log file (at most 256 MiB). Throws: IoError, ResourceError.
std::string read_log_file(const std::filesystem::path& file);

/// The snapshot at `version` (the latest when nullopt), replayed from the newest usable
/// checkpoint at or before it. Throws: IoError when there is no table or a version is
/// missing from the log; ParseError for a corrupt log file.
DeltaSnapshot load_delta_snapshot(const std::filesystem::path& table,
                                  std::optional<int64_t> version);
/// A file's modification time in milliseconds since the epoch (for a commit file, the
/// version's commit time, as the protocol says).
int64_t file_time_ms(const std::filesystem::path& file);
/// The wall clock in milliseconds since the epoch, the log's unit of time.
int64_t delta_now_ms();

/// Creates the commit file for `version` holding `text`, atomically and only if no
/// commit of that version exists. False when another writer created it first.
bool put_delta_commit(const std::filesystem::path& table, int64_t version, const std::string& text);

/// A random UUID (version 4), for table ids and file names.
std::string random_uuid();
/// RFC 2396 escaping of a relative path for the log, and back.
std::string encode_delta_path(std::string_view path);
std::string decode_delta_path(std::string_view path);

}  // namespace setl::storage::detail
