// A bare string in a list of expressions used to become a constant column 'name'.
#include <vector>

#include "setl/engine/functions.h"

using setl::engine::col;
using setl::engine::Expr;
using setl::engine::lit;

int main() {
#ifdef SETL_MISUSE
  std::vector<Expr> columns{"name", col("age")};
#else
  std::vector<Expr> columns{col("name"), col("age"), lit("a text literal")};
#endif
  return static_cast<int>(columns.size());
}
