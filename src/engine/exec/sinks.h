// The pipeline breakers (private to the engine). Each consumes a pipeline and then
// offers its result as a stream, the source of the next pipeline. The ones that hold
// state reserve it from the query's budget and spill when refused.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "engine/exec/pipeline.h"

namespace setl::engine::detail {

class BreakerSink : public Sink {
 public:
  /// The result, after finish(); called once.
  virtual std::unique_ptr<BatchStream> output() = 0;
};

/// Every row, in input order.
std::unique_ptr<BreakerSink> collect_sink(SchemaPtr schema);
/// Rows [offset, offset + count) in input order; reading stops once they are known.
std::unique_ptr<BreakerSink> limit_sink(SchemaPtr schema, int64_t count, int64_t offset);
/// A stable sort; past its reservation, sorted runs go to spill files and are merged.
std::unique_ptr<BreakerSink> sort_sink(QueryContext& query, SchemaPtr schema,
                                       std::vector<SortKey> keys);
/// group_by().agg(), aggregate() (no keys) and, with `distinct_schema`, distinct(): groups
/// in first-seen order; past its reservation, new groups' rows are spilled by hash
/// partition and aggregated partition by partition.
std::unique_ptr<BreakerSink> aggregate_sink(QueryContext& query, SchemaPtr input,
                                            std::vector<std::string> keys,
                                            std::vector<Expr> aggregates,
                                            SchemaPtr distinct_schema = nullptr);
/// A window function added as column `name` (`output` is the input with it). Past its
/// reservation, a window with PARTITION BY is evaluated partition file by partition file.
std::unique_ptr<BreakerSink> window_sink(QueryContext& query, SchemaPtr input, SchemaPtr output,
                                         std::string name, Expr function);

struct JoinSpec;
struct OperatorProfile;

/// The hash join of two pipelines (the right one is the build side): the pipeline that
/// yields the joined rows in the in-memory join's order. The build side is held while
/// its reservation grows; past it both sides are partitioned to spill files (grace hash
/// join). `keep` receives what must outlive the returned pipeline.
Pipeline join_pipelines(QueryContext& query, Pipeline left, const SchemaPtr& left_schema,
                        Pipeline right, const SchemaPtr& right_schema, const JoinSpec& spec,
                        const SchemaPtr& output, std::vector<std::shared_ptr<void>>& keep,
                        OperatorProfile* profile = nullptr);

}  // namespace setl::engine::detail
