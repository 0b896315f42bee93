// A table stored as hive-style partitions: ROOT/key=value/.../part-N.<ext>, each file
// holding the rows of one combination of partition values (without those columns).
// Reads restore the partition columns and skip partitions a pushed-down filter excludes
// (Parquet parts also skip row groups by their statistics); writes split the table by the
// partition columns.
//
//   auto sales = make_connector<PartitionedConnector>("out/sales", PartitionFormat::kCsv,
//                                                       std::vector<std::string>{"year", "city"});
//   sales->write(table, SaveMode::kOverwrite);  // out/sales/year=2024/city=NYC/part-<id>-0.csv
//   sales->lazy().filter("year = 2024").collect();    // reads only year=2024 directories
//
// Partition keys and values are written as text ('/', '=', '%', '\\' and control
// characters %-escaped; NULL as __HIVE_DEFAULT_PARTITION__, the string of that name with
// its first '_' escaped; the empty string as "%") and read back as int64 when every value
// is an integer, date32 when every value is a date, float64 when every value is a number
// (NaN and infinities included), else string. Datasets written by other tools (no
// manifest) are read by listing their key=value directories.
#pragma once

#include <filesystem>
#include <functional>
#include <mutex>
#include <string>
#include <vector>

#include "setl/core/atomic_file.h"
#include "setl/core/communicator.h"
#include "setl/storage/file_connector.h"

namespace setl::storage {

/// The part files' format: kArrowIpc writes Arrow IPC files (".arrow"), mapped when read.
enum class PartitionFormat { kCsv, kJsonLines, kParquet, kArrowIpc };

/// Create with make_connector<PartitionedConnector>(root, format, partition_by). A scan's
/// stats count part files (units_total, and units_read after pruning by partition values).
class PartitionedConnector : public FileConnector {
 public:
  /// `partition_by` is needed to write; reading discovers the keys from the directories.
  PartitionedConnector(ConnectorKey key, std::filesystem::path root, PartitionFormat format,
                       std::vector<std::string> partition_by = {});

  engine::SchemaPtr schema() const override;
  engine::ScanResult scan(const engine::ScanRequest& request) const override;
  /// The selected partitions' files one after another, each streamed by its format.
  std::unique_ptr<engine::BatchStream> scan_stream(const engine::ScanRequest& request,
                                                   int64_t batch_bytes) const override;
  /// A distributed scan reads every shards-th of the files it selects (ScanRequest::shard).
  bool reads_shares() const override { return true; }
  /// Every write becomes visible at once: part files are written under names unique to
  /// the write, then ROOT/_setl_manifest.json, which lists the dataset's files, is
  /// replaced atomically (overwrite: the new files; append: old and new). Readers see the
  /// old or the new dataset, never a mix, and never none. Writers serialise on
  /// ROOT/.setl.lock; files a killed writer left behind are listed nowhere, invisible, and
  /// removed by the next write. An append killed before its commit leaves nothing behind,
  /// so retrying it adds its rows once.
  void write(const engine::Table& table, SaveMode mode) const override;
  /// Collective, for distributed runs: every rank passes its part of the rows (e.g.
  /// LazyFrame::collect_partition()) and writes it as part files; rank 0 then commits all
  /// ranks' files in one manifest, so readers see every rank's rows or none. The root must
  /// be one directory for every rank (a shared filesystem on several hosts). If a rank
  /// cannot write its files, every rank removes its own and throws IoError naming that
  /// rank; nothing is committed. The save mode is judged once, by rank 0.
  void write_parts(const engine::Table& part, SaveMode mode, Communicator& communicator) const;
  /// Collects the rows, then writes them as write() does.
  void write_stream(engine::BatchStream& rows, SaveMode mode) const override;
  /// True if the root is a directory holding part files.
  bool exists() const override;
  /// Adds the partition level kSuffixColumn above partition_by (which may then be empty);
  /// a dataset written with suffixes is written with suffixes from then on.
  void write_with_suffix(const engine::Table& table, SaveMode mode,
                         const std::string& suffix) const override;
  std::vector<std::string> list_partitions() const override;
  engine::Table load_partitions(const std::vector<std::string>& partitions) const override;

  /// The partition column of write_with_suffix(), SETL's name for it.
  static constexpr std::string_view kSuffixColumn = "_user_defined_suffix";

 protected:
  /// Read, changed and committed through the manifest under the dataset's lock.
  void upsert(const engine::Table& rows, const std::vector<std::string>& keys) const override;
  void delete_where(const engine::Expr& condition) const override;
  /// Removes the dataset's directory once no writer holds its lock.
  void drop() const override;
  /// Not used: write() commits through the manifest instead of one file.
  void write_file(const engine::Table& table, bool append) const override;

 private:
  engine::ScanResult scan_once(const engine::ScanRequest& request,
                               std::string& manifest_text) const;
  // Writes partitioned by `keys` with the dataset's lock held. `mode` judges and replaces
  // only the committed files below `scope` (a directory prefix; empty: all).
  // A write in three steps: what stays of the committed files (nullopt: the save mode
  // says to leave the dataset as it is); the new part files; the manifest listing both.
  std::optional<std::vector<std::string>> prepare_write(SaveMode mode,
                                                        const std::vector<std::string>& keys,
                                                        const std::string& scope) const;
  std::vector<std::string> write_part_files(const engine::Table& table,
                                            const std::vector<std::string>& keys) const;
  void remove_part_files(const std::vector<std::string>& written) const;
  void commit(std::vector<std::string> kept, const std::vector<std::string>& written) const;
  void write_locked(const engine::Table& table, SaveMode mode, const std::vector<std::string>& keys,
                    const std::string& scope) const;
  void check_partition_columns(const engine::Table& table) const;
  FileLock lock_dataset() const;
  // Reads the dataset (null when empty) and commits what `change` makes of it, under the
  // dataset's lock.
  void edit(const std::function<engine::Table(const engine::Table*)>& change) const;
  PartitionFormat format_;
  std::vector<std::string> partition_by_;
};

}  // namespace setl::storage
