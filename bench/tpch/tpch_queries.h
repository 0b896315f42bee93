// TPC-H queries 1, 3, 5, 6, 9, 10, 12, 13 and 18 written with setlpp's LazyFrame API, with
// the specification's validation parameters, plus the same queries as SQL text for the
// SQLite cross-check (dates as 'YYYY-MM-DD' text there).
#pragma once

#include <string>
#include <vector>

#include "setl/engine/table.h"
#include "tpch_data.h"

namespace setl::tpch {

/// The query numbers implemented.
const std::vector<int>& query_numbers();
/// Runs query `number` on the tables. Throws: StateError for an unknown number.
engine::Table run_query(int number, const Tables& tables);
/// The query as SQLite SQL.
std::string query_sql(int number);
/// True if the query's result order is defined (ORDER BY covers every row).
bool query_is_ordered(int number);

}  // namespace setl::tpch
