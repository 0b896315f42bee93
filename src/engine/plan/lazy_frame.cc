#include "setl/engine/lazy_frame.h"

#include <algorithm>

#include "engine/expr/expr_eval.h"
#include "engine/operators/aggregate.h"
#include "engine/operators/parallel.h"
#include "engine/plan/logical_plan.h"
#include "engine/types/column_ops.h"
#include "setl/core/error.h"
#include "setl/core/job_group.h"

namespace setl::engine {
namespace plan {
namespace {

using Kind = LazyFrame::Node::Kind;

std::shared_ptr<LazyFrame::Node> node_of(Kind kind, std::vector<NodePtr> inputs) {
  auto node = std::make_shared<LazyFrame::Node>();
  node->kind = kind;
  node->inputs = std::move(inputs);
  return node;
}

// Output schemas come from running the same operation on empty inputs, so they always
// agree with execution (names, suffixes, types, errors).
Table empty_like(const NodePtr& node) {
  return Table::empty(node->schema);
}

std::string join_text(const std::vector<std::string>& parts) {
  std::string text;
  for (const std::string& part : parts) {
    text += (text.empty() ? "" : ", ") + part;
  }
  return text;
}

std::string exprs_text(const std::vector<Expr>& exprs) {
  std::string text;
  for (const Expr& expr : exprs) {
    std::string item = expr.to_string();
    if (expr.has_alias() && expr.output_name() != item) {
      item += " AS " + expr.output_name();
    }
    text += (text.empty() ? "" : ", ") + item;
  }
  return text;
}

const char* join_name(JoinType type) {
  switch (type) {
    case JoinType::kInner:
      return "inner";
    case JoinType::kLeft:
      return "left";
    case JoinType::kRight:
      return "right";
    case JoinType::kFull:
      return "full";
    case JoinType::kSemi:
      return "semi";
    case JoinType::kAnti:
      return "anti";
  }
  return "?";
}

void explain_into(const NodePtr& node, int depth, std::string& out) {
  std::string line(static_cast<size_t>(depth) * 2, ' ');
  switch (node->kind) {
    case Kind::kTable:
      line += "Table (" + std::to_string(node->table->num_rows()) + " rows) [" +
              join_text(node->schema->names()) + "]";
      break;
    case Kind::kScan:
      line += "Scan " + node->source->describe() + " columns=[" + join_text(node->schema->names()) +
              "]";
      if (node->request.filter) {
        line += " filter=" + node->request.filter->to_string();
      }
      break;
    case Kind::kProject:
      line += "Project [" + exprs_text(node->exprs) + "]";
      break;
    case Kind::kWindow:
      line += "Window " + node->exprs[0].to_string() + " AS " + node->name;
      break;
    case Kind::kFilter:
      line += "Filter " + node->exprs[0].to_string();
      break;
    case Kind::kLimit:
      line += "Limit " + std::to_string(node->count) +
              (node->offset ? " offset " + std::to_string(node->offset) : "");
      break;
    case Kind::kSort: {
      std::vector<std::string> keys;
      for (const SortKey& key : node->sort_keys) {
        keys.push_back(key.column + (key.descending ? " desc" : " asc"));
      }
      line += "Sort [" + join_text(keys) + "]";
      break;
    }
    case Kind::kDistinct:
      line += "Distinct";
      break;
    case Kind::kUnion:
      line += "Union all";
      break;
    case Kind::kJoin: {
      std::vector<std::string> pairs;
      for (size_t i = 0; i < node->keys.size(); ++i) {
        pairs.push_back(node->keys[i] + " = " + node->right_keys[i]);
      }
      line += std::string("Join ") + join_name(node->join_type) + " on " + join_text(pairs);
      break;
    }
    case Kind::kAggregate:
      line += "Aggregate" +
              (node->keys.empty() ? std::string() : " by [" + join_text(node->keys) + "]") + " [" +
              exprs_text(node->exprs) + "]";
      break;
  }
  out += line + "\n";
  for (const NodePtr& input : node->inputs) {
    explain_into(input, depth + 1, out);
  }
}

// The filters and projections starting at `source`, topmost first; `source` is left at the
// first node below them.
std::vector<NodePtr> filter_project_chain(NodePtr& source) {
  std::vector<NodePtr> chain;
  while (source->kind == Kind::kFilter || source->kind == Kind::kProject) {
    chain.push_back(source);
    source = source->inputs[0];
  }
  return chain;
}

}  // namespace

NodePtr table(Table table) {
  auto node = node_of(Kind::kTable, {});
  node->schema = table.schema();
  node->table = std::move(table);
  return node;
}

NodePtr scan(std::shared_ptr<const ScanSource> source, ScanRequest request) {
  auto node = node_of(Kind::kScan, {});
  SchemaPtr full = source->schema();
  if (request.columns.empty()) {
    node->schema = full;
  } else {
    std::vector<Field> fields;
    for (const Field& field : full->fields()) {
      for (const std::string& wanted : request.columns) {
        if (wanted == field.name) {
          fields.push_back(field);
        }
      }
    }
    for (const std::string& wanted : request.columns) {
      full->index_of(wanted);  // unknown columns fail here, with a suggestion
    }
    node->schema = std::make_shared<Schema>(std::move(fields));
  }
  if (request.filter) {
    result_type(*request.filter, *full);
  }
  node->source = std::move(source);
  node->request = std::move(request);
  return node;
}

NodePtr project(NodePtr input, std::vector<Expr> columns) {
  auto node = node_of(Kind::kProject, {input});
  node->schema = empty_like(input).select(columns).schema();
  node->exprs = std::move(columns);
  return node;
}

NodePtr window(NodePtr input, std::string name, Expr function) {
  auto node = node_of(Kind::kWindow, {input});
  node->schema = empty_like(input).with_column(name, function).schema();
  node->exprs = {std::move(function)};
  node->name = std::move(name);
  return node;
}

NodePtr filter(NodePtr input, Expr predicate) {
  auto node = node_of(Kind::kFilter, {input});
  // Filtering an empty table of the input's schema types the predicate now, at plan time.
  static_cast<void>(empty_like(input).filter(predicate));
  node->schema = input->schema;
  node->exprs = {std::move(predicate)};
  return node;
}

NodePtr limit(NodePtr input, int64_t count, int64_t offset) {
  if (count < 0 || offset < 0) {
    throw StateError("limit needs a non-negative count and offset");
  }
  auto node = node_of(Kind::kLimit, {input});
  node->schema = input->schema;
  node->count = count;
  node->offset = offset;
  return node;
}

NodePtr sort(NodePtr input, std::vector<SortKey> keys) {
  auto node = node_of(Kind::kSort, {input});
  for (const SortKey& key : keys) {
    input->schema->index_of(key.column);
  }
  node->schema = input->schema;
  node->sort_keys = std::move(keys);
  return node;
}

NodePtr distinct(NodePtr input) {
  auto node = node_of(Kind::kDistinct, {input});
  node->schema = input->schema;
  return node;
}

NodePtr union_all(NodePtr left, NodePtr right) {
  auto node = node_of(Kind::kUnion, {left, right});
  node->schema = empty_like(left).union_all(empty_like(right)).schema();
  return node;
}

NodePtr join(NodePtr left, NodePtr right, std::vector<std::string> left_on,
             std::vector<std::string> right_on, JoinType type) {
  auto node = node_of(Kind::kJoin, {left, right});
  node->schema = empty_like(left).join(empty_like(right), left_on, right_on, type).schema();
  node->keys = std::move(left_on);
  node->right_keys = std::move(right_on);
  node->join_type = type;
  return node;
}

NodePtr aggregate(NodePtr input, std::vector<std::string> keys, std::vector<Expr> aggregates) {
  auto node = node_of(Kind::kAggregate, {input});
  Table empty = empty_like(input);
  node->schema = keys.empty() ? empty.aggregate(aggregates).schema()
                              : empty.group_by(keys).agg(aggregates).schema();
  node->keys = std::move(keys);
  node->exprs = std::move(aggregates);
  return node;
}

Table execute(const NodePtr& node) {
  switch (node->kind) {
    case Kind::kTable:
      return *node->table;
    case Kind::kScan: {
      Table scanned = node->source->scan(node->request);
      if (node->request.filter && !node->source->applies_filter_exactly()) {
        scanned = scanned.filter(*node->request.filter);
      }
      if (scanned.schema()->names() != node->schema->names()) {
        scanned = scanned.select(node->schema->names());
      }
      return scanned;
    }
    case Kind::kProject:
    case Kind::kFilter: {
      // A chain of filters and projections runs batch by batch, each batch through the
      // whole chain, so no intermediate table is ever held.
      NodePtr source = node;
      std::vector<NodePtr> chain = filter_project_chain(source);
      Table input = execute(source);
      std::vector<std::optional<RecordBatch>> outputs(input.batches().size());
      detail::parallel_for(outputs.size(), [&](size_t index) {
        Table part = Table::from_batch(input.batches()[index]);
        report_progress(part.num_rows());
        for (auto step = chain.rbegin(); step != chain.rend() && part.num_rows() > 0; ++step) {
          part = (*step)->kind == Kind::kFilter ? part.filter((*step)->exprs[0])
                                                : part.select((*step)->exprs);
        }
        if (part.num_rows() > 0) {
          outputs[index] = part.combine();
        }
      });
      std::vector<RecordBatch> batches;
      for (std::optional<RecordBatch>& output : outputs) {
        if (output) {
          batches.emplace_back(node->schema, output->columns(), output->num_rows());
        }
      }
      return Table(node->schema, std::move(batches));
    }
    case Kind::kWindow:
      return execute(node->inputs[0]).with_column(node->name, node->exprs[0]);
    case Kind::kLimit:
      return execute(node->inputs[0]).limit(node->count, node->offset);
    case Kind::kSort:
      return execute(node->inputs[0]).sort(node->sort_keys);
    case Kind::kDistinct:
      return execute(node->inputs[0]).distinct();
    case Kind::kUnion:
      return execute(node->inputs[0]).union_all(execute(node->inputs[1]));
    case Kind::kJoin:
      return execute(node->inputs[0])
          .join(execute(node->inputs[1]), node->keys, node->right_keys, node->join_type);
    case Kind::kAggregate: {
      // Filters and projections below an aggregate run per batch inside it.
      NodePtr source = node->inputs[0];
      std::vector<NodePtr> chain = filter_project_chain(source);
      if (chain.empty()) {
        Table input = execute(source);
        return node->keys.empty() ? input.aggregate(node->exprs)
                                  : input.group_by(node->keys).agg(node->exprs);
      }
      Table input = execute(source);
      const std::vector<RecordBatch>& batches = input.batches();
      // The topmost filter of the chain (only projections above it) may hand its rows to
      // the aggregate as a selection instead of copying every column, when most rows pass.
      size_t top_filter = chain.size();
      for (size_t i = 0; i < chain.size(); ++i) {
        if (chain[i]->kind == Kind::kFilter) {
          top_filter = i;
          break;
        }
      }
      BatchSource batch_at = [&](size_t index) -> std::optional<SelectedBatch> {
        Table part = Table::from_batch(batches[index]);
        for (size_t i = chain.size(); i-- > top_filter + 1;) {
          part = chain[i]->kind == Kind::kFilter ? part.filter(chain[i]->exprs[0])
                                                 : part.select(chain[i]->exprs);
        }
        if (part.batches().empty()) {
          return std::nullopt;
        }
        RecordBatch batch = part.combine();
        BufferPtr selection;
        if (top_filter < chain.size()) {
          const Expr& predicate = chain[top_filter]->exprs[0];
          ColumnPtr mask = detail::evaluate_column(detail::bind(predicate, *batch.schema()), batch);
          selection = detail::selection_bits(*mask);
          int64_t selected = count_set_bits(selection->data(), 0, batch.num_rows());
          if (selected == 0) {
            return std::nullopt;
          }
          if (selected * 4 < batch.num_rows() * 3) {
            std::vector<int64_t> rows = detail::true_rows(*mask);
            std::vector<ColumnPtr> columns;
            for (const ColumnPtr& column : batch.columns()) {
              columns.push_back(detail::take(*column, rows));
            }
            batch =
                RecordBatch(batch.schema(), std::move(columns), static_cast<int64_t>(rows.size()));
            selection = nullptr;
          }
        }
        for (size_t i = std::min(top_filter, chain.size()); i-- > 0;) {
          batch = Table::from_batch(batch).select(chain[i]->exprs).combine();
        }
        return SelectedBatch{batch, selection};
      };
      return aggregate_batches(*node->inputs[0]->schema, batches.size(), batch_at, node->keys,
                               node->exprs);
    }
  }
  throw InternalError("unknown plan node");
}

std::string explain(const NodePtr& node) {
  std::string text;
  explain_into(node, 0, text);
  return text;
}

}  // namespace plan

LazyFrame LazyFrame::from(Table table) {
  return LazyFrame(plan::table(std::move(table)));
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
                          const std::vector<std::string>& right_on, JoinType type) const {
  return LazyFrame(plan::join(node_, right.node_, left_on, right_on, type));
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

Table LazyFrame::collect() const {
  return plan::execute(plan::optimize(node_));
}
std::string LazyFrame::explain() const {
  return plan::explain(plan::optimize(node_));
}
std::string LazyFrame::explain_unoptimized() const {
  return plan::explain(node_);
}

}  // namespace setl::engine
