// The window breaker. A window function needs all rows of a partition at once, so the
// sink holds its input while its reservation grows. Past it, a window with PARTITION BY
// sends rows, tagged with their input positions, to spill files by partition-key hash
// (so every window partition lands whole in one file) and evaluates the files one at a
// time, splitting a file again when it does not fit; each file's result is in input
// order, and a merge on the position restores the in-memory result's order. A window
// over the whole input (no PARTITION BY) cannot be split: it holds all rows or fails with
// OutOfMemoryError naming it.
#include <map>
#include <mutex>

#include "engine/exec/held_rows.h"
#include "engine/exec/merge.h"
#include "engine/exec/partition_writer.h"
#include "engine/exec/sequencer.h"
#include "engine/exec/sinks.h"
#include "setl/core/cancellation.h"

namespace setl::engine::detail {
namespace {

constexpr char kPosition[] = "__setl_window_position";
constexpr int64_t kRunChunkBytes = int64_t{256} << 10;
// Evaluating holds the rows, their concatenation, the sort order and the new column:
// what the batches hold plus about two copies of their rows.
constexpr int64_t kWindowCopies = 2;

int64_t work_bytes(const RecordBatch& batch) {
  return held_bytes(batch) + batch_bytes(batch) * kWindowCopies;
}

class WindowSink : public SequencedSink<BreakerSink> {
 public:
  WindowSink(QueryContext& query, SchemaPtr input, SchemaPtr output, std::string name,
             Expr function)
      : SequencedSink("window"),
        query_(query),
        input_(std::move(input)),
        output_(std::move(output)),
        name_(std::move(name)),
        function_(std::move(function)),
        keys_(function_.window().partition_by),
        held_(query, "Window", input_, keys_, kPosition) {}

  void finish() override {
    SequencedSink::finish();
    held_.close();
  }

  ~WindowSink() override {
    for (const SpillRun& run : results_) {
      discard(query_.spill_space(), run);
    }
  }

  std::unique_ptr<BatchStream> output() override {
    if (!held_.partitioned()) {
      Table rows = held_table();
      return stream_table(rows.with_column(name_, function_), query_.context.batch_bytes);
    }
    std::vector<SpillRun> results;
    for (const SpillRun& run : held_.partitions().finish()) {
      evaluate_partition(run, 0, results);
      discard(query_.spill_space(), run);
    }
    std::vector<MergeKey> order{{output_->num_fields(), false, true}};
    results =
        reduce_runs(query_.spill_space(), std::move(results), order, 32, "Window", kRunChunkBytes);
    results_ = results;  // removed with the sink, which outlives its output
    return merge_runs(std::move(results), order, output_, query_.context.batch_bytes);
  }

 private:
  void step(int64_t sequence, RecordBatch& batch) override {
    current_cancellation().check();
    // Without PARTITION BY the rows cannot be split: a refusal is an OutOfMemoryError.
    held_.add(sequence, batch, work_bytes(batch));
  }

  Table held_table() {
    std::vector<RecordBatch> batches;
    for (auto& [sequence, batch] : held_.held()) {
      batches.emplace_back(input_, batch.columns(), batch.num_rows());
    }
    held_.held().clear();
    return Table(input_, std::move(batches));
  }

  // Evaluates the window over one partition file (its rows in input order) and writes
  // the result, still in input order, with the positions as the last column.
  void evaluate_partition(const SpillRun& run, int level, std::vector<SpillRun>& out) {
    if (run.rows == 0) {
      return;
    }
    current_cancellation().check();
    memory::MemoryBudget::Reservation held;
    if (query_.context.budget) {
      held = query_.context.budget->try_reserve(0, query_.holder("Window partition"));
      int64_t needed = run.bytes * (1 + kWindowCopies);  // read back compactly
      if (!held.try_grow_reclaiming(needed)) {
        if (level < kMaxPartitionLevels) {
          split_partition(run, level + 1, out);
          return;
        }
        held.grow(needed);  // one window partition larger than the budget
      }
    }
    Table rows(run.schema, {read_all(run)});
    Table evaluated = rows.with_column(name_, function_);
    std::vector<std::string> columns = output_->names();
    columns.emplace_back(kPosition);
    out.push_back(
        write_run(query_.spill_space(), evaluated.select(columns), "Window", kRunChunkBytes));
  }

  void split_partition(const SpillRun& run, int level, std::vector<SpillRun>& out) {
    PartitionWriter writer(query_, run.schema, keys_, nullptr, "Window", level);
    SpillReader reader(run);
    while (std::optional<RecordBatch> batch = reader.next()) {
      current_cancellation().check();
      writer.write(0, *batch);
    }
    for (const SpillRun& part : writer.finish()) {
      evaluate_partition(part, level, out);
      discard(query_.spill_space(), part);
    }
  }

  QueryContext& query_;
  SchemaPtr input_;
  SchemaPtr output_;
  std::string name_;
  Expr function_;
  std::vector<std::string> keys_;
  HeldRows held_;
  std::vector<SpillRun> results_;
};

}  // namespace

std::unique_ptr<BreakerSink> window_sink(QueryContext& query, SchemaPtr input, SchemaPtr output,
                                         std::string name, Expr function) {
  return std::make_unique<WindowSink>(query, std::move(input), std::move(output), std::move(name),
                                      std::move(function));
}

}  // namespace setl::engine::detail
