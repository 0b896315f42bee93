// The push-based, morsel-driven pipeline (private to the engine). A pipeline is a
// source stream, streaming transforms (filter, project, join probe) and a sink (a
// pipeline breaker: aggregate, sort, join build, limit, collect). The source is read on
// one thread; each morsel then runs through the transforms into the sink on the engine's
// workers, at most a few morsels in flight (backpressure to the reader). Morsels carry
// their sequence number, so sinks that care about order restore it.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <vector>

#include "setl/core/memory_context.h"
#include "setl/engine/scan_source.h"

namespace setl::engine::detail {

class SpillSpace;

/// A batch and, optionally, the rows of it that count (a bitmap from bit 0; null means
/// every row): a filter may pass a selection instead of copying the rows.
struct Morsel {
  int64_t sequence = 0;
  RecordBatch batch;
  BufferPtr selection;

  int64_t selected_rows() const;
  /// The selected rows as a batch of their own (the batch itself without a selection).
  RecordBatch materialize() const;
};

/// A streaming operator: one morsel in, zero or one out. Called concurrently.
class Transform {
 public:
  virtual ~Transform() = default;
  /// False when its output is empty.
  virtual bool apply(Morsel& morsel) const = 0;
  /// Whether it accepts a morsel with a selection (otherwise it is materialized first).
  virtual bool accepts_selection() const { return false; }
  /// Rows to emit after every input row was seen (a right or full join's unmatched
  /// rows); called once, on one thread.
  virtual std::optional<RecordBatch> finish() { return std::nullopt; }
};

/// A pipeline breaker. consume() is called concurrently; finish() once, after the last
/// consume, on the thread that ran the pipeline.
class Sink {
 public:
  virtual ~Sink() = default;
  virtual void consume(Morsel morsel) = 0;
  /// Morsel `sequence` left nothing for the sink (filtered out): sinks that restore the
  /// input's order note the gap.
  virtual void skip(int64_t sequence) { (void)sequence; }
  virtual bool accepts_selection() const { return false; }
  /// True once the sink needs no more input (a limit is reached): reading stops.
  virtual bool satisfied() const { return false; }
  virtual void finish() {}
};

/// What every operator of one query shares: the memory context it runs under and its spill
/// space (created on first use).
struct QueryContext {
  MemoryContext context;
  std::shared_ptr<SpillSpace> spill;

  SpillSpace& spill_space();
  /// "<operator> (<owner>)" for budget holders and errors.
  std::string holder(const std::string& operator_name) const;
};

struct Pipeline {
  std::unique_ptr<BatchStream> source;
  std::vector<std::shared_ptr<Transform>> transforms;
};

/// Runs every morsel of `pipeline` through its transforms into `sink`, then finishes it.
/// The caller's job context (cancellation, progress) is current in every task; the first
/// exception stops the reading and is rethrown here.
void run_pipeline(Pipeline& pipeline, Sink& sink);

/// The pipeline as a stream: transforms applied on the reading thread, in order (for
/// inputs that must become a stream, such as the sides of a union).
std::unique_ptr<BatchStream> pipeline_stream(Pipeline pipeline, SchemaPtr schema);

/// The batches of `first`, then those of `second`, under `schema`.
std::unique_ptr<BatchStream> concat_streams(std::unique_ptr<BatchStream> first,
                                            std::unique_ptr<BatchStream> second, SchemaPtr schema);

}  // namespace setl::engine::detail
