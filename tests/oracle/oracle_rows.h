// The columns both file oracles (Parquet and Arrow IPC) write for independent readers to
// check, built row by row: NULLs at a different rhythm per column, an int64 beyond 2^53
// (a reader that went through doubles would show it), strings with quotes and non-ASCII
// letters, dates before and after the epoch. Each oracle adds the columns of its own format.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "setl/engine/builder.h"

namespace setl::oracle {

using NamedColumns = std::vector<std::pair<std::string, engine::ColumnPtr>>;

/// Columns b (bool), i32, i64, f (double), s (string) and d (date32) of `rows` rows.
inline NamedColumns common_columns(int64_t rows) {
  using engine::DataType;
  engine::ColumnBuilder b(DataType::boolean()), i32(DataType::int32()), i64(DataType::int64()),
      f(DataType::float64()), s(DataType::string()), d(DataType::date32());
  for (int64_t r = 0; r < rows; ++r) {
    bool null = r % 7 == 3;
    null ? b.append_null() : b.append_bool(r % 3 == 0);
    null ? i32.append_null() : i32.append_int(static_cast<int32_t>(r * 37 % 1000 - 500));
    r % 11 == 5 ? i64.append_null() : i64.append_int(r * 1'000'000'007LL + (int64_t{1} << 60));
    null ? f.append_null() : f.append_double(static_cast<double>(r) / 8.0 - 3.25);
    r % 13 == 1 ? s.append_null()
                : s.append_string(r % 5 == 0 ? "" : "ünï \"" + std::to_string(r % 9) + "\"");
    null ? d.append_null() : d.append_int(static_cast<int32_t>(19000 + r - 40000));
  }
  return {{"b", b.finish()}, {"i32", i32.finish()}, {"i64", i64.finish()},
          {"f", f.finish()}, {"s", s.finish()},     {"d", d.finish()}};
}

}  // namespace setl::oracle
