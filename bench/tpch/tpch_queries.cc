#include "tpch_queries.h"

#include "setl/core/error.h"
#include "setl/engine/lazy_frame.h"

namespace setl::tpch {
namespace {

using engine::asc;
using engine::col;
using engine::desc;
using engine::Expr;
using engine::JoinType;
using engine::LazyFrame;
using engine::lit;
using engine::Scalar;
using engine::Table;
using engine::fn::count;
using engine::fn::count_all;
using engine::fn::mean;
using engine::fn::sum;

LazyFrame scan(const Table& table) {
  return LazyFrame::from(table);
}
Expr one() {
  return lit(Scalar::float64(1.0));
}
Expr revenue() {
  return col("l_extendedprice") * (one() - col("l_discount"));
}

Table q1(const Tables& t) {
  return scan(t.lineitem)
      .filter("l_shipdate <= date '1998-09-02'")
      .group_by({"l_returnflag", "l_linestatus"})
      .agg({sum(col("l_quantity")).alias("sum_qty"),
            sum(col("l_extendedprice")).alias("sum_base_price"),
            sum(revenue()).alias("sum_disc_price"),
            sum(revenue() * (one() + col("l_tax"))).alias("sum_charge"),
            mean(col("l_quantity")).alias("avg_qty"),
            mean(col("l_extendedprice")).alias("avg_price"),
            mean(col("l_discount")).alias("avg_disc"), count_all().alias("count_order")})
      .sort({asc("l_returnflag"), asc("l_linestatus")})
      .collect();
}

Table q3(const Tables& t) {
  LazyFrame customers = scan(t.customer).filter("c_mktsegment = 'BUILDING'");
  LazyFrame orders = scan(t.orders).filter("o_orderdate < date '1995-03-15'");
  LazyFrame lines = scan(t.lineitem).filter("l_shipdate > date '1995-03-15'");
  return customers.join(orders, {"c_custkey"}, {"o_custkey"})
      .join(lines, {"o_orderkey"}, {"l_orderkey"})
      .group_by({"o_orderkey", "o_orderdate", "o_shippriority"})
      .agg({sum(revenue()).alias("revenue")})
      .select({col("o_orderkey").alias("l_orderkey"), col("revenue"), col("o_orderdate"),
               col("o_shippriority")})
      .sort({desc("revenue"), asc("o_orderdate")})
      .limit(10)
      .collect();
}

Table q5(const Tables& t) {
  LazyFrame region = scan(t.region).filter("r_name = 'ASIA'");
  LazyFrame nations = scan(t.nation).join(region, {"n_regionkey"}, {"r_regionkey"});
  LazyFrame suppliers = scan(t.supplier).join(nations, {"s_nationkey"}, {"n_nationkey"});
  LazyFrame orders =
      scan(t.orders).filter("o_orderdate >= date '1994-01-01' and o_orderdate < date '1995-01-01'");
  return scan(t.customer)
      .join(orders, {"c_custkey"}, {"o_custkey"})
      .join(scan(t.lineitem), {"o_orderkey"}, {"l_orderkey"})
      .join(suppliers, {"l_suppkey", "c_nationkey"}, {"s_suppkey", "s_nationkey"})
      .group_by({"n_name"})
      .agg({sum(revenue()).alias("revenue")})
      .sort({desc("revenue")})
      .collect();
}

Table q6(const Tables& t) {
  return scan(t.lineitem)
      .filter(
          "l_shipdate >= date '1994-01-01' and l_shipdate < date '1995-01-01' and "
          "l_discount between 0.05 and 0.07 and l_quantity < 24")
      .aggregate({sum(col("l_extendedprice") * col("l_discount")).alias("revenue")})
      .collect();
}

Table q9(const Tables& t) {
  LazyFrame parts = scan(t.part).filter("p_name like '%green%'").select({"p_partkey"});
  LazyFrame suppliers = scan(t.supplier).join(scan(t.nation), {"s_nationkey"}, {"n_nationkey"});
  return scan(t.lineitem)
      .join(parts, {"l_partkey"}, {"p_partkey"}, JoinType::kSemi)
      .join(suppliers, {"l_suppkey"}, {"s_suppkey"})
      .join(scan(t.partsupp), {"l_suppkey", "l_partkey"}, {"ps_suppkey", "ps_partkey"})
      .join(scan(t.orders), {"l_orderkey"}, {"o_orderkey"})
      .select({col("n_name").alias("nation"), engine::fn::year(col("o_orderdate")).alias("o_year"),
               (revenue() - col("ps_supplycost") * col("l_quantity")).alias("amount")})
      .group_by({"nation", "o_year"})
      .agg({sum(col("amount")).alias("sum_profit")})
      .sort({asc("nation"), desc("o_year")})
      .collect();
}

Table q10(const Tables& t) {
  LazyFrame orders =
      scan(t.orders).filter("o_orderdate >= date '1993-10-01' and o_orderdate < date '1994-01-01'");
  LazyFrame lines = scan(t.lineitem).filter("l_returnflag = 'R'");
  return scan(t.customer)
      .join(orders, {"c_custkey"}, {"o_custkey"})
      .join(lines, {"o_orderkey"}, {"l_orderkey"})
      .join(scan(t.nation), {"c_nationkey"}, {"n_nationkey"})
      .group_by({"c_custkey", "c_name", "c_acctbal", "c_phone", "n_name", "c_address", "c_comment"})
      .agg({sum(revenue()).alias("revenue")})
      .select({"c_custkey", "c_name", "revenue", "c_acctbal", "n_name", "c_address", "c_phone",
               "c_comment"})
      .sort({desc("revenue"), asc("c_custkey")})
      .limit(20)
      .collect();
}

Table q12(const Tables& t) {
  Expr high = col("o_orderpriority") == "1-URGENT" || col("o_orderpriority") == "2-HIGH";
  return scan(t.orders)
      .join(scan(t.lineitem)
                .filter("l_shipmode in ('MAIL', 'SHIP') and l_commitdate < l_receiptdate and "
                        "l_shipdate < l_commitdate and l_receiptdate >= date '1994-01-01' and "
                        "l_receiptdate < date '1995-01-01'"),
            {"o_orderkey"}, {"l_orderkey"})
      .group_by({"l_shipmode"})
      .agg({sum(engine::fn::when(high, 1).otherwise(0)).alias("high_line_count"),
            sum(engine::fn::when(!high, 1).otherwise(0)).alias("low_line_count")})
      .sort({asc("l_shipmode")})
      .collect();
}

Table q13(const Tables& t) {
  LazyFrame orders = scan(t.orders).filter("o_comment not like '%special%requests%'");
  return scan(t.customer)
      .join(orders, {"c_custkey"}, {"o_custkey"}, JoinType::kLeft)
      .group_by({"c_custkey"})
      .agg({count(col("o_orderkey")).alias("c_count")})
      .group_by({"c_count"})
      .agg({count_all().alias("custdist")})
      .sort({desc("custdist"), desc("c_count")})
      .collect();
}

Table q18(const Tables& t) {
  LazyFrame big_orders = scan(t.lineitem)
                             .group_by({"l_orderkey"})
                             .agg({sum(col("l_quantity")).alias("total_quantity")})
                             .filter("total_quantity > 300")
                             .select({"l_orderkey"});
  return scan(t.orders)
      .join(big_orders, {"o_orderkey"}, {"l_orderkey"}, JoinType::kSemi)
      .join(scan(t.customer), {"o_custkey"}, {"c_custkey"})
      .join(scan(t.lineitem), {"o_orderkey"}, {"l_orderkey"})
      .group_by({"c_name", "o_custkey", "o_orderkey", "o_orderdate", "o_totalprice"})
      .agg({sum(col("l_quantity")).alias("sum_quantity")})
      .select({col("c_name"), col("o_custkey").alias("c_custkey"), col("o_orderkey"),
               col("o_orderdate"), col("o_totalprice"), col("sum_quantity")})
      .sort({desc("o_totalprice"), asc("o_orderdate"), asc("o_orderkey")})
      .limit(100)
      .collect();
}

}  // namespace

const std::vector<int>& query_numbers() {
  static const std::vector<int> numbers = {1, 3, 5, 6, 9, 10, 12, 13, 18};
  return numbers;
}

Table run_query(int number, const Tables& tables) {
  switch (number) {
    case 1:
      return q1(tables);
    case 3:
      return q3(tables);
    case 5:
      return q5(tables);
    case 6:
      return q6(tables);
    case 9:
      return q9(tables);
    case 10:
      return q10(tables);
    case 12:
      return q12(tables);
    case 13:
      return q13(tables);
    case 18:
      return q18(tables);
    default:
      throw StateError("TPC-H query " + std::to_string(number) + " is not implemented");
  }
}

bool query_is_ordered(int number) {
  return number != 6;
}

std::string query_sql(int number) {
  switch (number) {
    case 1:
      return "SELECT l_returnflag, l_linestatus, sum(l_quantity), sum(l_extendedprice), "
             "sum(l_extendedprice * (1 - l_discount)), "
             "sum(l_extendedprice * (1 - l_discount) * (1 + l_tax)), avg(l_quantity), "
             "avg(l_extendedprice), avg(l_discount), count(*) FROM lineitem "
             "WHERE l_shipdate <= '1998-09-02' GROUP BY l_returnflag, l_linestatus "
             "ORDER BY l_returnflag, l_linestatus";
    case 3:
      return "SELECT l_orderkey, sum(l_extendedprice * (1 - l_discount)) AS revenue, o_orderdate, "
             "o_shippriority FROM customer, orders, lineitem WHERE c_mktsegment = 'BUILDING' AND "
             "c_custkey = o_custkey AND l_orderkey = o_orderkey AND o_orderdate < '1995-03-15' AND "
             "l_shipdate > '1995-03-15' GROUP BY l_orderkey, o_orderdate, o_shippriority "
             "ORDER BY revenue DESC, o_orderdate LIMIT 10";
    case 5:
      return "SELECT n_name, sum(l_extendedprice * (1 - l_discount)) AS revenue FROM customer, "
             "orders, lineitem, supplier, nation, region WHERE c_custkey = o_custkey AND "
             "l_orderkey = o_orderkey AND l_suppkey = s_suppkey AND c_nationkey = s_nationkey AND "
             "s_nationkey = n_nationkey AND n_regionkey = r_regionkey AND r_name = 'ASIA' AND "
             "o_orderdate >= '1994-01-01' AND o_orderdate < '1995-01-01' GROUP BY n_name "
             "ORDER BY revenue DESC";
    case 6:
      return "SELECT sum(l_extendedprice * l_discount) FROM lineitem WHERE l_shipdate >= "
             "'1994-01-01' AND l_shipdate < '1995-01-01' AND l_discount BETWEEN 0.05 AND 0.07 "
             "AND l_quantity < 24";
    case 9:
      return "SELECT nation, o_year, sum(amount) AS sum_profit FROM (SELECT n_name AS nation, "
             "CAST(substr(o_orderdate, 1, 4) AS INTEGER) AS o_year, "
             "l_extendedprice * (1 - l_discount) - ps_supplycost * l_quantity AS amount FROM "
             "part, supplier, lineitem, partsupp, orders, nation WHERE s_suppkey = l_suppkey AND "
             "ps_suppkey = l_suppkey AND ps_partkey = l_partkey AND p_partkey = l_partkey AND "
             "o_orderkey = l_orderkey AND s_nationkey = n_nationkey AND p_name LIKE '%green%') "
             "GROUP BY nation, o_year ORDER BY nation, o_year DESC";
    case 10:
      return "SELECT c_custkey, c_name, sum(l_extendedprice * (1 - l_discount)) AS revenue, "
             "c_acctbal, n_name, c_address, c_phone, c_comment FROM customer, orders, lineitem, "
             "nation WHERE c_custkey = o_custkey AND l_orderkey = o_orderkey AND o_orderdate >= "
             "'1993-10-01' AND o_orderdate < '1994-01-01' AND l_returnflag = 'R' AND c_nationkey "
             "= n_nationkey GROUP BY c_custkey, c_name, c_acctbal, c_phone, n_name, c_address, "
             "c_comment ORDER BY revenue DESC, c_custkey LIMIT 20";
    case 12:
      return "SELECT l_shipmode, sum(CASE WHEN o_orderpriority = '1-URGENT' OR o_orderpriority = "
             "'2-HIGH' THEN 1 ELSE 0 END), sum(CASE WHEN o_orderpriority <> '1-URGENT' AND "
             "o_orderpriority <> '2-HIGH' THEN 1 ELSE 0 END) FROM orders, lineitem WHERE "
             "o_orderkey = l_orderkey AND l_shipmode IN ('MAIL', 'SHIP') AND l_commitdate < "
             "l_receiptdate AND l_shipdate < l_commitdate AND l_receiptdate >= '1994-01-01' AND "
             "l_receiptdate < '1995-01-01' GROUP BY l_shipmode ORDER BY l_shipmode";
    case 13:
      return "SELECT c_count, count(*) AS custdist FROM (SELECT c_custkey, count(o_orderkey) AS "
             "c_count FROM customer LEFT OUTER JOIN orders ON c_custkey = o_custkey AND o_comment "
             "NOT LIKE '%special%requests%' GROUP BY c_custkey) GROUP BY c_count "
             "ORDER BY custdist DESC, c_count DESC";
    case 18:
      return "SELECT c_name, c_custkey, o_orderkey, o_orderdate, o_totalprice, sum(l_quantity) "
             "FROM customer, orders, lineitem WHERE o_orderkey IN (SELECT l_orderkey FROM "
             "lineitem GROUP BY l_orderkey HAVING sum(l_quantity) > 300) AND c_custkey = "
             "o_custkey AND o_orderkey = l_orderkey GROUP BY c_name, c_custkey, o_orderkey, "
             "o_orderdate, o_totalprice ORDER BY o_totalprice DESC, o_orderdate, o_orderkey "
             "LIMIT 100";
    default:
      throw StateError("TPC-H query " + std::to_string(number) + " is not implemented");
  }
}

}  // namespace setl::tpch
