// Row ordering by one column under a sort key's direction and NULL placement (private to
// the engine; used by sort and window functions).
#pragma once

#include "setl/engine/column.h"

namespace setl::engine::detail {

/// <0, 0 or >0: row a of `x` before, level with, or after row b of `y` (columns of one
/// type) in ascending order with NULLs placed by `nulls_first`, reversed if `descending`.
inline int compare_rows(const Column& x, int64_t a, const Column& y, int64_t b, bool descending,
                        bool nulls_first) {
  bool a_null = x.is_null(a);
  bool b_null = y.is_null(b);
  if (a_null || b_null) {
    if (a_null && b_null) {
      return 0;
    }
    return (a_null == nulls_first) ? -1 : 1;
  }
  int order = 0;
  switch (x.type().id()) {
    case TypeId::kBool:
      order = static_cast<int>(x.bool_value(a)) - static_cast<int>(y.bool_value(b));
      break;
    case TypeId::kInt32:
    case TypeId::kDate32: {
      int32_t p = x.values<int32_t>()[a], q = y.values<int32_t>()[b];
      order = (p > q) - (p < q);
      break;
    }
    case TypeId::kInt64:
    case TypeId::kTimestamp: {
      int64_t p = x.values<int64_t>()[a], q = y.values<int64_t>()[b];
      order = (p > q) - (p < q);
      break;
    }
    case TypeId::kFloat64: {
      // NaN sorts after every number (as in Spark and PostgreSQL).
      double p = x.values<double>()[a], q = y.values<double>()[b];
      bool p_nan = p != p, q_nan = q != q;
      order =
          p_nan || q_nan ? static_cast<int>(p_nan) - static_cast<int>(q_nan) : (p > q) - (p < q);
      break;
    }
    case TypeId::kDecimal: {
      int128 p = x.values<int128>()[a], q = y.values<int128>()[b];
      order = (p > q) - (p < q);
      break;
    }
    case TypeId::kString: {
      int c = x.string_value(a).compare(y.string_value(b));
      order = (c > 0) - (c < 0);
      break;
    }
    case TypeId::kNull:
      break;
  }
  return descending ? -order : order;
}

struct KeyComparator {
  const Column* column;
  bool descending;
  bool nulls_first;

  /// <0, 0 or >0: row a before, level with, or after row b.
  int compare(int64_t a, int64_t b) const {
    return compare_rows(*column, a, *column, b, descending, nulls_first);
  }
};

}  // namespace setl::engine::detail
