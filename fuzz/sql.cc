// SQL text: splitting a script, parsing, planning against two small tables with NULLs,
// and running what plans (every join, subquery and window shape the planner builds).
// Only setl errors may come out; nothing may crash, hang or leak.
#include "fuzz_support.h"
#include "setl/engine/table.h"
#include "setl/sql/session.h"

namespace {

setl::engine::Table table(int64_t offset) {
  using setl::engine::Column;
  using setl::engine::Scalar;
  return setl::engine::Table::from_columns({
      {"id", Column::constant(Scalar::int64(1 + offset), 3)},
      {"k", Column::constant(Scalar::null(setl::engine::DataType::int64()), 3)},
      {"s", Column::constant(Scalar::string("a%b"), 3)},
      {"d", Column::constant(Scalar::date32(19000), 3)},
      {"m", Column::constant(Scalar::decimal(12345, 10, 2), 3)},
  });
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  setl::fuzz::single_threaded();
  std::string_view text(reinterpret_cast<const char*>(data), size);
  setl::fuzz::expect_only_setl_errors([&] {
    setl::sql::Session session;
    session.register_table("t1", table(0)).register_table("t2", table(1));
    for (const setl::sql::StatementResult& result : session.execute_script(text)) {
      setl::fuzz::expect_only_setl_errors([&] {
        // Bounded output: a cross join of cross joins must not fill memory.
        (void)result.frame.limit(1000).collect();
      });
    }
  });
  return 0;
}
