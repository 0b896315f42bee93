// Window functions: rows are ordered by (partition keys, order keys); each partition is
// walked once. Results are written back in the table's row order. Aggregates over frames
// (and cum_sum, a sum over the default frame) are in window_frames.cc.
#include <algorithm>
#include <numeric>

#include "engine/expr/expr_eval.h"
#include "engine/operators/row_compare.h"
#include "engine/operators/window_frames.h"
#include "engine/types/column_ops.h"
#include "setl/core/error.h"
#include "setl/engine/builder.h"
#include "setl/engine/table.h"

namespace setl::engine {
namespace {

using detail::KeyComparator;
using detail::WindowOrder;

int compare_keys(const std::vector<KeyComparator>& keys, int64_t a, int64_t b) {
  for (const KeyComparator& key : keys) {
    int c = key.compare(a, b);
    if (c != 0) {
      return c;
    }
  }
  return 0;
}

// Rows in (partition keys, order keys) order, split where the partition keys change.
WindowOrder window_order(const RecordBatch& batch, const WindowSpec& window) {
  const Schema& schema = *batch.schema();
  std::vector<KeyComparator> partition;
  for (const std::string& name : window.partition_by) {
    partition.push_back({batch.column(schema.index_of(name)).get(), false, true});
  }
  WindowOrder order;
  for (const SortKey& key : window.order_by) {
    order.order_keys.push_back({batch.column(schema.index_of(key.column)).get(), key.descending,
                                key.nulls_first.value_or(!key.descending)});
  }
  order.rows.resize(static_cast<size_t>(batch.num_rows()));
  std::iota(order.rows.begin(), order.rows.end(), 0);
  std::stable_sort(order.rows.begin(), order.rows.end(), [&](int64_t a, int64_t b) {
    int c = compare_keys(partition, a, b);
    return c != 0 ? c < 0 : compare_keys(order.order_keys, a, b) < 0;
  });
  for (size_t at = 0; at < order.rows.size(); ++at) {
    if (at == 0 || compare_keys(partition, order.rows[at - 1], order.rows[at]) != 0) {
      order.starts.push_back(at);
    }
  }
  order.starts.push_back(order.rows.size());
  return order;
}

// row_number, rank, dense_rank, lag and lead.
ColumnPtr ranking_column(const RecordBatch& batch, const Expr& expr, const WindowOrder& order) {
  const std::string& function = expr.name();
  int64_t rows = batch.num_rows();
  bool shifts = function == "lag" || function == "lead";
  ColumnPtr values;
  DataType value_type = DataType::int64();
  int64_t offset = 0;
  if (shifts) {
    detail::BoundExpr bound = detail::bind(expr.args()[0], *batch.schema());
    values = detail::evaluate_column(bound, batch);
    value_type = bound.type;
    offset = expr.args()[1].literal().as_int();
  }
  std::vector<int64_t> integers(static_cast<size_t>(rows), 0);
  std::vector<int64_t> source(static_cast<size_t>(rows), -1);  // lag/lead: row to copy
  for (size_t p = 0; p + 1 < order.starts.size(); ++p) {
    size_t start = order.starts[p];
    size_t end = order.starts[p + 1];
    int64_t dense = 0;
    size_t peer_start = start;
    while (peer_start < end) {
      size_t peer_end = peer_start + 1;
      while (peer_end < end &&
             compare_keys(order.order_keys, order.rows[peer_start], order.rows[peer_end]) == 0) {
        ++peer_end;
      }
      auto rank = static_cast<int64_t>(peer_start - start) + 1;
      ++dense;
      for (size_t i = peer_start; i < peer_end; ++i) {
        auto row = static_cast<size_t>(order.rows[i]);
        auto position = static_cast<int64_t>(i - start);
        if (function == "row_number") {
          integers[row] = position + 1;
        } else if (function == "rank") {
          integers[row] = rank;
        } else if (function == "dense_rank") {
          integers[row] = dense;
        } else {
          int64_t target = function == "lag" ? position - offset : position + offset;
          if (target >= 0 && target < static_cast<int64_t>(end - start)) {
            source[row] = order.rows[start + static_cast<size_t>(target)];
          }
        }
      }
      peer_start = peer_end;
    }
  }
  if (!shifts) {
    ColumnBuilder builder(value_type, rows);
    for (int64_t value : integers) {
      builder.append_int(value);
    }
    return builder.finish();
  }
  Expr fallback_expr = expr.args()[2];
  detail::BoundExpr fallback_bound = detail::bind(fallback_expr, *batch.schema());
  if (!(fallback_bound.type == value_type) && fallback_bound.type.id() != TypeId::kNull) {
    fallback_bound = detail::bind(fallback_expr.cast(value_type), *batch.schema());
  }
  ColumnPtr fallback = detail::evaluate_column(fallback_bound, batch);
  ColumnBuilder builder(value_type, rows);
  for (int64_t row = 0; row < rows; ++row) {
    int64_t from = source[static_cast<size_t>(row)];
    if (from >= 0) {
      builder.append_from(*values, from);
    } else if (fallback->is_valid(row) && fallback->type() == value_type) {
      builder.append_from(*fallback, row);
    } else {
      builder.append_null();
    }
  }
  return builder.finish();
}

ColumnPtr window_column(const RecordBatch& batch, const Expr& expr) {
  const std::string& function = expr.name();
  const WindowSpec& window = expr.window();
  bool ranking = function == "row_number" || function == "rank" || function == "dense_rank" ||
                 function == "lag" || function == "lead";
  if (ranking && function != "row_number" && window.order_by.empty()) {
    throw SchemaError(function + "() needs an ORDER BY in its window: " + expr.to_string());
  }
  WindowOrder order = window_order(batch, window);
  return ranking ? ranking_column(batch, expr, order)
                 : detail::framed_aggregate(batch, expr, order);
}

}  // namespace

Table with_window_column(const Table& table, std::string name, const Expr& value) {
  RecordBatch batch = table.combine();
  ColumnPtr column = window_column(batch, value);
  std::vector<Field> fields = table.schema()->fields();
  std::vector<ColumnPtr> columns = batch.columns();
  std::optional<size_t> existing = table.schema()->find(name);
  Field field{name, column->type(), true};
  if (existing) {
    fields[*existing] = field;
    columns[*existing] = column;
  } else {
    fields.push_back(field);
    columns.push_back(column);
  }
  auto schema = std::make_shared<Schema>(std::move(fields));
  if (table.num_rows() == 0) {
    return Table::empty(schema);
  }
  return Table(schema, {RecordBatch(schema, std::move(columns), table.num_rows())});
}

}  // namespace setl::engine
