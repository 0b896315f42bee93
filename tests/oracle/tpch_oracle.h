// The TPC-H tables loaded into SQLite, for the tests that compare queries with it.
#pragma once

#include "sqlite_oracle.h"
#include "tpch_data.h"

namespace setl::testing {

inline void load_tpch(SqliteOracle& oracle, const tpch::Tables& tables) {
  oracle.load("region", tables.region);
  oracle.load("nation", tables.nation);
  oracle.load("supplier", tables.supplier);
  oracle.load("customer", tables.customer);
  oracle.load("part", tables.part);
  oracle.load("partsupp", tables.partsupp);
  oracle.load("orders", tables.orders);
  oracle.load("lineitem", tables.lineitem);
}

}  // namespace setl::testing
