// An expression's SQL text, normalized (private): names in lower case, one space around
// binary operators. Output columns without an alias are named by it, and GROUP BY, ORDER
// BY and the select list match expressions by it.
#pragma once

#include <string>

#include "sql/ast.h"

namespace setl::sql::detail {

std::string sql_text(const Node& node);

/// True if the expression calls an aggregate function outside any subquery or window.
bool has_aggregate(const Node& node);
/// True if the expression holds a subquery anywhere (scalar, IN or EXISTS).
bool contains_subquery(const Node& node);
/// True for [NOT] EXISTS (...) and x [NOT] IN (subquery).
bool is_subquery_condition(const Node& node);
/// True for a call of an aggregate function (count, sum, avg, ...) without OVER.
bool is_aggregate_call(const Node& node);

}  // namespace setl::sql::detail
