// Spill files (private to the engine): operators that run out of memory write batches
// here and read them back in order. A SpillSpace is one query's directory below the
// configured spill dir; it enforces the spill cap, counts what is written and removes
// every file when the query ends, whether it succeeded, failed or was cancelled.
#pragma once

#include <atomic>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

#include "setl/core/memory_context.h"
#include "setl/engine/scan_source.h"

namespace setl::engine::detail {

/// A finished spill file: its batches can be read back any number of times.
struct SpillRun {
  std::filesystem::path path;
  SchemaPtr schema;
  int64_t rows = 0;
  int64_t bytes = 0;
};

class SpillSpace {
 public:
  /// Nothing is created until the first file. `context` gives the directory, the cap,
  /// the counters and the owner named in errors.
  explicit SpillSpace(const MemoryContext& context);
  ~SpillSpace();
  SpillSpace(const SpillSpace&) = delete;
  SpillSpace& operator=(const SpillSpace&) = delete;

  /// A new file's path, for `operator_name` (creates the query's directory).
  std::filesystem::path new_file(const std::string& operator_name);
  /// Counts `bytes` about to be written by `operator_name`. Throws: SpillLimitError.
  void charge(int64_t bytes, const std::string& operator_name);
  /// Gives back the bytes of a removed file.
  void refund(int64_t bytes) noexcept;
  int64_t bytes_in_use() const noexcept { return in_use_.load(); }
  const std::string& owner() const noexcept { return owner_; }

 private:
  std::filesystem::path base_;
  std::filesystem::path directory_;
  int64_t max_bytes_;
  std::string owner_;
  std::shared_ptr<MemoryCounters> counters_;
  std::mutex mutex_;
  std::atomic<int64_t> in_use_{0};
  int64_t files_ = 0;
};

/// Writes batches of one schema to a new spill file.
class SpillWriter {
 public:
  SpillWriter(SpillSpace& space, SchemaPtr schema, std::string operator_name);
  ~SpillWriter();  // removes an unfinished file
  SpillWriter(const SpillWriter&) = delete;
  SpillWriter& operator=(const SpillWriter&) = delete;

  /// Throws: IoError (disk full, ...), SpillLimitError.
  void write(const RecordBatch& batch);
  /// Flushes and closes the file. Throws: IoError.
  SpillRun finish();
  int64_t rows() const noexcept { return run_.rows; }

 private:
  void put(const void* data, size_t size);
  void put_bits(const uint8_t* bits, int64_t offset, int64_t length);

  SpillSpace& space_;
  std::string operator_name_;
  SpillRun run_;
  std::FILE* file_ = nullptr;
};

/// Reads a spill file's batches back in the order they were written.
class SpillReader : public BatchStream {
 public:
  explicit SpillReader(SpillRun run);
  ~SpillReader() override;
  SpillReader(const SpillReader&) = delete;
  SpillReader& operator=(const SpillReader&) = delete;

  const SchemaPtr& schema() const override { return run_.schema; }
  /// Throws: IoError when the file is damaged (sizes are checked against the file).
  std::optional<RecordBatch> next() override;

 private:
  void get(void* data, size_t size);
  BufferPtr get_buffer(uint64_t size);

  SpillRun run_;
  std::FILE* file_ = nullptr;
  int64_t remaining_bytes_ = 0;
};

/// Removes a run's file and gives its bytes back to `space`.
void discard(SpillSpace& space, const SpillRun& run) noexcept;

}  // namespace setl::engine::detail
