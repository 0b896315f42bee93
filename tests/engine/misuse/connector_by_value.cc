// A connector built outside make_connector would not be owned by a shared_ptr, and lazy()
// scans need that: only make_connector can supply the key its constructor takes.
#include "setl/storage/csv_connector.h"

int main() {
#ifdef SETL_MISUSE
  setl::storage::CsvConnector orders("orders.csv");
  return orders.exists() ? 0 : 1;
#else
  auto orders = setl::storage::make_connector<setl::storage::CsvConnector>("orders.csv");
  return orders->exists() ? 0 : 1;
#endif
}
