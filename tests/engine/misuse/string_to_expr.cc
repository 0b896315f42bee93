// A string (or any pointer) must not convert to an expression: not to a text literal, and
// not through bool to TRUE.
#include <string>

#include "setl/engine/functions.h"

using setl::engine::Expr;

Expr pick(bool use_text) {
#ifdef SETL_MISUSE
  Expr value = "NYC";
#else
  Expr value = use_text ? setl::engine::lit("NYC") : Expr(true);
#endif
  return value;
}

int main() {
  return pick(true).to_string().empty() ? 1 : 0;
}
