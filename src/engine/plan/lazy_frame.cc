// LazyFrame: records operations as plan nodes; collect() optimises and executes them.
#include "setl/engine/lazy_frame.h"

#include <algorithm>

#include "engine/expr/expr_eval.h"
#include "engine/plan/cardinality.h"
#include "engine/plan/logical_plan.h"
#include "setl/core/error.h"
#include "setl/core/memory_context.h"
#include "setl/engine/distributed.h"

namespace setl::engine {

LazyFrame LazyFrame::from(Table table) {
  return LazyFrame(plan::table(std::move(table)));
}
LazyFrame LazyFrame::from_partition(Table part) {
  return LazyFrame(plan::table(std::move(part), true));
}
LazyFrame LazyFrame::scan(std::shared_ptr<const ScanSource> source) {
  if (!source) {
    throw StateError("LazyFrame::scan needs a source");
  }
  return LazyFrame(plan::scan(std::move(source), {}));
}

SchemaPtr LazyFrame::schema() const {
  return node_->schema;
}

LazyFrame LazyFrame::select(const std::vector<Expr>& columns) const {
  return LazyFrame(plan::project(node_, columns));
}
LazyFrame LazyFrame::select(std::initializer_list<std::string_view> names) const {
  std::vector<Expr> columns;
  for (std::string_view name : names) {
    columns.push_back(col(std::string(name)));
  }
  return select(columns);
}

LazyFrame LazyFrame::with_column(std::string name, const Expr& value) const {
  if (value.kind() == ExprKind::kWindow) {
    return LazyFrame(plan::window(node_, std::move(name), value));
  }
  return select(detail::columns_with(*node_->schema, std::move(name), value));
}

LazyFrame LazyFrame::rename(const std::vector<std::pair<std::string, std::string>>& renames) const {
  std::vector<Expr> columns;
  for (const Field& field : node_->schema->fields()) {
    columns.push_back(col(field.name));
  }
  for (const auto& [from, to] : renames) {
    size_t index = node_->schema->index_of(from);
    columns[index] = col(from).alias(to);
  }
  return select(columns);
}

LazyFrame LazyFrame::drop(const std::vector<std::string>& names) const {
  for (const std::string& name : names) {
    node_->schema->index_of(name);
  }
  std::vector<Expr> columns;
  for (const Field& field : node_->schema->fields()) {
    if (std::find(names.begin(), names.end(), field.name) == names.end()) {
      columns.push_back(col(field.name));
    }
  }
  return select(columns);
}

LazyFrame LazyFrame::filter(const Expr& predicate) const {
  return LazyFrame(plan::filter(node_, predicate));
}
LazyFrame LazyFrame::filter(std::string_view predicate) const {
  return filter(parse_expr(predicate));
}
LazyFrame LazyFrame::limit(int64_t count, int64_t offset) const {
  return LazyFrame(plan::limit(node_, count, offset));
}
LazyFrame LazyFrame::sort(const std::vector<SortKey>& keys) const {
  return LazyFrame(plan::sort(node_, keys));
}
LazyFrame LazyFrame::distinct() const {
  return LazyFrame(plan::distinct(node_));
}
LazyFrame LazyFrame::union_all(const LazyFrame& other) const {
  return LazyFrame(plan::union_all(node_, other.node_));
}
LazyFrame LazyFrame::join(const LazyFrame& right, const std::vector<std::string>& left_on,
                          const std::vector<std::string>& right_on, JoinType type,
                          std::string right_suffix) const {
  return LazyFrame(
      plan::join(node_, right.node_, left_on, right_on, type, std::move(right_suffix)));
}
LazyFrame LazyFrame::join(const LazyFrame& right, const std::vector<std::string>& left_on,
                          const std::vector<std::string>& right_on,
                          const JoinOptions& options) const {
  if (!left_on.empty() || !right_on.empty()) {
    return LazyFrame(plan::join(node_, right.node_, left_on, right_on, options.type,
                                options.right_suffix, options.condition));
  }
  // No keys: one constant key on each side makes every pair a candidate.
  const std::string left_key = "__setl_cross_left";
  const std::string right_key = "__setl_cross_right";
  LazyFrame joined(plan::join(with_column(left_key, lit(0)).node_,
                              right.with_column(right_key, lit(0)).node_, {left_key}, {right_key},
                              options.type, options.right_suffix, options.condition));
  std::vector<std::string> added;
  for (const std::string& key : {left_key, right_key}) {
    if (joined.schema()->find(key)) {
      added.push_back(key);  // semi and anti joins show the left key only
    }
  }
  return joined.drop(added);
}
LazyFrame LazyFrame::cross_join(const LazyFrame& right, std::string right_suffix) const {
  return join(right, {}, {}, JoinOptions{JoinType::kInner, std::move(right_suffix), std::nullopt});
}
LazyGroupBy LazyFrame::group_by(std::vector<std::string> keys) const {
  if (keys.empty()) {
    throw SchemaError("group_by needs at least one key column; use aggregate() for totals");
  }
  for (const std::string& key : keys) {
    node_->schema->index_of(key);
  }
  return LazyGroupBy(*this, std::move(keys));
}
LazyFrame LazyFrame::aggregate(const std::vector<Expr>& aggregates) const {
  return LazyFrame(plan::aggregate(node_, {}, aggregates));
}
LazyFrame LazyGroupBy::agg(const std::vector<Expr>& aggregates) const {
  return LazyFrame(plan::aggregate(input_.node(), keys_, aggregates));
}

namespace {

// Runs `node` on every rank: the ranks check that they planned alike, and a rank that
// fails ends the query on all of them (none is left waiting in an exchange).
template <class Run>
auto run_distributed(const LazyFrame& frame, const DistributedContext& context, bool gather,
                     const Run& run) {
  plan::NodePtr planned = plan::distribute(plan::optimize(frame.node()), context, gather);
  Communicator& communicator = *context.communicator;
  plan::check_plans_agree(planned, communicator);
  try {
    planned = plan::agree_shares(planned, communicator);
    return run(planned);
  } catch (const CancelledError& cancelled) {
    communicator.stop_together(cancelled.what());  // the others stop at their next exchange
    throw;
  } catch (const std::exception& error) {
    const std::string& owner = current_memory_context().owner;  // the factory, in a pipeline
    communicator.abort(communicator.describe() +
                       (owner.empty() ? std::string() : ": factory '" + owner + "'") +
                       " failed: " + error.what());
    throw;  // not reached: abort() ends the run
  }
}

}  // namespace

Table LazyFrame::collect() const {
  if (const DistributedContext* distributed = current_distributed_context()) {
    return run_distributed(*this, *distributed, true, plan::execute);
  }
  return plan::execute(plan::optimize(node_));
}
Table LazyFrame::collect_partition() const {
  if (const DistributedContext* distributed = current_distributed_context()) {
    return run_distributed(*this, *distributed, false, plan::execute);
  }
  return collect();
}
std::unique_ptr<BatchStream> LazyFrame::stream() const {
  if (current_distributed_context() != nullptr) {
    return stream_table(collect(), current_memory_context().batch_bytes);
  }
  return plan::execute_stream(plan::optimize(node_));
}
std::string LazyFrame::explain() const {
  if (const DistributedContext* distributed = current_distributed_context()) {
    return plan::explain(plan::distribute(plan::optimize(node_), *distributed, true));
  }
  return plan::explain(plan::optimize(node_));
}
std::optional<double> LazyFrame::estimated_rows() const {
  plan::CardinalityEstimator estimator;
  std::optional<plan::Estimate> estimate = estimator.of(plan::with_filters_pushed(node_));
  return estimate ? std::optional<double>(estimate->rows) : std::nullopt;
}
std::optional<double> LazyFrame::estimated_distinct(const std::string& column) const {
  return plan::estimated_distinct(node_, column);
}
std::string LazyFrame::explain_analyze() const {
  if (const DistributedContext* distributed = current_distributed_context()) {
    return run_distributed(*this, *distributed, true, [](const plan::NodePtr& planned) {
      return plan::explain_analyze(planned);
    });
  }
  return plan::explain_analyze(plan::optimize(node_));
}

std::string LazyFrame::explain_unoptimized() const {
  return plan::explain(node_);
}

}  // namespace setl::engine
