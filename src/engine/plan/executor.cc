// The plan executor: the optimized plan is cut into push pipelines at its breakers
// (aggregate, distinct, sort, limit, window, join build). Each pipeline streams morsels
// from its source (a scan, a table, or the previous breaker's output) through filters
// and projections into its breaker; the last one feeds the result.
#include "engine/exec/pipeline.h"
#include "engine/exec/sinks.h"
#include "engine/exec/spill.h"
#include "engine/exec/transforms.h"
#include "engine/operators/hash_join.h"
#include "engine/plan/logical_plan.h"
#include "setl/core/error.h"

namespace setl::engine::plan {
namespace {

using detail::BreakerSink;
using detail::Pipeline;
using Kind = detail::PlanNode::Kind;

class Executor {
 public:
  explicit Executor(detail::QueryContext& query) : query_(query) {}

  Pipeline open(const NodePtr& node) {
    switch (node->kind) {
      case Kind::kTable:
        return {stream_table(*node->table, batch_bytes()), {}};
      case Kind::kScan:
        return open_scan(*node);
      case Kind::kFilter: {
        Pipeline pipeline = open(node->inputs[0]);
        pipeline.transforms.push_back(
            detail::filter_transform(node->exprs[0], *node->inputs[0]->schema));
        return pipeline;
      }
      case Kind::kProject: {
        Pipeline pipeline = open(node->inputs[0]);
        pipeline.transforms.push_back(detail::project_transform(node->exprs, node->schema));
        return pipeline;
      }
      case Kind::kWindow:
        return breaker(node->inputs[0],
                       detail::window_sink(query_, node->inputs[0]->schema, node->schema,
                                           node->name, node->exprs[0]));
      case Kind::kLimit:
        return breaker(node->inputs[0],
                       detail::limit_sink(node->schema, node->count, node->offset));
      case Kind::kSort:
        return breaker(node->inputs[0], detail::sort_sink(query_, node->schema, node->sort_keys));
      case Kind::kDistinct:
        return breaker(node->inputs[0],
                       detail::aggregate_sink(query_, node->inputs[0]->schema,
                                              node->schema->names(), {}, node->schema));
      case Kind::kAggregate:
        return breaker(node->inputs[0], detail::aggregate_sink(query_, node->inputs[0]->schema,
                                                               node->keys, node->exprs));
      case Kind::kUnion:
        return {detail::concat_streams(as_stream(node->inputs[0]), as_stream(node->inputs[1]),
                                       node->schema),
                {}};
      case Kind::kJoin: {
        Pipeline left = open(node->inputs[0]);
        Pipeline right = open(node->inputs[1]);
        return detail::join_pipelines(query_, std::move(left), node->inputs[0]->schema,
                                      std::move(right), node->inputs[1]->schema,
                                      {node->keys, node->right_keys, node->join_type, "_right"},
                                      node->schema, kept_);
      }
    }
    throw InternalError("unknown plan node");
  }

  Table collect(const NodePtr& node) {
    Pipeline pipeline = open(node);
    std::unique_ptr<BreakerSink> sink = detail::collect_sink(node->schema);
    detail::run_pipeline(pipeline, *sink);
    std::unique_ptr<BatchStream> result = sink->output();
    return collect_stream(*result);
  }

 private:
  int64_t batch_bytes() const { return query_.context.batch_bytes; }

  Pipeline open_scan(const detail::PlanNode& node) {
    Pipeline pipeline{node.source->scan_stream(node.request, batch_bytes()), {}};
    const SchemaPtr& scanned = pipeline.source->schema();
    if (node.request.filter && !node.source->applies_filter_exactly()) {
      pipeline.transforms.push_back(detail::filter_transform(*node.request.filter, *scanned));
    }
    if (scanned->names() != node.schema->names()) {
      std::vector<Expr> columns;
      for (const std::string& name : node.schema->names()) {
        columns.push_back(col(name));
      }
      pipeline.transforms.push_back(detail::project_transform(std::move(columns), node.schema));
    }
    return pipeline;
  }

  // Runs the pipeline below `input` into `sink`; its output is the next pipeline's source.
  Pipeline breaker(const NodePtr& input, std::unique_ptr<BreakerSink> sink) {
    Pipeline pipeline = open(input);
    detail::run_pipeline(pipeline, *sink);
    std::unique_ptr<BatchStream> output = sink->output();
    sinks_.push_back(std::move(sink));  // owns the spill runs its output reads
    return {std::move(output), {}};
  }

  std::unique_ptr<BatchStream> as_stream(const NodePtr& node) {
    return detail::pipeline_stream(open(node), node->schema);
  }

  detail::QueryContext& query_;
  std::vector<std::unique_ptr<BreakerSink>> sinks_;
  std::vector<std::shared_ptr<void>> kept_;
};

}  // namespace

Table execute(const NodePtr& node) {
  detail::QueryContext query{current_memory_context(), nullptr};
  Executor executor(query);
  return executor.collect(node);
}

namespace {

// The query's result read batch by batch: it owns the executor (and so the breakers'
// spill runs) for as long as it is read.
class QueryStream : public BatchStream {
 public:
  explicit QueryStream(const NodePtr& node)
      : query_{current_memory_context(), nullptr}, executor_(query_), schema_(node->schema) {
    output_ = detail::pipeline_stream(executor_.open(node), schema_);
  }
  const SchemaPtr& schema() const override { return schema_; }
  std::optional<RecordBatch> next() override { return output_->next(); }

 private:
  detail::QueryContext query_;
  Executor executor_;
  SchemaPtr schema_;
  std::unique_ptr<BatchStream> output_;
};

}  // namespace

std::unique_ptr<BatchStream> execute_stream(const NodePtr& node) {
  return std::make_unique<QueryStream>(node);
}

}  // namespace setl::engine::plan
