// The hash aggregation breaker. Each morsel is aggregated into a partial of its own on a
// worker; partials are merged into the global table strictly in morsel order, so groups
// keep their first-seen order and every accumulator sees its inputs in the same order on
// any thread count. When the table's reservation is refused it stops taking new groups:
// rows of known groups still merge in memory, rows of new groups are spilled by hash
// partition (one spill batch per morsel, in order), and each partition is aggregated on
// its own at the end — partials again per spilled morsel, so results are bit-identical
// to the in-memory run. New groups all come after the table's in first-seen order;
// partitions' groups are merged back into that order by their first row's position.

#include "engine/exec/merge.h"
#include "engine/exec/partition_writer.h"
#include "engine/exec/sequencer.h"
#include "engine/exec/sinks.h"
#include "engine/exec/spill.h"
#include "engine/operators/aggregate.h"
#include "engine/types/column_ops.h"
#include "engine/types/key_index.h"
#include "setl/core/cancellation.h"
#include "setl/engine/builder.h"

namespace setl::engine::detail {
namespace {

constexpr char kPosition[] = "__setl_position";
constexpr int64_t kAccumulatorBytesPerGroup = 32;

// Groups and accumulators: the global table, a morsel's partial, or a partition's table.
struct GroupTable {
  KeyIndex index{{}};
  std::vector<std::unique_ptr<Accumulator>> accumulators;
  std::vector<int64_t> first_rows;  // a partial: the row where each group first appears

  int64_t memory_bytes() const {
    return index.memory_bytes() +
           index.size() * kAccumulatorBytesPerGroup * static_cast<int64_t>(accumulators.size());
  }
};

struct Pending {
  GroupTable partial;
  RecordBatch batch;            // for spilling the rows of new groups
  std::vector<int64_t> groups;  // each row's group in `partial`, -1 if not selected
};

class AggregateSink : public BreakerSink {
 public:
  AggregateSink(QueryContext& query, SchemaPtr input, std::vector<std::string> keys,
                std::vector<Expr> aggregates, SchemaPtr distinct_schema)
      : query_(query), input_(std::move(input)), keys_(std::move(keys)) {
    std::vector<Field> fields;
    for (const std::string& key : keys_) {
      size_t index = input_->index_of(key);
      key_indexes_.push_back(index);
      key_types_.push_back(input_->field(index).type);
      fields.push_back(input_->field(index));
    }
    for (const Expr& aggregate : aggregates) {
      plans_.push_back(plan_aggregate(aggregate, *input_));
      fields.push_back({plans_.back().name, plans_.back().type, true});
    }
    output_ = distinct_schema ? distinct_schema : std::make_shared<Schema>(std::move(fields));
    global_ = make_table();
    if (keys_.empty()) {
      resize(global_, 1);
    }
    std::vector<Field> spilled = input_->fields();
    spilled.push_back({kPosition, DataType::int64(), false});
    spill_schema_ = std::make_shared<Schema>(std::move(spilled));
    std::vector<Field> grouped = output_->fields();
    grouped.push_back({kPosition, DataType::int64(), false});
    grouped_schema_ = std::make_shared<Schema>(std::move(grouped));
    if (query_.context.budget) {
      reservation_ = query_.context.budget->try_reserve(0, query_.holder(name()));
    }
  }

  ~AggregateSink() override {
    for (const SpillRun& run : runs_) {
      discard(query_.spill_space(), run);
    }
  }

  bool accepts_selection() const override { return true; }

  void consume(Morsel morsel) override {
    Pending pending;
    pending.partial = make_table();
    accumulate(pending.partial, morsel.batch, morsel.selection, pending.groups);
    pending.batch = morsel.batch;  // shared buffers: kept in case rows must be spilled
    merges_.submit(morsel.sequence, std::move(pending));
  }

  void skip(int64_t sequence) override { merges_.submit(sequence, std::nullopt); }

  void finish() override {
    if (!merges_.complete()) {
      throw InternalError("aggregate: morsels missing from the sequence");
    }
  }

  std::unique_ptr<BatchStream> output() override {
    Table in_memory = finish_table(global_, nullptr);
    if (!spilling_) {
      return stream_table(std::move(in_memory), query_.context.batch_bytes);
    }
    // The table's groups come first; on disk, so the partitions get the whole budget.
    SpillRun head = write_run(query_.spill_space(), in_memory, name(), int64_t{256} << 10);
    in_memory = Table();
    global_ = make_table();
    reservation_.shrink(reservation_.bytes());
    std::vector<SpillRun> grouped;
    for (auto& writer : writers_) {
      SpillRun run = writer->finish();
      aggregate_partition(run, 1, grouped);
      discard(query_.spill_space(), run);
    }
    writers_.clear();
    std::vector<MergeKey> by_position{{output_->num_fields(), false, true}};
    grouped =
        reduce_runs(query_.spill_space(), grouped, by_position, 32, name(), int64_t{256} << 10);
    runs_ = grouped;  // removed with the sink
    runs_.push_back(head);
    auto tail = merge_runs(grouped, by_position, output_, query_.context.batch_bytes);
    return concat_streams(std::make_unique<SpillReader>(head), std::move(tail), output_);
  }

 private:
  std::string name() const { return keys_.empty() ? "Aggregate" : "HashAggregate"; }

  GroupTable make_table() const {
    GroupTable table;
    table.index = KeyIndex(key_types_);
    for (const AggregatePlan& plan : plans_) {
      table.accumulators.push_back(make_accumulator(plan));
    }
    return table;
  }

  static void resize(GroupTable& table, int64_t groups) {
    for (auto& accumulator : table.accumulators) {
      accumulator->resize(groups);
    }
  }

  std::vector<ColumnPtr> key_columns(const RecordBatch& batch) const {
    std::vector<ColumnPtr> columns;
    for (size_t key : key_indexes_) {
      columns.push_back(batch.column(key));
    }
    return columns;
  }

  // Aggregates the selected rows of `batch` into `table`, noting each row's group and
  // each new group's first row.
  void accumulate(GroupTable& table, const RecordBatch& batch, const BufferPtr& selection,
                  std::vector<int64_t>& groups) const {
    int64_t rows = batch.num_rows();
    const uint8_t* selected = selection ? selection->data() : nullptr;
    int64_t before = keys_.empty() ? 1 : table.index.size();
    if (keys_.empty()) {
      groups.assign(static_cast<size_t>(rows), 0);
      for (int64_t row = 0; selected != nullptr && row < rows; ++row) {
        if (!get_bit(selected, row)) {
          groups[static_cast<size_t>(row)] = -1;
        }
      }
      resize(table, 1);
    } else {
      table.index.insert(key_columns(batch), rows, groups, selected);
      for (int64_t row = 0, next = before; row < rows; ++row) {
        if (groups[static_cast<size_t>(row)] == next) {
          table.first_rows.push_back(row);
          ++next;
        }
      }
      resize(table, table.index.size());
    }
    for (size_t a = 0; a < plans_.size(); ++a) {
      ColumnPtr input;
      if (plans_[a].input) {
        input = evaluate_column(*plans_[a].input, batch);
      }
      table.accumulators[a]->update(input.get(), groups, rows);
    }
  }

  void merge(Pending& pending, int64_t sequence) {
    current_cancellation().check();
    GroupTable& partial = pending.partial;
    int64_t local = keys_.empty() ? 1 : partial.index.size();
    std::vector<int64_t> mapping(static_cast<size_t>(local), 0);
    if (!keys_.empty()) {
      std::vector<ColumnPtr> partial_keys = partial.index.key_columns();
      if (spilling_) {
        global_.index.lookup(partial_keys, local, mapping);
        spill_new_groups(pending, mapping, sequence);
      } else {
        global_.index.insert(partial_keys, local, mapping);
      }
    }
    int64_t groups = keys_.empty() ? 1 : global_.index.size();
    for (size_t a = 0; a < plans_.size(); ++a) {
      global_.accumulators[a]->resize(groups);
      partial.accumulators[a]->resize(local);
      global_.accumulators[a]->merge(*partial.accumulators[a], mapping);
    }
    if (!spilling_ && query_.context.budget && !keys_.empty()) {
      int64_t needed = global_.memory_bytes() - reservation_.bytes();
      if (needed > 0 && !reserve(needed)) {
        spilling_ = true;  // the table takes no new groups from here on
      }
    }
  }

  bool reserve(int64_t bytes) { return reservation_.try_grow_reclaiming(bytes); }

  // Writes the rows whose group the global table does not hold, with their positions,
  // to their partitions' files: one spill batch per morsel and partition.
  void spill_new_groups(const Pending& pending, const std::vector<int64_t>& mapping,
                        int64_t sequence) {
    const RecordBatch& batch = pending.batch;
    int64_t rows = batch.num_rows();
    std::vector<uint64_t> hashes;
    global_.index.hash_rows(key_columns(batch), rows, hashes);
    std::vector<std::vector<int64_t>> by_partition(kPartitions);
    for (int64_t row = 0; row < rows; ++row) {
      int64_t group = pending.groups[static_cast<size_t>(row)];
      if (group >= 0 && mapping[static_cast<size_t>(group)] < 0) {
        by_partition[partition_of(hashes[static_cast<size_t>(row)], 0)].push_back(row);
      }
    }
    if (writers_.empty()) {
      for (size_t p = 0; p < by_partition.size(); ++p) {
        writers_.push_back(
            std::make_unique<SpillWriter>(query_.spill_space(), spill_schema_, name()));
      }
    }
    for (size_t p = 0; p < by_partition.size(); ++p) {
      if (!by_partition[p].empty()) {
        writers_[p]->write(tagged_rows(batch, by_partition[p], sequence));
      }
    }
  }

  RecordBatch tagged_rows(const RecordBatch& batch, const std::vector<int64_t>& rows,
                          int64_t sequence) const {
    std::vector<ColumnPtr> columns;
    for (const ColumnPtr& column : batch.columns()) {
      columns.push_back(take(*column, rows));
    }
    ColumnBuilder positions(DataType::int64(), static_cast<int64_t>(rows.size()));
    for (int64_t row : rows) {
      positions.append_int((sequence << 32) | row);
    }
    columns.push_back(positions.finish());
    return RecordBatch(spill_schema_, std::move(columns), static_cast<int64_t>(rows.size()));
  }

  // Aggregates one partition's spilled rows (batches in morsel order) into runs of
  // groups tagged with their first row's position; a partition too big for the budget is
  // split by further hash bits.
  void aggregate_partition(const SpillRun& run, int level, std::vector<SpillRun>& out) {
    if (run.rows == 0) {
      return;
    }
    GroupTable table = make_table();
    std::vector<int64_t> first_positions;
    memory::MemoryBudget::Reservation held;
    if (query_.context.budget) {
      held = query_.context.budget->try_reserve(0, query_.holder(name() + " partition"));
    }
    SpillReader reader(run);
    while (std::optional<RecordBatch> spilled = reader.next()) {
      current_cancellation().check();
      RecordBatch batch(
          input_, std::vector<ColumnPtr>(spilled->columns().begin(), spilled->columns().end() - 1),
          spilled->num_rows());
      const Column& positions = *spilled->columns().back();
      GroupTable partial = make_table();
      std::vector<int64_t> groups;
      accumulate(partial, batch, nullptr, groups);
      int64_t local = partial.index.size();
      std::vector<int64_t> mapping;
      int64_t before = table.index.size();
      table.index.insert(partial.index.key_columns(), local, mapping);
      // New groups get ids from `before` on, in the partial's order.
      for (int64_t i = 0; i < local; ++i) {
        if (mapping[static_cast<size_t>(i)] >= before) {
          first_positions.push_back(
              positions.values<int64_t>()[partial.first_rows[static_cast<size_t>(i)]]);
        }
      }
      for (size_t a = 0; a < plans_.size(); ++a) {
        table.accumulators[a]->resize(table.index.size());
        partial.accumulators[a]->resize(local);
        table.accumulators[a]->merge(*partial.accumulators[a], mapping);
      }
      if (query_.context.budget) {
        int64_t needed = table.memory_bytes() - held.bytes();
        if (needed > 0 && !held.try_grow_reclaiming(needed)) {
          if (level >= kMaxPartitionLevels) {
            held.grow(needed);  // throws OutOfMemoryError naming the operator
          }
          table = make_table();
          held.release();
          split_partition(run, level, out);
          return;
        }
      }
    }
    Table groups = finish_table(table, &first_positions);
    out.push_back(write_run(query_.spill_space(), groups, name(), int64_t{256} << 10));
  }

  void split_partition(const SpillRun& run, int level, std::vector<SpillRun>& out) {
    PartitionWriter writer(query_, spill_schema_, keys_, nullptr, name(), level);
    SpillReader reader(run);
    while (std::optional<RecordBatch> spilled = reader.next()) {
      current_cancellation().check();
      writer.write(0, *spilled);
    }
    for (const SpillRun& part : writer.finish()) {
      aggregate_partition(part, level + 1, out);
      discard(query_.spill_space(), part);
    }
  }

  // The table's groups as rows of the output schema, with their positions when given.
  Table finish_table(GroupTable& table, const std::vector<int64_t>* positions) const {
    int64_t groups = keys_.empty() ? 1 : table.index.size();
    std::vector<ColumnPtr> columns;
    if (!keys_.empty()) {
      columns = table.index.key_columns();
    }
    for (auto& accumulator : table.accumulators) {
      accumulator->resize(groups);
      columns.push_back(accumulator->finish(groups));
    }
    SchemaPtr schema = output_;
    if (positions != nullptr) {
      ColumnBuilder tags(DataType::int64(), groups);
      for (int64_t position : *positions) {
        tags.append_int(position);
      }
      columns.push_back(tags.finish());
      schema = grouped_schema_;
    }
    return Table(schema, {RecordBatch(schema, std::move(columns), groups)});
  }

  QueryContext& query_;
  SchemaPtr input_;
  std::vector<std::string> keys_;
  std::vector<size_t> key_indexes_;
  std::vector<DataType> key_types_;
  std::vector<AggregatePlan> plans_;
  SchemaPtr output_;
  SchemaPtr spill_schema_;
  SchemaPtr grouped_schema_;

  Sequencer<Pending> merges_{
      [this](int64_t sequence, Pending& pending) { merge(pending, sequence); }};
  GroupTable global_;
  bool spilling_ = false;
  memory::MemoryBudget::Reservation reservation_;
  std::vector<std::unique_ptr<SpillWriter>> writers_;
  std::vector<SpillRun> runs_;
};

}  // namespace

std::unique_ptr<BreakerSink> aggregate_sink(QueryContext& query, SchemaPtr input,
                                            std::vector<std::string> keys,
                                            std::vector<Expr> aggregates,
                                            SchemaPtr distinct_schema) {
  return std::make_unique<AggregateSink>(query, std::move(input), std::move(keys),
                                         std::move(aggregates), std::move(distinct_schema));
}

}  // namespace setl::engine::detail
