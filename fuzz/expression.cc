// Expression text: parsing, printing, re-parsing what was printed, typing and evaluation
// over a small table with every engine type.
#include "fuzz_support.h"
#include "setl/engine/expr.h"
#include "setl/engine/table.h"

namespace {

const setl::engine::Table& sample() {
  using setl::engine::Column;
  using setl::engine::Scalar;
  static const setl::engine::Table table = setl::engine::Table::from_columns({
      {"i", Column::constant(Scalar::int64(7), 3)},
      {"f", Column::constant(Scalar::float64(-0.5), 3)},
      {"s", Column::constant(Scalar::string("a%b_c"), 3)},
      {"b", Column::constant(Scalar::boolean(true), 3)},
      {"d", Column::constant(Scalar::date32(19000), 3)},
      {"n", Column::constant(Scalar::null(setl::engine::DataType::int64()), 3)},
      // A decimal near its precision's limit, so arithmetic reaches the overflow checks.
      {"m", Column::constant(Scalar::decimal(setl::engine::pow10_int128(37) * 9 + 1, 38, 2), 3)},
  });
  return table;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  setl::fuzz::single_threaded();
  std::string_view text(reinterpret_cast<const char*>(data), size);
  setl::fuzz::expect_only_setl_errors([&] {
    setl::engine::Expr expr = setl::engine::parse_expr(text);
    std::string printed = expr.to_string();
    static_cast<void>(setl::engine::parse_expr(printed));  // what we print, we read back
    setl::fuzz::expect_only_setl_errors([&] { (void)sample().select({expr.alias("x")}); });
  });
  return 0;
}
