#include "engine/exec/partition_writer.h"

#include "engine/types/column_ops.h"
#include "setl/engine/builder.h"

namespace setl::engine::detail {

size_t partition_of(uint64_t hash, int level) {
  return static_cast<size_t>((hash >> (64 - kPartitionBits * (level + 1))) & (kPartitions - 1));
}

SchemaPtr with_position(const Schema& schema, const char* name) {
  std::vector<Field> fields = schema.fields();
  fields.push_back({name, DataType::int64(), true});
  return std::make_shared<Schema>(std::move(fields));
}

PartitionWriter::PartitionWriter(QueryContext& query, SchemaPtr schema,
                                 const std::vector<std::string>& keys, const char* position_name,
                                 std::string operator_name, int level)
    : query_(query),
      schema_(std::move(schema)),
      tagged_(position_name ? with_position(*schema_, position_name) : schema_),
      add_position_(position_name != nullptr),
      operator_name_(std::move(operator_name)),
      level_(level) {
  std::vector<DataType> types;
  for (const std::string& key : keys) {
    key_indexes_.push_back(schema_->index_of(key));
    types.push_back(schema_->field(key_indexes_.back()).type);
  }
  hasher_ = std::make_unique<KeyIndex>(std::move(types));
}

void PartitionWriter::write(int64_t sequence, const RecordBatch& batch) {
  if (writers_.empty()) {
    for (size_t p = 0; p < kPartitions; ++p) {
      writers_.push_back(
          std::make_unique<SpillWriter>(query_.spill_space(), tagged_, operator_name_));
    }
  }
  std::vector<ColumnPtr> keys;
  for (size_t key : key_indexes_) {
    keys.push_back(batch.column(key));
  }
  std::vector<uint64_t> hashes;
  hasher_->hash_rows(keys, batch.num_rows(), hashes);
  std::vector<std::vector<int64_t>> rows(kPartitions);
  for (int64_t row = 0; row < batch.num_rows(); ++row) {
    rows[partition_of(hashes[static_cast<size_t>(row)], level_)].push_back(row);
  }
  for (size_t p = 0; p < kPartitions; ++p) {
    if (rows[p].empty()) {
      continue;
    }
    std::vector<ColumnPtr> columns;
    for (const ColumnPtr& column : batch.columns()) {
      columns.push_back(take(*column, rows[p]));
    }
    if (add_position_) {
      ColumnBuilder positions(DataType::int64(), static_cast<int64_t>(rows[p].size()));
      for (int64_t row : rows[p]) {
        positions.append_int((sequence << 32) | row);
      }
      columns.push_back(positions.finish());
    }
    writers_[p]->write(
        RecordBatch(tagged_, std::move(columns), static_cast<int64_t>(rows[p].size())));
  }
}

std::vector<SpillRun> PartitionWriter::finish() {
  std::vector<SpillRun> runs;
  for (auto& writer : writers_) {
    runs.push_back(writer->finish());
  }
  writers_.clear();
  while (runs.size() < kPartitions) {
    runs.push_back(SpillRun{{}, tagged_, 0, 0});
  }
  return runs;
}

RecordBatch read_all(const SpillRun& run) {
  std::vector<RecordBatch> batches;
  if (run.rows > 0) {
    SpillReader reader(run);
    while (std::optional<RecordBatch> batch = reader.next()) {
      batches.push_back(std::move(*batch));
    }
  }
  return Table(run.schema, std::move(batches)).combine();
}

}  // namespace setl::engine::detail
