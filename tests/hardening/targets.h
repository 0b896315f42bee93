// The write targets the concurrency and crash tests share with setl_test_writer: a
// connector that reads back what the writer wrote, and the temporaries left behind.
#pragma once

#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "setl/core/atomic_file.h"
#include "setl/storage/arrow_ipc_connector.h"
#include "setl/storage/csv_connector.h"
#include "setl/storage/json_lines_connector.h"
#include "setl/storage/parquet_connector.h"
#include "setl/storage/partitioned_connector.h"

namespace setl::testing {

/// The part files' format of a "partitioned-<format>" kind.
inline storage::PartitionFormat partition_format(const std::string& kind) {
  return kind == "partitioned-csv"     ? storage::PartitionFormat::kCsv
         : kind == "partitioned-arrow" ? storage::PartitionFormat::kArrowIpc
                                       : storage::PartitionFormat::kParquet;
}

/// A reader of the target setl_test_writer writes for `kind`.
inline std::shared_ptr<storage::Connector> reader(const std::string& kind,
                                                  const std::filesystem::path& path) {
  if (kind == "jsonl") {
    return storage::make_connector<storage::JsonLinesConnector>(path);
  }
  if (kind == "parquet") {
    return storage::make_connector<storage::ParquetConnector>(path);
  }
  if (kind == "arrow") {
    return storage::make_connector<storage::ArrowIpcConnector>(path);
  }
  if (kind.starts_with("partitioned")) {
    return storage::make_connector<storage::PartitionedConnector>(path, partition_format(kind));
  }
  return storage::make_connector<storage::CsvConnector>(path);
}

/// The path setl_test_writer writes `kind` to inside `dir`.
inline std::filesystem::path target_path(const std::filesystem::path& dir,
                                         const std::string& kind) {
  return dir / (kind.starts_with("partitioned") ? "lake" : "target." + kind);
}

/// Temporaries of writers below the target's directory (a dataset root or a file's folder).
inline std::vector<std::string> leftovers(const std::filesystem::path& target) {
  std::vector<std::string> names;
  std::filesystem::path directory =
      std::filesystem::is_directory(target) ? target : target.parent_path();
  for (const auto& entry : std::filesystem::recursive_directory_iterator(directory)) {
    if (is_temporary_name(entry.path().filename().string())) {
      names.push_back(entry.path().string());
    }
  }
  return names;
}

}  // namespace setl::testing
