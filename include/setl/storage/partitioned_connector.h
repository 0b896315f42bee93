// A table stored as hive-style partitions: ROOT/key=value/.../part-N.<ext>, each file
// holding the rows of one combination of partition values (without those columns).
// Reads restore the partition columns and skip partitions a pushed-down filter excludes
// (Parquet parts also skip row groups by their statistics); writes split the table by the
// partition columns.
//
//   auto sales = std::make_shared<PartitionedConnector>("out/sales", PartitionFormat::kCsv,
//                                                       std::vector<std::string>{"year", "city"});
//   sales->write(table, SaveMode::kOverwrite);        // out/sales/year=2024/city=NYC/part-0.csv
//   sales->lazy().filter("year = 2024").collect();    // reads only year=2024 directories
//
// Partition values are written as text (NULL as __HIVE_DEFAULT_PARTITION__, '/', '=', '%'
// and control characters %-escaped) and read back as int64 when every value is an integer,
// date32 when every value is a date, else string.
#pragma once

#include <filesystem>
#include <mutex>
#include <string>
#include <vector>

#include "setl/storage/connector.h"

namespace setl::storage {

enum class PartitionFormat { kCsv, kJsonLines, kParquet };

class PartitionedConnector : public Connector {
 public:
  /// `partition_by` is needed to write; reading discovers the keys from the directories.
  PartitionedConnector(std::filesystem::path root, PartitionFormat format,
                       std::vector<std::string> partition_by = {});

  engine::SchemaPtr schema() const override;
  std::string describe() const override;
  engine::Table scan(const engine::ScanRequest& request) const override;
  /// Overwrite replaces the whole directory tree atomically (a new tree is built beside
  /// it and swapped in); append adds new part files.
  void write(const engine::Table& table, SaveMode mode) override;
  bool exists() const override;
  std::optional<std::string> fingerprint(bool content = false) const override {
    return fingerprint_of(root_, content);
  }

  /// Partition directories the last scan read (after pruning), for tests and logs.
  int64_t last_partitions_read() const;

 private:
  std::filesystem::path root_;
  PartitionFormat format_;
  std::vector<std::string> partition_by_;
  mutable std::mutex mutex_;
  mutable int64_t last_partitions_read_ = 0;
};

}  // namespace setl::storage
