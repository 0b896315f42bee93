// Row-preserving and row-selecting operators: select, with_column, rename, drop, filter,
// limit, union_all. Each batch is processed independently, in parallel.
#include <set>
#include <unordered_map>

#include "engine/types/column_ops.h"
#include "engine/operators/parallel.h"
#include "engine/expr/expr_eval.h"
#include "setl/core/error.h"
#include "setl/core/job_group.h"
#include "setl/engine/table.h"

namespace setl::engine {

namespace {

// Evaluates `exprs` on every batch in parallel into a new table with `schema`.
Table project(const Table& table, const std::vector<detail::BoundExpr>& bound, SchemaPtr schema) {
  std::vector<RecordBatch> batches(table.batches().size());
  detail::parallel_for(batches.size(), [&](size_t i) {
    const RecordBatch& batch = table.batches()[i];
    std::vector<ColumnPtr> columns;
    columns.reserve(bound.size());
    for (const detail::BoundExpr& expr : bound) {
      columns.push_back(detail::evaluate_column(expr, batch));
    }
    batches[i] = RecordBatch(schema, std::move(columns), batch.num_rows());
  });
  return Table(std::move(schema), std::move(batches));
}

}  // namespace

Table Table::select(const std::vector<Expr>& columns) const {
  std::vector<detail::BoundExpr> bound;
  std::vector<Field> fields;
  for (const Expr& expr : columns) {
    bound.push_back(detail::bind(expr, *schema_));
    bool nullable = true;
    if (expr.kind() == ExprKind::kColumn) {
      nullable = schema_->field(static_cast<size_t>(bound.back().column)).nullable;
    }
    fields.push_back({expr.output_name(), bound.back().type, nullable});
  }
  return project(*this, bound, std::make_shared<Schema>(std::move(fields)));
}

Table Table::select(const std::vector<std::string>& names) const {
  std::vector<Expr> columns;
  for (const std::string& name : names) {
    columns.push_back(col(name));
  }
  return select(columns);
}

Table Table::select(std::initializer_list<std::string_view> names) const {
  std::vector<Expr> columns;
  for (std::string_view name : names) {
    columns.push_back(col(std::string(name)));
  }
  return select(columns);
}

Table with_window_column(const Table& table, std::string name, const Expr& value);

namespace detail {

std::vector<Expr> columns_with(const Schema& schema, std::string name, const Expr& value) {
  std::vector<Expr> columns;
  bool replaced = false;
  for (const Field& field : schema.fields()) {
    if (field.name == name) {
      columns.push_back(value.alias(name));
      replaced = true;
    } else {
      columns.push_back(col(field.name));
    }
  }
  if (!replaced) {
    columns.push_back(value.alias(std::move(name)));
  }
  return columns;
}

}  // namespace detail

Table Table::with_column(std::string name, const Expr& value) const {
  if (value.kind() == ExprKind::kWindow) {
    return with_window_column(*this, std::move(name), value);
  }
  return select(detail::columns_with(*schema_, std::move(name), value));
}

Table Table::rename(const std::vector<std::pair<std::string, std::string>>& renames) const {
  std::vector<Field> fields = schema_->fields();
  for (const auto& [from, to] : renames) {
    fields[schema_->index_of(from)].name = to;
  }
  auto schema = std::make_shared<Schema>(std::move(fields));
  std::vector<RecordBatch> batches;
  for (const RecordBatch& batch : batches_) {
    batches.emplace_back(schema, batch.columns(), batch.num_rows());
  }
  return Table(std::move(schema), std::move(batches));
}

Table Table::drop(const std::vector<std::string>& names) const {
  std::set<size_t> dropped;
  for (const std::string& name : names) {
    dropped.insert(schema_->index_of(name));
  }
  std::vector<std::string> kept;
  for (size_t i = 0; i < schema_->num_fields(); ++i) {
    if (dropped.count(i) == 0) {
      kept.push_back(schema_->field(i).name);
    }
  }
  return select(kept);
}

Table Table::filter(const Expr& predicate) const {
  detail::BoundExpr bound = detail::bind(predicate, *schema_);
  if (bound.type.id() != TypeId::kBool && bound.type.id() != TypeId::kNull) {
    throw SchemaError("filter needs a bool predicate; " + predicate.to_string() + " is " +
                      bound.type.to_string());
  }
  std::vector<RecordBatch> batches(batches_.size());
  detail::parallel_for(batches.size(), [&](size_t i) {
    const RecordBatch& batch = batches_[i];
    report_progress(batch.num_rows());
    ColumnPtr mask = detail::evaluate_column(bound, batch);
    std::vector<int64_t> rows = detail::true_rows(*mask);
    if (static_cast<int64_t>(rows.size()) == batch.num_rows()) {
      batches[i] = batch;
      return;
    }
    std::vector<ColumnPtr> columns;
    columns.reserve(batch.num_columns());
    for (const ColumnPtr& column : batch.columns()) {
      columns.push_back(detail::take(*column, rows));
    }
    batches[i] = RecordBatch(schema_, std::move(columns), static_cast<int64_t>(rows.size()));
  });
  return Table(schema_, std::move(batches));
}

Table Table::filter(std::string_view predicate) const {
  return filter(parse_expr(predicate));
}

Table Table::limit(int64_t count, int64_t offset) const {
  if (count < 0 || offset < 0) {
    throw StateError("limit needs a non-negative count and offset");
  }
  int64_t start = std::min(offset, num_rows_);
  return slice(start, std::min(count, num_rows_ - start));
}

Table Table::union_all(const Table& other) const {
  if (schema_->num_fields() != other.schema()->num_fields()) {
    throw SchemaError("union_all needs the same columns; left has (" + schema_->to_string() +
                      "), right has (" + other.schema()->to_string() + ")");
  }
  std::vector<Expr> reordered;
  for (const Field& field : schema_->fields()) {
    std::optional<size_t> index = other.schema()->find(field.name);
    if (!index) {
      throw SchemaError("union_all: the right table has no column \"" + field.name + "\" (it has " +
                        other.schema()->to_string() + ")");
    }
    const DataType& right_type = other.schema()->field(*index).type;
    if (!(right_type == field.type)) {
      throw SchemaError("union_all: column \"" + field.name + "\" is " + field.type.to_string() +
                        " on the left and " + right_type.to_string() + " on the right");
    }
    reordered.push_back(col(field.name));
  }
  Table right = other.select(reordered);
  std::vector<Field> fields = schema_->fields();
  for (size_t i = 0; i < fields.size(); ++i) {
    fields[i].nullable = fields[i].nullable || right.schema()->field(i).nullable;
  }
  auto schema = std::make_shared<Schema>(std::move(fields));
  std::vector<RecordBatch> batches;
  for (const Table* part : {this, static_cast<const Table*>(&right)}) {
    for (const RecordBatch& batch : part->batches()) {
      batches.emplace_back(schema, batch.columns(), batch.num_rows());
    }
  }
  return Table(std::move(schema), std::move(batches));
}

}  // namespace setl::engine
