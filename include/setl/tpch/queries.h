// The 22 TPC-H queries written with setlpp's LazyFrame API, with the specification's
// validation parameters (subqueries become semi, anti and aggregate joins), plus the same
// queries as SQL text for the engines they are checked against.
//
// They run over any data with the specification's column names and types (keys int64 or
// int32, dates as date, money, quantities and rates as decimal (generate() makes them
// decimal(15,2)) or float64, flags and names as string):
// tables from setl::tpch::generate(), or scans of files from any connector —
//
//   auto lineitem =
//   setl::storage::make_connector<setl::storage::ParquetConnector>("lineitem.parquet");
//   setl::tpch::Sources sources{.region = ..., .lineitem = lineitem->lazy()};
//   setl::engine::Table answer = setl::tpch::run_query(5, sources);
//
// (dbgen's `.tbl` files: a CsvConnector with delimiter '|', trailing_delimiter, no header
// and column_names, and a schema for the date columns).
#pragma once

#include <string>
#include <vector>

#include "setl/engine/lazy_frame.h"
#include "setl/engine/table.h"
#include "setl/tpch/data.h"

namespace setl::tpch {

/// The eight tables a query reads, as plans: every one must be given.
struct Sources {
  engine::LazyFrame region;
  engine::LazyFrame nation;
  engine::LazyFrame supplier;
  engine::LazyFrame customer;
  engine::LazyFrame part;
  engine::LazyFrame partsupp;
  engine::LazyFrame orders;
  engine::LazyFrame lineitem;
};
/// Plans over in-memory tables.
Sources sources_of(const Tables& tables);

/// The query numbers implemented.
const std::vector<int>& query_numbers();
/// Query `number` (1 to 22) over the tables, not yet run (explain(), explain_analyze(),
/// collect()). Throws: StateError for another number; SchemaError (when run or planned)
/// for sources without the columns it reads.
engine::LazyFrame query_plan(int number, const Sources& sources);
engine::LazyFrame query_plan(int number, const Tables& tables);
/// Runs query `number`: query_plan(number, ...).collect().
engine::Table run_query(int number, const Sources& sources);
engine::Table run_query(int number, const Tables& tables);
/// Where the SQL text runs: SQLite holds dates as 'YYYY-MM-DD' text, other engines
/// (DuckDB) as DATE; kSpark is the specification's own text in Spark SQL's dialect (DATE
/// and INTERVAL literals, EXTRACT, SUBSTRING ... FROM ... FOR), which setl::sql runs and
/// DuckDB reads too. Q15 is then three statements (CREATE TEMP VIEW; the query; DROP VIEW).
enum class SqlDialect { kSqlite, kTypedDates, kSpark };
/// The query as SQL.
std::string query_sql(int number, SqlDialect dialect = SqlDialect::kSqlite);
/// Query `number` as the specification's SQL text (SqlDialect::kSpark) planned by
/// setl::sql over the sources as views: the same answers as query_plan(), through the SQL
/// front end.
engine::LazyFrame sql_query_plan(int number, const Sources& sources);
engine::LazyFrame sql_query_plan(int number, const Tables& tables);
/// True if the query's result order is defined (ORDER BY covers every row).
bool query_is_ordered(int number);

}  // namespace setl::tpch
