// The 22 TPC-H queries written with setlpp's LazyFrame API, with the specification's
// validation parameters (subqueries become semi, anti and aggregate joins), plus the same
// queries as SQL text for the engines they are checked against (tpch_sql.cc).
#pragma once

#include <string>
#include <vector>

#include "setl/engine/lazy_frame.h"
#include "setl/engine/table.h"
#include "tpch_data.h"

namespace setl::tpch {

/// The query numbers implemented.
const std::vector<int>& query_numbers();
/// Query `number` (1 to 22) over the tables, not yet run (explain(), explain_analyze(),
/// collect()). Throws: StateError for another number.
engine::LazyFrame query_plan(int number, const Tables& tables);
/// Runs query `number` on the tables: query_plan(number, tables).collect().
engine::Table run_query(int number, const Tables& tables);
/// Where the SQL text runs: SQLite holds dates as 'YYYY-MM-DD' text, other engines
/// (DuckDB) as DATE.
enum class SqlDialect { kSqlite, kTypedDates };
/// The query as SQL.
std::string query_sql(int number, SqlDialect dialect = SqlDialect::kSqlite);
/// True if the query's result order is defined (ORDER BY covers every row).
bool query_is_ordered(int number);

}  // namespace setl::tpch
