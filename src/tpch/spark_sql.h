// The TPC-H queries in Spark SQL's dialect (private to the tpch layer).
#pragma once

#include <string>

namespace setl::tpch::detail {

std::string spark_query_sql(int number);

}  // namespace setl::tpch::detail
