// Expression functions live in setl::engine::fn and are imported explicitly: an
// unqualified sum() on an Expr does not find them through the engine namespace.
#include "setl/engine/functions.h"

using setl::engine::col;

int main() {
#ifdef SETL_MISUSE
  auto total = sum(col("amount"));
#else
  namespace fn = setl::engine::fn;
  auto total = fn::sum(col("amount"));
#endif
  return total.to_string().empty() ? 1 : 0;
}
