// Window functions: the registry's entries (names, arity, documentation). The window
// operator (engine/operators/window.cc) evaluates them over sorted partitions; aggregates
// over frames are evaluated by engine/operators/window_frames.cc.
#include "engine/functions/registry.h"

namespace setl::engine::detail {
namespace {

FunctionInfo info(const char* name, size_t min_args, size_t max_args, const char* signature,
                  const char* nulls, const char* doc) {
  return {name, FunctionKind::kWindow, "window", min_args, max_args, signature, nulls, doc, {}};
}

}  // namespace

void register_window_functions(FunctionRegistry& r) {
  r.add(WindowFunction{info("row_number", 0, 0, "row_number() -> int64", "never NULL",
                            "1, 2, 3, ... in window order within each partition")});
  r.add(WindowFunction{info("rank", 0, 0, "rank() -> int64", "never NULL",
                            "Rank with gaps after ties (needs ORDER BY)")});
  r.add(WindowFunction{info("dense_rank", 0, 0, "dense_rank() -> int64", "never NULL",
                            "Rank without gaps after ties (needs ORDER BY)")});
  r.add(
      WindowFunction{info("lag", 1, 3, "lag(x [, offset: integer constant [, fallback]])",
                          "`fallback` (NULL by default) before the partition's first rows",
                          "The value `offset` (1) rows before in window order (needs ORDER BY)")});
  r.add(WindowFunction{info("lead", 1, 3, "lead(x [, offset: integer constant [, fallback]])",
                            "`fallback` (NULL by default) after the partition's last rows",
                            "The value `offset` (1) rows after in window order (needs ORDER BY)")});
  r.add(WindowFunction{info("cum_sum", 1, 1, "cum_sum(x: number) -> int64 | float64",
                            "NULL values add nothing",
                            "Running sum in window order, peers included: sum(x) over the default frame")});
}

}  // namespace setl::engine::detail
