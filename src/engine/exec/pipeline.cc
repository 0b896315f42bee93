#include "engine/exec/pipeline.h"

#include <atomic>
#include <climits>
#include <exception>
#include <mutex>

#include <oneapi/tbb/task_group.h>

#include "engine/exec/merge.h"
#include "engine/exec/spill.h"
#include "engine/operators/parallel.h"
#include "engine/types/column_ops.h"
#include "setl/core/cancellation.h"
#include "setl/core/job_group.h"
#include "setl/core/process_memory.h"
#include "setl/engine/execution.h"

namespace setl::engine::detail {

int64_t Morsel::selected_rows() const {
  return selection ? count_set_bits(selection->data(), 0, batch.num_rows()) : batch.num_rows();
}

RecordBatch Morsel::materialize() const {
  if (!selection) {
    return batch;
  }
  std::vector<int64_t> rows = selected_indices(selection, batch.num_rows());
  std::vector<ColumnPtr> columns;
  for (const ColumnPtr& column : batch.columns()) {
    columns.push_back(take(*column, rows));
  }
  return RecordBatch(batch.schema(), std::move(columns), static_cast<int64_t>(rows.size()));
}

SpillSpace& QueryContext::spill_space() {
  if (!spill) {
    spill = std::make_shared<SpillSpace>(context);
  }
  return *spill;
}

std::string QueryContext::holder(const std::string& operator_name) const {
  return context.owner.empty() ? operator_name : operator_name + " (" + context.owner + ")";
}

namespace {

// Runs `morsel` through transforms [first, end) into `sink`.
void push(const std::vector<std::shared_ptr<Transform>>& transforms, size_t first, Morsel morsel,
          Sink& sink) {
  for (size_t i = first; i < transforms.size(); ++i) {
    if (morsel.selection && !transforms[i]->accepts_selection()) {
      morsel.batch = morsel.materialize();
      morsel.selection = nullptr;
    }
    if (morsel.batch.num_rows() == 0 || !transforms[i]->apply(morsel)) {
      sink.skip(morsel.sequence);
      return;
    }
  }
  if (morsel.selection && !sink.accepts_selection()) {
    morsel.batch = morsel.materialize();
    morsel.selection = nullptr;
  }
  if (morsel.batch.num_rows() > 0) {
    sink.consume(std::move(morsel));
  } else {
    sink.skip(morsel.sequence);
  }
}

// Batches read ahead and waiting for a worker count in the budget: the reader reads ahead
// only while there is room (at most an eighth of the budget, so that read-ahead never
// crowds out the operators), else it processes the batch itself. A batch a worker has
// taken is the operators' to reserve.
class ReadAheadBytes {
 public:
  explicit ReadAheadBytes(const MemoryContext& context) {
    if (context.budget) {
      reservation_ = context.budget->try_reserve(
          0, "read-ahead batches" + (context.owner.empty() ? "" : " (" + context.owner + ")"));
      counted_ = true;
      cap_ = context.budget->limit() > 0 ? context.budget->limit() / 8 : INT64_MAX;
    }
  }
  bool take(int64_t bytes) {
    std::lock_guard lock(mutex_);
    return !counted_ || (reservation_.bytes() + bytes <= cap_ && reservation_.try_grow(bytes));
  }
  void give_back(int64_t bytes) {
    std::lock_guard lock(mutex_);
    reservation_.shrink(bytes);
  }

 private:
  std::mutex mutex_;
  bool counted_ = false;
  int64_t cap_ = INT64_MAX;
  memory::MemoryBudget::Reservation reservation_;
};

}  // namespace

void run_pipeline(Pipeline& pipeline, Sink& sink) {
  memory::keep_freed_heap_memory();  // operators free and reallocate buffers per morsel
  CancellationToken token = current_cancellation();
  JobContext context = JobContext::capture();
  int64_t sequence = 0;
  const auto& transforms = pipeline.transforms;
  int threads = num_threads();
  if (threads <= 1) {
    while (!sink.satisfied()) {
      token.check();
      std::optional<RecordBatch> batch = pipeline.source->next();
      if (!batch) {
        break;
      }
      report_progress(batch->num_rows());
      push(transforms, 0, Morsel{sequence++, std::move(*batch), nullptr}, sink);
    }
  } else {
    std::exception_ptr error;
    std::mutex error_mutex;
    std::atomic<bool> failed{false};
    std::atomic<int> in_flight{0};
    const MemoryContext& memory = current_memory_context();
    const int max_in_flight = memory.max_batches_in_flight > 0
                                  ? static_cast<int>(memory.max_batches_in_flight)
                                  : 2 * threads;
    ReadAheadBytes read_ahead(memory);
    auto guarded = [&](Morsel morsel) {
      try {
        token.check();
        push(transforms, 0, std::move(morsel), sink);
      } catch (...) {
        std::lock_guard lock(error_mutex);
        if (!error) {
          error = std::current_exception();
        }
        failed = true;
      }
    };
    in_arena([&] {
      tbb::task_group group;
      try {
        while (!failed && !sink.satisfied()) {
          token.check();
          std::optional<RecordBatch> batch = pipeline.source->next();
          if (!batch) {
            break;
          }
          report_progress(batch->num_rows());
          Morsel morsel{sequence++, std::move(*batch), nullptr};
          int64_t bytes = held_bytes(morsel.batch);
          if (in_flight.load() >= max_in_flight || !read_ahead.take(bytes)) {
            guarded(std::move(morsel));  // the reader helps: backpressure
            continue;
          }
          ++in_flight;
          auto task = std::make_shared<Morsel>(std::move(morsel));
          group.run([&, task, bytes] {
            read_ahead.give_back(bytes);
            JobContextScope scope(context);
            TaskThreadsScope threads_scope(threads);
            guarded(std::move(*task));
            --in_flight;
          });
        }
      } catch (...) {
        std::lock_guard lock(error_mutex);
        if (!error) {
          error = std::current_exception();
        }
        failed = true;
      }
      group.wait();
    });
    if (error) {
      std::rethrow_exception(error);
    }
  }
  for (size_t i = 0; i < transforms.size(); ++i) {
    if (std::optional<RecordBatch> extra = transforms[i]->finish()) {
      push(transforms, i + 1, Morsel{sequence++, std::move(*extra), nullptr}, sink);
    }
  }
  sink.finish();
}

namespace {

class PipelineStream : public BatchStream {
 public:
  PipelineStream(Pipeline pipeline, SchemaPtr schema)
      : pipeline_(std::move(pipeline)), schema_(std::move(schema)) {}
  const SchemaPtr& schema() const override { return schema_; }
  std::optional<RecordBatch> next() override {
    while (true) {
      std::optional<RecordBatch> batch;
      size_t first = 0;
      if (!source_done_) {
        batch = pipeline_.source->next();
        source_done_ = !batch;
      }
      while (source_done_ && !batch && finishing_ < pipeline_.transforms.size()) {
        batch = pipeline_.transforms[finishing_]->finish();
        first = ++finishing_;
      }
      if (!batch) {
        return std::nullopt;
      }
      Morsel morsel{sequence_++, std::move(*batch), nullptr};
      bool kept = true;
      for (size_t i = first; i < pipeline_.transforms.size() && kept; ++i) {
        kept = morsel.batch.num_rows() > 0 && pipeline_.transforms[i]->apply(morsel);
        if (kept && morsel.selection) {
          morsel.batch = morsel.materialize();
          morsel.selection = nullptr;
        }
      }
      if (kept && morsel.batch.num_rows() > 0) {
        return RecordBatch(schema_, morsel.batch.columns(), morsel.batch.num_rows());
      }
    }
  }

 private:
  Pipeline pipeline_;
  SchemaPtr schema_;
  bool source_done_ = false;
  size_t finishing_ = 0;
  int64_t sequence_ = 0;
};

class ConcatStream : public BatchStream {
 public:
  ConcatStream(std::unique_ptr<BatchStream> first, std::unique_ptr<BatchStream> second,
               SchemaPtr schema)
      : first_(std::move(first)), second_(std::move(second)), schema_(std::move(schema)) {}
  const SchemaPtr& schema() const override { return schema_; }
  std::optional<RecordBatch> next() override {
    std::optional<RecordBatch> batch;
    if (first_) {
      batch = first_->next();
      if (!batch) {
        first_.reset();
      }
    }
    if (!batch) {
      batch = second_->next();
    }
    if (!batch) {
      return std::nullopt;
    }
    return RecordBatch(schema_, batch->columns(), batch->num_rows());
  }

 private:
  std::unique_ptr<BatchStream> first_;
  std::unique_ptr<BatchStream> second_;
  SchemaPtr schema_;
};

}  // namespace

std::unique_ptr<BatchStream> concat_streams(std::unique_ptr<BatchStream> first,
                                            std::unique_ptr<BatchStream> second, SchemaPtr schema) {
  return std::make_unique<ConcatStream>(std::move(first), std::move(second), std::move(schema));
}

std::unique_ptr<BatchStream> pipeline_stream(Pipeline pipeline, SchemaPtr schema) {
  return std::make_unique<PipelineStream>(std::move(pipeline), std::move(schema));
}

}  // namespace setl::engine::detail
