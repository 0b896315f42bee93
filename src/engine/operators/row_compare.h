// Row ordering by one column under a sort key's direction and NULL placement (private to
// the engine; used by sort and window functions).
#pragma once

#include "setl/engine/column.h"

namespace setl::engine::detail {

struct KeyComparator {
  const Column* column;
  bool descending;
  bool nulls_first;

  /// <0, 0 or >0: row a before, level with, or after row b.
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

}  // namespace setl::engine::detail
