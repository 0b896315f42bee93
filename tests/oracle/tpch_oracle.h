// The TPC-H tables loaded into SQLite, for the tests that compare queries with it.
#pragma once

#include "setl/tpch/data.h"
#include "sqlite_oracle.h"

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
  // Keys the joins, the correlated subqueries (Q2, Q4, Q17, Q20, Q21, Q22) and Q19's
  // join-inside-OR look up: without them SQLite rescans a table per row (minutes at
  // SF 0.01, seconds per join at SF 0.1).
  oracle.execute("CREATE INDEX lineitem_order ON lineitem (l_orderkey)");
  oracle.execute("CREATE INDEX lineitem_part_supplier ON lineitem (l_partkey, l_suppkey)");
  oracle.execute("CREATE INDEX lineitem_supplier ON lineitem (l_suppkey)");
  oracle.execute("CREATE INDEX nation_key ON nation (n_nationkey)");
  oracle.execute("CREATE INDEX orders_customer ON orders (o_custkey)");
  oracle.execute("CREATE INDEX orders_key ON orders (o_orderkey)");
  oracle.execute("CREATE INDEX part_key ON part (p_partkey)");
  oracle.execute("CREATE INDEX partsupp_part ON partsupp (ps_partkey, ps_suppkey)");
  oracle.execute("CREATE INDEX supplier_key ON supplier (s_suppkey)");
  oracle.execute("CREATE INDEX customer_key ON customer (c_custkey)");
  oracle.execute("ANALYZE");
}

}  // namespace setl::testing
