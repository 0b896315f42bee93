// Window functions: rows are ordered by (partition keys, order keys); each partition is
// walked once. Results are written back in the table's row order.
#include <algorithm>
#include <numeric>

#include "engine/expr/expr_eval.h"
#include "engine/operators/row_compare.h"
#include "engine/types/column_ops.h"
#include "setl/core/error.h"
#include "setl/engine/builder.h"
#include "setl/engine/table.h"

namespace setl::engine {
namespace {

using detail::KeyComparator;

ColumnPtr window_column(const RecordBatch& batch, const Expr& expr) {
  const Schema& schema = *batch.schema();
  const WindowSpec& window = expr.window();
  const std::string& function = expr.name();
  int64_t rows = batch.num_rows();

  std::vector<KeyComparator> partition;
  for (const std::string& name : window.partition_by) {
    partition.push_back({batch.column(schema.index_of(name)).get(), false, true});
  }
  std::vector<KeyComparator> order;
  for (const SortKey& key : window.order_by) {
    order.push_back({batch.column(schema.index_of(key.column)).get(), key.descending,
                     key.nulls_first.value_or(!key.descending)});
  }
  if ((function == "rank" || function == "dense_rank" || function == "lag" || function == "lead") &&
      order.empty()) {
    throw SchemaError(function + "() needs an ORDER BY in its window: " + expr.to_string());
  }

  auto compare_keys = [](const std::vector<KeyComparator>& keys, int64_t a, int64_t b) {
    for (const KeyComparator& key : keys) {
      int c = key.compare(a, b);
      if (c != 0) {
        return c;
      }
    }
    return 0;
  };
  std::vector<int64_t> sorted(static_cast<size_t>(rows));
  std::iota(sorted.begin(), sorted.end(), 0);
  std::stable_sort(sorted.begin(), sorted.end(), [&](int64_t a, int64_t b) {
    int c = compare_keys(partition, a, b);
    return c != 0 ? c < 0 : compare_keys(order, a, b) < 0;
  });

  ColumnPtr values;
  DataType value_type = DataType::int64();
  if (function == "lag" || function == "lead" || function == "cum_sum") {
    detail::BoundExpr bound = detail::bind(expr.args()[0], schema);
    values = detail::evaluate_column(bound, batch);
    value_type = bound.type;
    if (function == "cum_sum") {
      if (!value_type.is_numeric()) {
        throw SchemaError("cum_sum() needs a numeric input; " + expr.args()[0].to_string() +
                          " is " + value_type.to_string());
      }
      value_type = value_type.is_decimal()
                       ? DataType::decimal(kMaxDecimalPrecision, value_type.scale())
                   : value_type.id() == TypeId::kFloat64 ? DataType::float64()
                                                         : DataType::int64();
    }
  }

  std::vector<int64_t> integers(static_cast<size_t>(rows), 0);
  std::vector<double> doubles;
  std::vector<int128> decimals(value_type.is_decimal() ? static_cast<size_t>(rows) : 0, 0);
  std::vector<uint8_t> valid(static_cast<size_t>(rows), 1);
  std::vector<int64_t> source(static_cast<size_t>(rows), -1);  // lag/lead: row to copy
  if (function == "cum_sum") {
    doubles.assign(static_cast<size_t>(rows), 0);
  }
  int64_t offset = function == "lag" || function == "lead" ? expr.args()[1].literal().as_int() : 0;

  size_t start = 0;
  while (start < sorted.size()) {
    size_t end = start + 1;
    while (end < sorted.size() && compare_keys(partition, sorted[start], sorted[end]) == 0) {
      ++end;
    }
    // [start, end) is one partition in window order.
    int64_t rank = 0;
    int64_t dense = 0;
    int64_t running_int = 0;
    double running_double = 0;
    int128 running_decimal = 0;
    bool any = false;
    size_t peer_start = start;
    while (peer_start < end) {
      size_t peer_end = peer_start + 1;
      while (peer_end < end && compare_keys(order, sorted[peer_start], sorted[peer_end]) == 0) {
        ++peer_end;
      }
      rank = static_cast<int64_t>(peer_start - start) + 1;
      ++dense;
      if (function == "cum_sum") {
        for (size_t i = peer_start; i < peer_end; ++i) {
          int64_t row = sorted[i];
          if (values->is_null(row)) {
            continue;
          }
          any = true;
          if (value_type.id() == TypeId::kFloat64) {
            running_double += values->values<double>()[row];
          } else if (value_type.is_decimal()) {
            if (__builtin_add_overflow(running_decimal, values->values<int128>()[row],
                                       &running_decimal) ||
                !fits_precision(running_decimal, kMaxDecimalPrecision)) {
              throw SchemaError("decimal overflow in cum_sum(); cast the input to float64");
            }
          } else {
            int64_t value = values->type().id() == TypeId::kInt32 ? values->values<int32_t>()[row]
                                                                  : values->values<int64_t>()[row];
            if (__builtin_add_overflow(running_int, value, &running_int)) {
              throw SchemaError("integer overflow in cum_sum(); cast the input to float64");
            }
          }
        }
      }
      for (size_t i = peer_start; i < peer_end; ++i) {
        size_t row = static_cast<size_t>(sorted[i]);
        int64_t position = static_cast<int64_t>(i - start);
        if (function == "row_number") {
          integers[row] = position + 1;
        } else if (function == "rank") {
          integers[row] = rank;
        } else if (function == "dense_rank") {
          integers[row] = dense;
        } else if (function == "cum_sum") {
          valid[row] = any;
          integers[row] = running_int;
          doubles[row] = running_double;
          if (value_type.is_decimal()) {
            decimals[row] = running_decimal;
          }
        } else {
          int64_t target = function == "lag" ? position - offset : position + offset;
          if (target >= 0 && target < static_cast<int64_t>(end - start)) {
            source[row] = sorted[start + static_cast<size_t>(target)];
          }
        }
      }
      peer_start = peer_end;
    }
    start = end;
  }

  if (function == "lag" || function == "lead") {
    Expr fallback_expr = expr.args()[2];
    detail::BoundExpr fallback_bound = detail::bind(fallback_expr, schema);
    if (!(fallback_bound.type == value_type) && fallback_bound.type.id() != TypeId::kNull) {
      fallback_bound = detail::bind(fallback_expr.cast(value_type), schema);
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
  ColumnBuilder builder(value_type, rows);
  for (int64_t row = 0; row < rows; ++row) {
    size_t at = static_cast<size_t>(row);
    if (!valid[at]) {
      builder.append_null();
    } else if (value_type.id() == TypeId::kFloat64) {
      builder.append_double(doubles[at]);
    } else if (value_type.is_decimal()) {
      builder.append_decimal(decimals[at]);
    } else {
      builder.append_int(integers[at]);
    }
  }
  return builder.finish();
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
