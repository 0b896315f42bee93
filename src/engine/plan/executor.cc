// The plan executor: the optimized plan is cut into push pipelines at its breakers
// (aggregate, distinct, sort, limit, window, join build). Each pipeline streams morsels
// from its source (a scan, a table, or the previous breaker's output) through filters
// and projections into its breaker; the last one feeds the result. A subplan that the
// optimizer made an input of two operators (one pointer, two parents) runs once: its
// rows are kept (reserved from the budget) and replayed to the second, unless it is cheap
// to read again or the budget has no room for them.
#include <algorithm>
#include <chrono>
#include <deque>
#include <map>
#include <optional>
#include <set>

#include <fmt/format.h>

#include "engine/exec/exchange.h"
#include "engine/exec/pipeline.h"
#include "engine/exec/profile.h"
#include "engine/exec/sinks.h"
#include "engine/exec/spill.h"
#include "engine/exec/transforms.h"
#include "engine/operators/hash_join.h"
#include "engine/plan/logical_plan.h"
#include "engine/types/column_ops.h"
#include "setl/core/error.h"

namespace setl::engine::plan {
namespace {

using detail::BreakerSink;
using detail::Pipeline;
using Kind = detail::PlanNode::Kind;

using detail::OperatorProfile;

class Executor {
 public:
  /// With `profiles`, every operator is measured into profiles[node] (explain_analyze),
  /// and with a `trace` each measured call is a span of it too.
  explicit Executor(detail::QueryContext& query,
                    std::map<const detail::PlanNode*, OperatorProfile>* profiles = nullptr,
                    std::shared_ptr<TraceRecorder> trace = nullptr)
      : query_(query), profiles_(profiles), trace_(std::move(trace)) {
    if (profiles_ != nullptr) {
      query_.spill_space();  // operators' own contexts share the query's spill space
    }
  }

  Pipeline open(const NodePtr& node) {
    if (!run_once_) {
      run_once_ = run_once_nodes(node);  // the first node opened is the root
    }
    if (auto kept = shared_results_.find(node.get()); kept != shared_results_.end()) {
      return {stream_table(kept->second, batch_bytes()), {}};
    }
    if (run_once_->count(node.get()) == 0) {
      return open_operator(node);
    }
    Pipeline pipeline = open_operator(node);
    std::unique_ptr<BreakerSink> sink = detail::collect_sink(node->schema);
    detail::run_pipeline(pipeline, *sink);
    Table rows = collect_stream(*sink->output());
    // Kept for the second reader only if the budget has room; else that one runs it again
    // (but never an exchange: every rank must run it as often as the others).
    if (!query_.context.budget || contains_exchange(node)) {
      shared_results_.emplace(node.get(), rows);
    } else if (memory::MemoryBudget::Reservation held = query_.context.budget->try_reserve(
                   rows.memory_size(), query_.holder("shared input"));
               held.bytes() > 0 || rows.memory_size() == 0) {
      shared_results_.emplace(node.get(), rows);
      shared_reservations_.push_back(std::move(held));
    }
    return {stream_table(std::move(rows), batch_bytes()), {}};
  }

  Pipeline open_operator(const NodePtr& node) {
    switch (node->kind) {
      case Kind::kTable:
        return {source(*node, stream_table(*node->table, batch_bytes())), {}};
      case Kind::kScan:
        return open_scan(*node);
      case Kind::kFilter: {
        Pipeline pipeline = open(node->inputs[0]);
        add(pipeline, *node, detail::filter_transform(node->exprs[0], *node->inputs[0]->schema));
        return pipeline;
      }
      case Kind::kProject: {
        Pipeline pipeline = open(node->inputs[0]);
        add(pipeline, *node, detail::project_transform(node->exprs, node->schema));
        return pipeline;
      }
      case Kind::kWindow:
        return breaker(*node, detail::window_sink(query_for(*node), node->inputs[0]->schema,
                                                  node->schema, node->name, node->exprs[0]));
      case Kind::kLimit:
        return breaker(*node, detail::limit_sink(node->schema, node->count, node->offset));
      case Kind::kSort:
        return breaker(*node, detail::sort_sink(query_for(*node), node->schema, node->sort_keys));
      case Kind::kDistinct:
        return breaker(*node, detail::aggregate_sink(query_for(*node), node->inputs[0]->schema,
                                                     node->schema->names(), {}, node->schema));
      case Kind::kAggregate:
        return breaker(*node, detail::aggregate_sink(query_for(*node), node->inputs[0]->schema,
                                                     node->keys, node->exprs));
      case Kind::kUnion:
        return {source(*node, detail::concat_streams(as_stream(node->inputs[0]),
                                                     as_stream(node->inputs[1]), node->schema)),
                {}};
      case Kind::kJoin:
        return open_join(*node);
      case Kind::kExchange:
        if (node->exchange == detail::PlanNode::Exchange::kShare ||
            node->exchange == detail::PlanNode::Exchange::kHashLocal) {
          Pipeline pipeline = open(node->inputs[0]);
          add(pipeline, *node, detail::local_exchange(exchange_spec(*node)));
          return pipeline;
        }
        return breaker(*node, detail::exchange_sink(query_for(*node), exchange_spec(*node)));
    }
    throw InternalError("unknown plan node");
  }

  Table collect(const NodePtr& node) {
    Pipeline pipeline = open(node);
    std::unique_ptr<BreakerSink> sink = detail::collect_sink(node->schema);
    detail::run_pipeline(pipeline, *sink);
    std::unique_ptr<BatchStream> result = sink->output();
    Table collected = collect_stream(*result);
    std::vector<RecordBatch> batches;
    batches.reserve(collected.batches().size());
    for (const RecordBatch& batch : collected.batches()) {
      batches.push_back(detail::decoded(batch));  // results are never dictionary-encoded
    }
    return Table(collected.schema(), std::move(batches));
  }

 private:
  int64_t batch_bytes() const { return query_.context.batch_bytes; }

  // The node's exchange, kept for as long as the executor (sinks refer to it).
  const detail::ExchangeSpec& exchange_spec(const detail::PlanNode& node) {
    return exchanges_.emplace_back(detail::ExchangeSpec{node.exchange, node.schema, node.keys,
                                                        node.sort_keys, node.distributed.get()});
  }

  Pipeline open_scan(const detail::PlanNode& node) {
    ScanRequest request = node.request;
    request.dictionary_strings = true;  // decoded where the query's result leaves
    bool skipped = false;
    if (request.shards > 1 && !node.source->reads_shares()) {
      skipped = request.shard != 0;  // a source that cannot split is read by share 0
      request.shard = 0;
      request.shards = 1;
    }
    std::unique_ptr<BatchStream> stream =
        skipped ? stream_table(Table::empty(node.source->schema()).select(node.schema->names()),
                               batch_bytes())
                : node.source->scan_stream(request, batch_bytes());
    const SchemaPtr scanned = stream->schema();
    // With a filter the scan's rows are what passes it: the source is timed, the last
    // step counted.
    OperatorProfile* profile = profile_of(node);
    Pipeline pipeline{profile != nullptr ? detail::profiled(std::move(stream), *profile, false)
                                         : std::move(stream),
                      {}};
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
    if (profile != nullptr) {
      for (auto& transform : pipeline.transforms) {
        transform = detail::profiled(std::move(transform), *profile, false);
      }
      pipeline.transforms.push_back(detail::counted(*profile));
    }
    return pipeline;
  }

  Pipeline open_join(const detail::PlanNode& node) {
    Pipeline left = open(node.inputs[0]);
    Pipeline right = open(node.inputs[1]);
    size_t before = left.transforms.size();
    OperatorProfile* profile = profile_of(node);
    Pipeline joined = detail::join_pipelines(
        query_for(node), std::move(left), node.inputs[0]->schema, std::move(right),
        node.inputs[1]->schema,
        {node.keys, node.right_keys, node.join_type, node.right_suffix, plan::join_condition(node)},
        node.schema, kept_, profile);
    if (profile != nullptr) {
      // A join that fit probes in the left pipeline's new transforms; a grace join's
      // result is a stream of its own.
      if (joined.transforms.size() > before) {
        for (size_t i = before; i < joined.transforms.size(); ++i) {
          joined.transforms[i] = detail::profiled(std::move(joined.transforms[i]), *profile,
                                                  i + 1 == joined.transforms.size());
        }
      } else {
        joined.source = detail::profiled(std::move(joined.source), *profile);
      }
    }
    return joined;
  }

  OperatorProfile* profile_of(const detail::PlanNode& node) {
    if (profiles_ == nullptr) {
      return nullptr;
    }
    auto [found, added] = profiles_->try_emplace(&node);
    if (added && trace_) {
      found->second.trace = trace_;
      found->second.name = describe(node);
    }
    return &found->second;
  }

  // Table, union and breaker outputs: the stream's batches are the operator's output.
  std::unique_ptr<BatchStream> source(const detail::PlanNode& node,
                                      std::unique_ptr<BatchStream> stream) {
    OperatorProfile* profile = profile_of(node);
    return profile != nullptr ? detail::profiled(std::move(stream), *profile) : std::move(stream);
  }

  void add(Pipeline& pipeline, const detail::PlanNode& node,
           std::shared_ptr<detail::Transform> transform) {
    OperatorProfile* profile = profile_of(node);
    pipeline.transforms.push_back(profile != nullptr
                                      ? detail::profiled(std::move(transform), *profile)
                                      : std::move(transform));
  }

  // The query context an operator reserves under: when profiling, a budget of its own
  // inside the query's (no limit of its own), whose peak is the operator's.
  detail::QueryContext& query_for(const detail::PlanNode& node) {
    OperatorProfile* profile = profile_of(node);
    if (profile == nullptr) {
      return query_;
    }
    detail::QueryContext& own = node_queries_.emplace_back(query_);
    profile->budget =
        memory::MemoryBudget::create_child(0, query_.context.budget, "explain_analyze operator");
    own.context.budget = profile->budget;
    return own;
  }

  // Runs the pipeline below `node` into `sink`; its output is the next pipeline's source.
  Pipeline breaker(const detail::PlanNode& node, std::unique_ptr<BreakerSink> sink) {
    if (OperatorProfile* profile = profile_of(node)) {
      sink = detail::profiled(std::move(sink), *profile);
    }
    Pipeline pipeline = open(node.inputs[0]);
    detail::run_pipeline(pipeline, *sink);
    std::unique_ptr<BatchStream> output = sink->output();
    sinks_.push_back(std::move(sink));  // owns the spill runs its output reads
    return {std::move(output), {}};
  }

  std::unique_ptr<BatchStream> as_stream(const NodePtr& node) {
    return detail::pipeline_stream(open(node), node->schema);
  }

  detail::QueryContext& query_;
  std::map<const detail::PlanNode*, OperatorProfile>* profiles_;
  std::shared_ptr<TraceRecorder> trace_;
  std::deque<detail::QueryContext> node_queries_;  // stable: operators keep references
  std::deque<detail::ExchangeSpec> exchanges_;     // stable too
  std::vector<std::unique_ptr<BreakerSink>> sinks_;
  std::vector<std::shared_ptr<void>> kept_;
  // Inputs of more than one operator that run once, and the rows of those run.
  std::optional<std::set<const detail::PlanNode*>> run_once_;
  std::map<const detail::PlanNode*, Table> shared_results_;
  std::vector<memory::MemoryBudget::Reservation> shared_reservations_;
};

using Profiles = std::map<const detail::PlanNode*, OperatorProfile>;

}  // namespace

bool contains_exchange(const NodePtr& node) {
  if (node->kind == Kind::kExchange) {
    return true;
  }
  return std::any_of(node->inputs.begin(), node->inputs.end(),
                     [](const NodePtr& input) { return contains_exchange(input); });
}

namespace {

std::string analyzed_plan(const NodePtr& node, const Profiles& profiles) {
  return explain(node, [&](const detail::PlanNode& planned) {
    auto found = profiles.find(&planned);
    return found == profiles.end() ? std::string("not run") : found->second.summary();
  });
}

}  // namespace

Table execute(const NodePtr& node) {
  detail::QueryContext query{current_memory_context(), nullptr};
  std::shared_ptr<TraceRecorder> trace = current_trace();
  if (!trace) {
    Executor executor(query);
    return executor.collect(node);
  }
  // Traced: the query is a span whose arguments carry the analyzed plan; its operators
  // are spans of their own on the threads that ran them.
  TraceScope span(trace, "query", "query: " + describe(*node));
  Profiles profiles;
  Table result = [&] {
    Executor executor(query, &profiles, trace);
    return executor.collect(node);
  }();
  span.arg("rows", std::to_string(result.num_rows()));
  span.arg("plan", analyzed_plan(node, profiles));
  return result;
}

std::string explain_analyze(const NodePtr& node) {
  Profiles profiles;
  auto start = std::chrono::steady_clock::now();
  int64_t rows = 0;
  {
    detail::QueryContext query{current_memory_context(), nullptr};
    Executor executor(query, &profiles, current_trace());
    rows = executor.collect(node).num_rows();
  }
  double ms =
      std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
  return analyzed_plan(node, profiles) +
         fmt::format("{} rows in {:.1f} ms (operator times are summed over threads)\n", rows, ms);
}

namespace {

// The query's result read batch by batch: it owns the executor (and so the breakers'
// spill runs) for as long as it is read. Under a trace its operators are traced.
class QueryStream : public BatchStream {
 public:
  QueryStream(const NodePtr& node, std::shared_ptr<TraceRecorder> trace)
      : query_{current_memory_context(), nullptr},
        executor_(query_, trace ? &profiles_ : nullptr, trace),
        schema_(node->schema) {
    output_ = detail::pipeline_stream(executor_.open(node), schema_);
  }
  const SchemaPtr& schema() const override { return schema_; }
  std::optional<RecordBatch> next() override {
    std::optional<RecordBatch> batch = output_->next();
    return batch ? std::optional<RecordBatch>(detail::decoded(*batch)) : std::nullopt;
  }

 private:
  detail::QueryContext query_;
  Profiles profiles_;
  Executor executor_;
  SchemaPtr schema_;
  std::unique_ptr<BatchStream> output_;
};

}  // namespace

std::unique_ptr<BatchStream> execute_stream(const NodePtr& node) {
  return std::make_unique<QueryStream>(node, current_trace());
}

}  // namespace setl::engine::plan
