// The hash join's build table (private to the engine), shared by Table::join and the
// pipeline executor: built from the right side's rows, probed by left batches, possibly
// from several threads at once. Output: left columns, then right columns except keys
// named like their left key (clashing right names get a suffix); semi and anti joins
// give left columns only. NULL keys never match.
#pragma once

#include <atomic>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "engine/operators/packed_join_keys.h"
#include "engine/types/key_index.h"
#include "setl/engine/table.h"

namespace setl::engine::detail {

struct JoinSpec {
  std::vector<std::string> left_on;
  std::vector<std::string> right_on;
  JoinType type = JoinType::kInner;
  std::string right_suffix = "_right";
  /// Besides equal keys, what a pair of rows must satisfy to match (see JoinOptions).
  std::optional<Expr> condition;
};

/// The schema a join condition reads: the left columns, then every right column (named
/// with the suffix where the left has the name).
SchemaPtr condition_schema(const Schema& left, const Schema& right, const std::string& suffix);

class JoinHashTable {
 public:
  /// Checks the keys (same count, compatible types) and the output names.
  /// Throws: SchemaError.
  JoinHashTable(SchemaPtr left, SchemaPtr right, JoinSpec spec);
  JoinHashTable(const JoinHashTable&) = delete;
  JoinHashTable& operator=(const JoinHashTable&) = delete;

  /// The join's output schema (known before building).
  const SchemaPtr& output_schema() const noexcept { return output_; }
  /// Builds from the right side's rows (once).
  void build(RecordBatch right);
  /// The joined rows of one left batch: in its row order, each row's matches in build
  /// order. Safe to call concurrently.
  RecordBatch probe(const RecordBatch& left);
  /// For right and full joins, after every probe: the build rows no probe matched.
  std::optional<RecordBatch> unmatched_build_rows() const;
  /// About the bytes the built table holds.
  int64_t memory_bytes() const;

 private:
  RecordBatch assemble(const RecordBatch& left, const std::vector<int64_t>& left_rows,
                       const std::vector<int64_t>& right_rows) const;
  int64_t next_match(int64_t match) const;
  // Keeps the candidate pairs the condition holds for (TRUE, not NULL).
  void keep_satisfying(const RecordBatch& left, std::vector<int64_t>& left_rows,
                       std::vector<int64_t>& right_rows) const;

  SchemaPtr left_;
  SchemaPtr right_;
  JoinSpec spec_;
  std::vector<size_t> left_keys_;
  std::vector<size_t> right_keys_;
  std::vector<DataType> key_types_;
  std::vector<std::pair<size_t, size_t>> merged_;  // left column, right column of one key
  std::vector<size_t> right_output_;
  SchemaPtr output_;

  RecordBatch build_;
  // Integer keys use the packed table; other keys the general index with chains.
  std::unique_ptr<PackedKeyTable> packed_;
  KeyIndex index_;
  std::vector<int64_t> head_;
  std::vector<int64_t> next_;
  std::unique_ptr<std::atomic<uint8_t>[]> matched_;
  // The condition over the columns it reads (left ones first), bound once.
  struct BoundCondition;
  std::shared_ptr<const BoundCondition> condition_;
};

}  // namespace setl::engine::detail
