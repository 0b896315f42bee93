// The sort breaker: a stable sort in memory while its reservation grows; past that —
// or when another part of the run needs the memory and the budget asks the sort to give
// it back — sorted runs tagged with each row's input position go to spill files and a
// k-way merge on (keys, position) streams the result, equal to the in-memory sort.
#include <atomic>
#include <map>
#include <mutex>
#include <optional>

#include <oneapi/tbb/task_arena.h>

#include "engine/exec/merge.h"
#include "engine/exec/sinks.h"
#include "setl/engine/builder.h"

namespace setl::engine::detail {
namespace {

constexpr char kPosition[] = "__setl_position";
constexpr int64_t kRunChunkBytes = int64_t{256} << 10;
constexpr size_t kMaxFanIn = 32;
// Sorting a buffer holds it three times (the batches, their concatenation, the sorted
// copy): each batch reserves what it holds plus two copies of its rows, so a run's sort
// stays within the budget.
constexpr int64_t kSortCopies = 2;

// A column of `rows` input positions of batch `sequence`: sequence << 32 | row.
ColumnPtr positions(int64_t sequence, int64_t rows) {
  ColumnBuilder builder(DataType::int64(), rows);
  for (int64_t row = 0; row < rows; ++row) {
    builder.append_int((sequence << 32) | row);
  }
  return builder.finish();
}

// Marks a sink broken unless the work it guards completes.
struct BreakOnThrow {
  bool& broken;
  bool done = false;
  ~BreakOnThrow() {
    if (!done) {
      broken = true;
    }
  }
};

class SortSink : public BreakerSink, private memory::Reclaimer {
 public:
  SortSink(QueryContext& query, SchemaPtr schema, std::vector<SortKey> keys)
      : query_(query), schema_(std::move(schema)), keys_(std::move(keys)) {
    std::vector<Field> fields = schema_->fields();
    fields.push_back({kPosition, DataType::int64(), false});
    run_schema_ = std::make_shared<Schema>(std::move(fields));
    for (const SortKey& key : keys_) {
      merge_keys_.push_back({schema_->index_of(key.column), key.descending,
                             key.nulls_first.value_or(!key.descending)});
    }
    merge_keys_.push_back({schema_->num_fields(), false, true});
    if (query_.context.budget) {
      reservation_ = query_.context.budget->try_reserve(0, query_.holder("Sort"));
      registration_.emplace(query_.context.budget, static_cast<memory::Reclaimer*>(this));
    }
  }

  ~SortSink() override {
    registration_.reset();  // no reclaim round may reach a sink being destroyed
    for (const SpillRun& run : runs_) {
      discard(query_.spill_space(), run);
    }
  }

  void consume(Morsel morsel) override {
    int64_t bytes = held_bytes(morsel.batch) + batch_bytes(morsel.batch) * kSortCopies;
    // Reserved without the lock: the reclaim round this may start can ask this sink to
    // spill (which takes the lock), as it asks any other.
    memory::MemoryBudget::Reservation incoming;
    if (query_.context.budget) {
      incoming = query_.context.budget->try_reserve(0, query_.holder("Sort"));
      if (!incoming.try_grow_reclaiming(bytes)) {
        spill_buffered();
        try {
          incoming.grow(bytes);  // one batch does not fit: OutOfMemoryError names us
        } catch (const OutOfMemoryError&) {
          if (broken()) {
            return;  // a spill failed on another thread: that error is the query's
          }
          throw;
        }
      }
    }
    std::lock_guard lock(mutex_);
    if (broken_) {
      return;  // a spill failed: that error is the query's, not one this batch would add
    }
    reservation_.absorb(std::move(incoming));
    buffered_ += bytes;
    buffer_.emplace(morsel.sequence, std::move(morsel.batch));
  }

  void finish() override {
    std::lock_guard lock(mutex_);
    outputting_ = true;  // what is buffered becomes the output: no more spilling it
    if (!runs_.empty() && !buffer_.empty()) {
      spill_buffer();
    }
  }

  std::unique_ptr<BatchStream> output() override {
    int64_t batch = query_.context.batch_bytes;
    if (runs_.empty()) {
      Table sorted = buffered_table(false).sort(keys_);
      buffer_.clear();
      return stream_table(std::move(sorted), batch);
    }
    // Each open run holds one chunk in memory while merging.
    std::vector<SpillRun> runs = reduce_runs(query_.spill_space(), std::move(runs_), merge_keys_,
                                             kMaxFanIn, "Sort", kRunChunkBytes);
    runs_ = runs;  // removed with the sink
    return merge_runs(std::move(runs), merge_keys_, schema_, batch);
  }

 private:
  std::string reclaimer_name() const override { return query_.holder("Sort"); }
  int64_t reclaimable_bytes() const override { return buffered_.load(); }
  int64_t reclaim(int64_t /*bytes*/) override { return spill_buffered(); }

  bool broken() {
    std::lock_guard lock(mutex_);
    return broken_;
  }

  // Spills what is buffered, unless the sink is finishing; returns the bytes it gave back.
  int64_t spill_buffered() {
    std::lock_guard lock(mutex_);
    if (broken_ || outputting_ || buffer_.empty()) {
      return 0;
    }
    BreakOnThrow guard{broken_};
    int64_t freed = reservation_.bytes();
    spill_buffer();
    guard.done = true;
    return freed;
  }

  // The buffered batches in input order, with their positions when `tagged`.
  Table buffered_table(bool tagged) {
    std::vector<RecordBatch> batches;
    SchemaPtr schema = tagged ? run_schema_ : schema_;
    for (auto& [sequence, batch] : buffer_) {
      std::vector<ColumnPtr> columns = batch.columns();
      if (tagged) {
        columns.push_back(positions(sequence, batch.num_rows()));
      }
      batches.emplace_back(schema, std::move(columns), batch.num_rows());
    }
    return Table(schema, std::move(batches));
  }

  // Sorts the buffer into a run on disk and gives its memory back. Runs under the lock,
  // reserving nothing (a reclaim round may be waiting for the lock); isolated, so this
  // thread does not pick up another consume() while it waits.
  void spill_buffer() {
    tbb::this_task_arena::isolate([&] {
      Table sorted = buffered_table(true).sort(keys_);
      buffer_.clear();
      runs_.push_back(write_run(query_.spill_space(), sorted, "Sort", kRunChunkBytes));
    });
    buffered_ = 0;
    reservation_.shrink(reservation_.bytes());
  }

  QueryContext& query_;
  SchemaPtr schema_;
  SchemaPtr run_schema_;
  std::vector<SortKey> keys_;
  std::vector<MergeKey> merge_keys_;
  std::mutex mutex_;
  bool broken_ = false;
  bool outputting_ = false;
  std::map<int64_t, RecordBatch> buffer_;
  std::atomic<int64_t> buffered_ = 0;
  memory::MemoryBudget::Reservation reservation_;
  std::vector<SpillRun> runs_;
  std::optional<memory::ReclaimerRegistration> registration_;
};

}  // namespace

std::unique_ptr<BreakerSink> sort_sink(QueryContext& query, SchemaPtr schema,
                                       std::vector<SortKey> keys) {
  return std::make_unique<SortSink>(query, std::move(schema), std::move(keys));
}

}  // namespace setl::engine::detail
