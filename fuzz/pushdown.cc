// Differential: a filtered scan with row-group pruning must return exactly the rows of an
// eager filter over the same data. Values and literals come from a palette rich in the
// cases that break pruning: NaN, -0.0 and 0.0, infinities, NULL, integer/float mixes.
#include <cmath>
#include <limits>
#include <memory>
#include <vector>

#include "fuzz_support.h"
#include "setl/engine/builder.h"
#include "setl/engine/expr.h"
#include "setl/storage/parquet_connector.h"

namespace {

using setl::engine::Expr;
using setl::engine::Scalar;

constexpr double kNan = std::numeric_limits<double>::quiet_NaN();
constexpr double kInf = std::numeric_limits<double>::infinity();
const double kPalette[] = {kNan, -0.0, 0.0, 1.0, -1.0, 2.5, kInf, -kInf, 1e300, 3.0};
const char* const kOps[] = {"=", "!=", "<", "<=", ">", ">="};

// Byte stream with a default once exhausted.
struct Bytes {
  const uint8_t* data;
  size_t size;
  size_t pos = 0;
  uint8_t next() { return pos < size ? data[pos++] : 0; }
};

Scalar literal(uint8_t code) {
  if (code % 11 == 10) {
    return Scalar::int64(code % 3);
  }
  return Scalar::float64(kPalette[code % 10]);
}

Expr predicate(Bytes& in, int depth) {
  uint8_t kind = in.next() % (depth > 2 ? 3 : 6);
  std::string column = in.next() % 2 == 0 ? "d" : "i";
  switch (kind) {
    case 0:
    case 1: {
      const char* op = kOps[in.next() % 6];
      return setl::engine::call(op,
                                {setl::engine::col(column), setl::engine::lit(literal(in.next()))});
    }
    case 2:
      return in.next() % 2 == 0 ? setl::engine::col(column).is_null()
                                : setl::engine::col(column).is_not_null();
    case 3:
      return predicate(in, depth + 1) && predicate(in, depth + 1);
    case 4:
      return predicate(in, depth + 1) || predicate(in, depth + 1);
    default:
      return setl::engine::call("in",
                                {setl::engine::col(column), setl::engine::lit(literal(in.next())),
                                 setl::engine::lit(literal(in.next()))});
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  setl::fuzz::single_threaded();
  Bytes in{data, size};
  int64_t rows = in.next() % 40;
  setl::engine::ColumnBuilder doubles(setl::engine::DataType::float64(), rows);
  setl::engine::ColumnBuilder ints(setl::engine::DataType::int64(), rows);
  for (int64_t r = 0; r < rows; ++r) {
    uint8_t code = in.next();
    if (code % 13 == 12) {
      doubles.append_null();
    } else {
      doubles.append_double(kPalette[code % 10]);
    }
    uint8_t other = in.next();
    if (other % 7 == 6) {
      ints.append_null();
    } else {
      ints.append_int(static_cast<int64_t>(other % 5) - 2);
    }
  }
  auto table = setl::engine::Table::from_columns({{"d", doubles.finish()}, {"i", ints.finish()}});
  setl::storage::ParquetOptions options;
  options.row_group_rows = 1 + in.next() % 8;
  options.dictionary = in.next() % 2 == 0;
  Expr filter = predicate(in, 0);

  std::filesystem::path path = setl::fuzz::scratch_file("", "pushdown.parquet");
  auto connector = setl::storage::make_connector<setl::storage::ParquetConnector>(path, options);
  connector->write(table, setl::storage::SaveMode::kOverwrite);
  setl::engine::Table expected = table.filter(filter);
  setl::engine::Table pushed = connector->lazy().filter(filter).collect();
  if (pushed.num_rows() != expected.num_rows()) {
    std::fprintf(stderr, "pushdown of %s: %lld rows, eager filter %lld\n",
                 filter.to_string().c_str(), static_cast<long long>(pushed.num_rows()),
                 static_cast<long long>(expected.num_rows()));
    std::abort();
  }
  for (int64_t r = 0; r < expected.num_rows(); ++r) {
    for (const char* column : {"d", "i"}) {
      if (!(pushed.at(r, column) == expected.at(r, column))) {
        std::abort();
      }
    }
  }
  return 0;
}
