// Multi-key stable sort: compute a permutation of the rows, then gather every column.
#include <algorithm>
#include <numeric>

#include "column_ops.h"
#include "executor.h"
#include "setl/core/error.h"
#include "setl/engine/table.h"

namespace setl::engine {
namespace {

// Compares two rows of one key column: <0, 0 or >0 in the key's requested order.
struct KeyComparator {
  const Column* column;
  bool descending;
  bool nulls_first;

  int compare(int64_t a, int64_t b) const {
    bool a_null = column->is_null(a);
    bool b_null = column->is_null(b);
    if (a_null || b_null) {
      if (a_null && b_null) {
        return 0;
      }
      return (a_null == nulls_first) ? -1 : 1;
    }
    int order = 0;
    switch (column->type().id()) {
      case TypeId::kBool:
        order = static_cast<int>(column->bool_value(a)) - static_cast<int>(column->bool_value(b));
        break;
      case TypeId::kInt32:
      case TypeId::kDate32: {
        int32_t x = column->values<int32_t>()[a], y = column->values<int32_t>()[b];
        order = (x > y) - (x < y);
        break;
      }
      case TypeId::kInt64:
      case TypeId::kTimestamp: {
        int64_t x = column->values<int64_t>()[a], y = column->values<int64_t>()[b];
        order = (x > y) - (x < y);
        break;
      }
      case TypeId::kFloat64: {
        // NaN sorts after every number (as in Spark and PostgreSQL).
        double x = column->values<double>()[a], y = column->values<double>()[b];
        bool x_nan = x != x, y_nan = y != y;
        order =
            x_nan || y_nan ? static_cast<int>(x_nan) - static_cast<int>(y_nan) : (x > y) - (x < y);
        break;
      }
      case TypeId::kString: {
        int c = column->string_value(a).compare(column->string_value(b));
        order = (c > 0) - (c < 0);
        break;
      }
      case TypeId::kNull:
        break;
    }
    return descending ? -order : order;
  }
};

}  // namespace

Table Table::sort(const std::vector<SortKey>& keys) const {
  if (keys.empty() || num_rows_ <= 1) {
    return *this;
  }
  RecordBatch all = combine();
  std::vector<KeyComparator> comparators;
  for (const SortKey& key : keys) {
    const Column* column = all.column(schema_->index_of(key.column)).get();
    comparators.push_back({column, key.descending, key.nulls_first.value_or(!key.descending)});
  }
  std::vector<int64_t> order(static_cast<size_t>(num_rows_));
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(), [&](int64_t a, int64_t b) {
    for (const KeyComparator& comparator : comparators) {
      int c = comparator.compare(a, b);
      if (c != 0) {
        return c < 0;
      }
    }
    return false;
  });
  std::vector<ColumnPtr> columns(all.num_columns());
  detail::parallel_for(columns.size(),
                       [&](size_t i) { columns[i] = detail::take(*all.column(i), order); });
  return Table(schema_, {RecordBatch(schema_, std::move(columns), num_rows_)});
}

}  // namespace setl::engine
