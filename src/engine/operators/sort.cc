// Multi-key stable sort: compute a permutation of the rows, then gather every column.
#include <algorithm>
#include <numeric>

#include "engine/types/column_ops.h"
#include "engine/operators/parallel.h"
#include "engine/operators/row_compare.h"
#include "setl/core/error.h"
#include "setl/engine/table.h"

namespace setl::engine {

using detail::KeyComparator;

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
