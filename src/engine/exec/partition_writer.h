// Hash partitioning to spill files (private to the engine): the grace hash join and the
// spilled window operator write rows, tagged with their input positions, to one file per
// key-hash partition and later process the partitions one at a time.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "engine/exec/pipeline.h"
#include "engine/exec/spill.h"
#include "engine/types/key_index.h"

namespace setl::engine::detail {

constexpr int kPartitionBits = 4;
constexpr size_t kPartitions = size_t{1} << kPartitionBits;
/// How often a partition that is still too large may be split again.
constexpr int kMaxPartitionLevels = 4;

/// The partition of a row hash at split `level` (0 for the first split). Takes the high
/// bits, as hash tables index their slots with the low ones.
size_t partition_of(uint64_t hash, int level);

/// `schema` with an int64 column `name` appended.
SchemaPtr with_position(const Schema& schema, const char* name);

/// Writes batches' rows to one spill file per key-hash partition, in the order given.
class PartitionWriter {
 public:
  /// With a `position_name`, each row gets a position column (sequence << 32 | row);
  /// without (nullptr), `schema` is already tagged and rows are copied as they are.
  PartitionWriter(QueryContext& query, SchemaPtr schema, const std::vector<std::string>& keys,
                  const char* position_name, std::string operator_name, int level = 0);

  void write(int64_t sequence, const RecordBatch& batch);
  /// The partitions' files, kPartitions of them (empty runs where nothing was written).
  std::vector<SpillRun> finish();
  const SchemaPtr& tagged_schema() const { return tagged_; }

 private:
  QueryContext& query_;
  SchemaPtr schema_;
  SchemaPtr tagged_;
  bool add_position_;
  std::string operator_name_;
  int level_;
  std::vector<size_t> key_indexes_;
  std::unique_ptr<KeyIndex> hasher_;
  std::vector<std::unique_ptr<SpillWriter>> writers_;
};

/// Every batch of `run` as one batch (a run with no rows: an empty batch).
RecordBatch read_all(const SpillRun& run);

/// Owns runs a result stream still reads, so they are removed with the query. Not
/// copyable: a copy would remove the files when either is destroyed.
struct RunOwner {
  QueryContext& query;
  std::vector<SpillRun> runs;
  RunOwner(QueryContext& owner_query, std::vector<SpillRun> owned)
      : query(owner_query), runs(std::move(owned)) {}
  RunOwner(const RunOwner&) = delete;
  RunOwner& operator=(const RunOwner&) = delete;
  ~RunOwner() {
    for (const SpillRun& run : runs) {
      discard(query.spill_space(), run);
    }
  }
};

}  // namespace setl::engine::detail
