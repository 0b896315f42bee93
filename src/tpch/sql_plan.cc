// The specification's SQL text planned by setl::sql over the eight sources as views.
#include "setl/sql/session.h"
#include "setl/tpch/queries.h"

namespace setl::tpch {

engine::LazyFrame sql_query_plan(int number, const Sources& sources) {
  sql::Session session;
  session.register_view("region", sources.region)
      .register_view("nation", sources.nation)
      .register_view("supplier", sources.supplier)
      .register_view("customer", sources.customer)
      .register_view("part", sources.part)
      .register_view("partsupp", sources.partsupp)
      .register_view("orders", sources.orders)
      .register_view("lineitem", sources.lineitem);
  std::optional<engine::LazyFrame> plan;
  for (const sql::StatementResult& result :
       session.execute_script(query_sql(number, SqlDialect::kSpark))) {
    if (result.kind == sql::StatementResult::Kind::kQuery) {
      plan = result.frame;  // Q15: the query between its view's CREATE and DROP
    }
  }
  return *plan;
}

engine::LazyFrame sql_query_plan(int number, const Tables& tables) {
  return sql_query_plan(number, sources_of(tables));
}

}  // namespace setl::tpch
