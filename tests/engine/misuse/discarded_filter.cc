// filter() returns a new table; dropping it on the floor is a bug the compiler reports.
#include "setl/engine/table.h"

int main() {
  setl::engine::Table table;
#ifdef SETL_MISUSE
  table.filter("age > 1");
#else
  setl::engine::Table adults = table;
  static_cast<void>(adults);
#endif
  return 0;
}
