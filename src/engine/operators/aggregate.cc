// group_by().agg(), aggregate() and distinct(): hash aggregation with one accumulator per
// aggregate (the accumulators are the aggregate functions' entries in the registry,
// engine/functions/aggregates.cc). NULL keys form one group.
#include "engine/operators/aggregate.h"

#include <cmath>
#include <limits>
#include <unordered_set>

#include "engine/expr/expr_eval.h"
#include "engine/functions/registry.h"
#include "engine/operators/parallel.h"
#include "engine/types/key_index.h"
#include "setl/core/cancellation.h"
#include "setl/core/error.h"
#include "setl/core/job_group.h"
#include "setl/engine/builder.h"
#include "setl/engine/execution.h"
#include "setl/engine/table.h"

namespace setl::engine {
namespace detail {

AggregatePlan plan_aggregate(const Expr& expr, const Schema& schema) {
  if (expr.kind() != ExprKind::kAggregate) {
    throw SchemaError("agg() takes aggregates such as fn::sum(col(\"x\")) or fn::count_all(); " +
                      expr.to_string() + " is not one");
  }
  AggregatePlan plan;
  plan.name = expr.output_name();
  plan.function = FunctionRegistry::instance().aggregate(expr.name());
  if (plan.function == nullptr) {
    throw InternalError("aggregate " + expr.name() + " is not registered");
  }
  for (const Expr& arg : expr.args()) {
    if (arg.kind() == ExprKind::kAggregate) {
      throw SchemaError("aggregates cannot be nested: " + expr.to_string());
    }
  }
  DataType input_type = DataType::null();
  if (!expr.args().empty()) {
    plan.input = bind(expr.args()[0], schema);
    input_type = plan.input->type;
  }
  plan.type = plan.function->result_type(expr, input_type);
  return plan;
}

std::unique_ptr<Accumulator> make_accumulator(const AggregatePlan& plan) {
  return plan.function->make(plan.input ? plan.input->type : DataType::null(), plan.type);
}

}  // namespace detail

namespace {

using detail::AggregatePlan;
using detail::KeyIndex;
using detail::make_accumulator;
using detail::plan_aggregate;

}  // namespace

Table aggregate_batches(const Schema& schema, size_t batch_count, const BatchSource& batch_at,
                        const std::vector<std::string>& keys, const std::vector<Expr>& aggregates) {
  std::vector<size_t> key_indexes;
  std::vector<DataType> key_types;
  std::vector<Field> fields;
  for (const std::string& key : keys) {
    size_t index = schema.index_of(key);
    key_indexes.push_back(index);
    key_types.push_back(schema.field(index).type);
    fields.push_back(schema.field(index));
  }
  std::vector<AggregatePlan> plans;
  for (const Expr& aggregate : aggregates) {
    plans.push_back(plan_aggregate(aggregate, schema));
    fields.push_back({plans.back().name, plans.back().type, true});
  }
  auto output_schema = std::make_shared<Schema>(std::move(fields));

  // Each worker aggregates a contiguous range of batches into a partial state; partials
  // merge in order, so groups keep their first-seen order whatever the thread count.
  struct Partial {
    KeyIndex index;
    std::vector<std::unique_ptr<detail::Accumulator>> accumulators;
  };
  size_t workers =
      std::max<size_t>(1, std::min<size_t>(static_cast<size_t>(num_threads()), batch_count));
  std::vector<Partial> partials;
  for (size_t w = 0; w < workers; ++w) {
    Partial partial{KeyIndex(key_types), {}};
    for (const AggregatePlan& plan : plans) {
      partial.accumulators.push_back(make_accumulator(plan));
    }
    partials.push_back(std::move(partial));
  }
  detail::parallel_for(workers, [&](size_t w) {
    Partial& partial = partials[w];
    size_t first = batch_count * w / workers;
    size_t last = batch_count * (w + 1) / workers;
    std::vector<int64_t> groups;
    for (size_t b = first; b < last; ++b) {
      current_cancellation().check();
      std::optional<SelectedBatch> produced = batch_at(b);
      if (!produced || produced->batch.num_rows() == 0) {
        continue;
      }
      const RecordBatch& batch = produced->batch;
      const uint8_t* selection = produced->selection ? produced->selection->data() : nullptr;
      int64_t rows = batch.num_rows();
      report_progress(rows);
      if (keys.empty()) {
        groups.assign(static_cast<size_t>(rows), 0);
        if (selection != nullptr) {
          for (int64_t row = 0; row < rows; ++row) {
            if (!get_bit(selection, row)) {
              groups[static_cast<size_t>(row)] = -1;
            }
          }
        }
      } else {
        std::vector<ColumnPtr> key_columns;
        for (size_t key : key_indexes) {
          key_columns.push_back(batch.column(key));
        }
        partial.index.insert(key_columns, rows, groups, selection);
      }
      int64_t group_count = keys.empty() ? 1 : partial.index.size();
      for (size_t a = 0; a < plans.size(); ++a) {
        partial.accumulators[a]->resize(group_count);
        ColumnPtr input;
        if (plans[a].input) {
          input = detail::evaluate_column(*plans[a].input, batch);
        }
        partial.accumulators[a]->update(input.get(), groups, rows);
      }
    }
  });
  KeyIndex index(key_types);
  std::vector<std::unique_ptr<detail::Accumulator>>& accumulators = partials.front().accumulators;
  if (!keys.empty()) {
    std::vector<int64_t> first_ids;
    index.insert(partials.front().index.key_columns(), partials.front().index.size(), first_ids);
  }
  for (size_t w = 1; w < workers; ++w) {
    Partial& partial = partials[w];
    int64_t local_groups = keys.empty() ? 1 : partial.index.size();
    std::vector<int64_t> mapping(static_cast<size_t>(local_groups), 0);
    if (!keys.empty()) {
      index.insert(partial.index.key_columns(), local_groups, mapping);
    }
    int64_t global_groups = keys.empty() ? 1 : index.size();
    for (size_t a = 0; a < plans.size(); ++a) {
      accumulators[a]->resize(global_groups);
      partial.accumulators[a]->resize(local_groups);
      accumulators[a]->merge(*partial.accumulators[a], mapping);
    }
  }
  // Without keys there is always exactly one output row, even for an empty input.
  int64_t group_count = keys.empty() ? 1 : index.size();
  std::vector<ColumnPtr> columns = keys.empty() ? std::vector<ColumnPtr>{} : index.key_columns();
  for (auto& accumulator : accumulators) {
    accumulator->resize(group_count);
    columns.push_back(accumulator->finish(group_count));
  }
  RecordBatch result(output_schema, std::move(columns), group_count);
  return Table(output_schema, {std::move(result)});
}

namespace {

Table aggregate_table(const Table& table, const std::vector<std::string>& keys,
                      const std::vector<Expr>& aggregates) {
  const std::vector<RecordBatch>& batches = table.batches();
  return aggregate_batches(
      *table.schema(), batches.size(),
      [&](size_t b) {
        return std::optional<SelectedBatch>({batches[b], nullptr});
      },
      keys, aggregates);
}

}  // namespace

Table GroupedTable::agg(const std::vector<Expr>& aggregates) const {
  if (keys_.empty()) {
    throw SchemaError("group_by needs at least one key column; use aggregate() for totals");
  }
  return aggregate_table(table_, keys_, aggregates);
}

GroupedTable Table::group_by(std::vector<std::string> keys) const {
  for (const std::string& key : keys) {
    schema_->index_of(key);
  }
  return GroupedTable(*this, std::move(keys));
}

Table Table::aggregate(const std::vector<Expr>& aggregates) const {
  return aggregate_table(*this, {}, aggregates);
}

Table Table::distinct() const {
  Table keys = aggregate_table(*this, schema_->names(), {});
  // Keep the input's nullability flags.
  std::vector<RecordBatch> batches;
  for (const RecordBatch& batch : keys.batches()) {
    batches.emplace_back(schema_, batch.columns(), batch.num_rows());
  }
  return Table(schema_, std::move(batches));
}

}  // namespace setl::engine
