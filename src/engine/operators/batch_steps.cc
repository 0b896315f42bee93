#include "engine/operators/batch_steps.h"

#include <optional>

#include "engine/expr/expr_eval.h"
#include "engine/operators/aggregate.h"
#include "engine/operators/parallel.h"
#include "engine/types/column_ops.h"
#include "setl/core/job_group.h"

namespace setl::engine::detail {
namespace {

Table apply(Table part, const BatchStep& step) {
  return step.is_filter ? part.filter(step.exprs[0]) : part.select(step.exprs);
}

}  // namespace

Table run_batch_steps(const Table& input, const std::vector<BatchStep>& steps, SchemaPtr schema) {
  std::vector<std::optional<RecordBatch>> outputs(input.batches().size());
  parallel_for(outputs.size(), [&](size_t index) {
    Table part = Table::from_batch(input.batches()[index]);
    report_progress(part.num_rows());
    for (auto step = steps.begin(); step != steps.end() && part.num_rows() > 0; ++step) {
      part = apply(std::move(part), *step);
    }
    if (part.num_rows() > 0) {
      outputs[index] = part.combine();
    }
  });
  std::vector<RecordBatch> batches;
  for (std::optional<RecordBatch>& output : outputs) {
    if (output) {
      batches.emplace_back(schema, output->columns(), output->num_rows());
    }
  }
  return Table(std::move(schema), std::move(batches));
}

Table aggregate_batch_steps(const Table& input, const std::vector<BatchStep>& steps,
                            const Schema& stepped_schema, const std::vector<std::string>& keys,
                            const std::vector<Expr>& aggregates) {
  const std::vector<RecordBatch>& batches = input.batches();
  // The last filter of the chain (only projections after it) may hand its rows to the
  // aggregate as a selection instead of copying every column, when most rows pass.
  size_t last_filter = steps.size();
  for (size_t i = steps.size(); i-- > 0;) {
    if (steps[i].is_filter) {
      last_filter = i;
      break;
    }
  }
  BatchSource batch_at = [&](size_t index) -> std::optional<SelectedBatch> {
    Table part = Table::from_batch(batches[index]);
    for (size_t i = 0; i < std::min(last_filter, steps.size()); ++i) {
      part = apply(std::move(part), steps[i]);
    }
    if (part.batches().empty()) {
      return std::nullopt;
    }
    RecordBatch batch = part.combine();
    BufferPtr selection;
    if (last_filter < steps.size()) {
      const Expr& predicate = steps[last_filter].exprs[0];
      ColumnPtr mask = evaluate_column(bind(predicate, *batch.schema()), batch);
      selection = selection_bits(*mask);
      int64_t selected = count_set_bits(selection->data(), 0, batch.num_rows());
      if (selected == 0) {
        return std::nullopt;
      }
      if (selected * 4 < batch.num_rows() * 3) {
        std::vector<int64_t> rows = true_rows(*mask);
        std::vector<ColumnPtr> columns;
        for (const ColumnPtr& column : batch.columns()) {
          columns.push_back(take(*column, rows));
        }
        batch = RecordBatch(batch.schema(), std::move(columns), static_cast<int64_t>(rows.size()));
        selection = nullptr;
      }
      for (size_t i = last_filter + 1; i < steps.size(); ++i) {
        batch = Table::from_batch(batch).select(steps[i].exprs).combine();
      }
    }
    return SelectedBatch{batch, selection};
  };
  return aggregate_batches(stepped_schema, batches.size(), batch_at, keys, aggregates);
}

}  // namespace setl::engine::detail
