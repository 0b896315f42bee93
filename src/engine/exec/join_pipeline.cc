// The hash join in the push executor. The right pipeline runs into the build sink, which
// holds its rows while its reservation grows; the left pipeline then streams through a
// probe transform (right and full joins add the unmatched build rows at the end). When
// the build side does not fit, both sides are partitioned by key hash to spill files,
// tagged with their input positions, and joined partition by partition (grace hash
// join); the partitions' outputs merge back on (left position, right position), which is
// the in-memory join's order.
#include "engine/exec/held_rows.h"
#include "engine/exec/merge.h"
#include "engine/exec/partition_writer.h"
#include "engine/exec/profile.h"
#include "engine/exec/sequencer.h"
#include "engine/exec/sinks.h"
#include "engine/exec/spill.h"
#include "engine/exec/transforms.h"
#include "engine/operators/hash_join.h"
#include "engine/types/column_ops.h"
#include "setl/core/cancellation.h"
#include "setl/engine/builder.h"

namespace setl::engine::detail {
namespace {

// The hash table's structures per build row, counted from its layout: slots, hashes and
// stored keys of the key index, the key id of each row while building, chains, matches.
constexpr int64_t kTableBytesPerRow = 96;

int64_t build_table_bytes(int64_t rows) {
  return rows * kTableBytesPerRow;
}

constexpr char kProbePosition[] = "__setl_probe_position";
constexpr char kBuildPosition[] = "__setl_build_position";

// Holds the build side in input order while the reservation grows; past it, or when the
// budget asks for memory, partitions it to spill files (HeldRows).
class BuildSink : public SequencedSink<Sink> {
 public:
  BuildSink(QueryContext& query, SchemaPtr schema, std::vector<std::string> keys)
      : SequencedSink("join build"),
        query_(query),
        schema_(schema),
        held_(query, "HashJoin build", schema, std::move(keys), kBuildPosition) {}

  void finish() override {
    SequencedSink::finish();
    held_.close();
  }

  bool partitioned() const { return held_.partitioned(); }
  int64_t held_rows() const {
    int64_t rows = 0;
    for (const auto& [sequence, batch] : held_.held()) {
      rows += batch.num_rows();
    }
    return rows;
  }
  memory::MemoryBudget::Reservation& reservation() { return held_.reservation(); }

  // The rows held in memory, in input order.
  RecordBatch rows() {
    std::vector<RecordBatch> batches;
    for (auto& [sequence, batch] : held_.held()) {
      batches.emplace_back(schema_, batch.columns(), batch.num_rows());
    }
    held_.held().clear();
    return Table(schema_, std::move(batches)).combine();
  }

  // Moves what is held to partitions (when the hash table itself does not fit).
  void partition_held() { held_.partition(); }

  PartitionWriter& partitions() { return held_.partitions(); }

  // Reserves `bytes` more (after finish); false when refused even after reclaiming.
  bool reserve(int64_t bytes) {
    return !query_.context.budget || reservation().try_grow_reclaiming(bytes);
  }

 private:
  void step(int64_t sequence, RecordBatch& batch) override {
    current_cancellation().check();
    held_.add(sequence, batch, held_bytes(batch));
  }

  QueryContext& query_;
  SchemaPtr schema_;
  HeldRows held_;
};

class ProbeTransform : public Transform {
 public:
  explicit ProbeTransform(std::shared_ptr<JoinHashTable> table) : table_(std::move(table)) {}
  bool apply(Morsel& morsel) const override {
    morsel.batch = table_->probe(morsel.batch);
    return morsel.batch.num_rows() > 0;
  }
  std::optional<RecordBatch> finish() override { return table_->unmatched_build_rows(); }

 private:
  std::shared_ptr<JoinHashTable> table_;
};

// Partitions the probe side in input order.
class ProbePartitionSink : public SequencedSink<Sink> {
 public:
  explicit ProbePartitionSink(PartitionWriter& writer)
      : SequencedSink("join probe"), writer_(writer) {}

 private:
  void step(int64_t sequence, RecordBatch& batch) override {
    current_cancellation().check();
    writer_.write(sequence, batch);
  }
  PartitionWriter& writer_;
};

Pipeline grace_join(QueryContext& query, BuildSink& build, Pipeline left,
                    const SchemaPtr& left_schema, const JoinSpec& spec, const SchemaPtr& output,
                    std::vector<std::shared_ptr<void>>& keep) {
  PartitionWriter probe_writer(query, left_schema, spec.left_on, kProbePosition, "HashJoin probe");
  ProbePartitionSink probe_sink(probe_writer);
  run_pipeline(left, probe_sink);
  std::vector<SpillRun> probe_runs = probe_writer.finish();
  std::vector<SpillRun> build_runs = build.partitions().finish();

  auto owner = std::make_shared<RunOwner>(query, std::vector<SpillRun>{});
  keep.push_back(owner);
  SchemaPtr tagged_left = probe_writer.tagged_schema();
  SchemaPtr tagged_right = build.partitions().tagged_schema();
  std::vector<SpillRun> joined;
  SchemaPtr joined_schema;
  for (size_t p = 0; p < kPartitions; ++p) {
    current_cancellation().check();
    JoinHashTable table(tagged_left, tagged_right, spec);
    joined_schema = table.output_schema();
    RecordBatch rows = read_all(build_runs[p]);
    discard(query.spill_space(), build_runs[p]);
    int64_t needed = batch_bytes(rows) + build_table_bytes(rows.num_rows());
    if (!build.reserve(needed)) {
      build.reservation().grow(needed);  // throws OutOfMemoryError naming the join
    }
    table.build(std::move(rows));
    SpillWriter writer(query.spill_space(), joined_schema, "HashJoin");
    if (probe_runs[p].rows > 0) {
      SpillReader probe(probe_runs[p]);
      while (std::optional<RecordBatch> batch = probe.next()) {
        current_cancellation().check();
        RecordBatch out = table.probe(*batch);
        if (out.num_rows() > 0) {
          writer.write(out);
        }
      }
    }
    if (std::optional<RecordBatch> unmatched = table.unmatched_build_rows()) {
      writer.write(*unmatched);
    }
    discard(query.spill_space(), probe_runs[p]);
    joined.push_back(writer.finish());
    build.reservation().shrink(build.reservation().bytes());
  }
  // Left positions first (right-only rows, with none, last), then right positions.
  size_t probe_column = left_schema->num_fields();
  std::vector<MergeKey> order{{probe_column, false, false}};
  bool semi_or_anti = spec.type == JoinType::kSemi || spec.type == JoinType::kAnti;
  if (!semi_or_anti) {
    order.push_back({joined_schema->num_fields() - 1, false, false});
  }
  joined = reduce_runs(query.spill_space(), std::move(joined), order, 32, "HashJoin",
                       int64_t{256} << 10);
  owner->runs = joined;
  std::vector<Expr> columns;
  for (const Field& field : joined_schema->fields()) {
    if (field.name != kProbePosition && field.name != kBuildPosition) {
      columns.push_back(col(field.name));
    }
  }
  Pipeline result{merge_runs(joined, order, joined_schema, query.context.batch_bytes), {}};
  result.transforms.push_back(project_transform(std::move(columns), output));
  return result;
}

}  // namespace

Pipeline join_pipelines(QueryContext& query, Pipeline left, const SchemaPtr& left_schema,
                        Pipeline right, const SchemaPtr& right_schema, const JoinSpec& spec,
                        const SchemaPtr& output, std::vector<std::shared_ptr<void>>& keep,
                        OperatorProfile* profile) {
  auto build = std::make_shared<BuildSink>(query, right_schema, spec.right_on);
  keep.push_back(build);
  if (profile != nullptr) {
    TimedSink timed(*build, *profile);
    run_pipeline(right, timed);
  } else {
    run_pipeline(right, *build);
  }
  if (!build->partitioned()) {
    // The held batches are concatenated once for the table (their bytes again, briefly).
    int64_t held_bytes = build->reservation().bytes();
    if (build->reserve(build_table_bytes(build->held_rows()) + held_bytes)) {
      auto table = std::make_shared<JoinHashTable>(left_schema, right_schema, spec);
      {
        std::optional<ProfileTimer> timer;
        if (profile != nullptr) {
          timer.emplace(*profile);
        }
        table->build(build->rows());
      }
      // What the table holds is now known: keep that reserved, give the rest back.
      build->reservation().shrink(build->reservation().bytes() - table->memory_bytes());
      left.transforms.push_back(std::make_shared<ProbeTransform>(std::move(table)));
      left.transforms.push_back(rename_transform(output));
      return left;
    }
    build->partition_held();  // the rows fit, their hash table does not
  }
  return grace_join(query, *build, std::move(left), left_schema, spec, output, keep);
}

}  // namespace setl::engine::detail
