// A tour of setlpp's columnar engine: build tables, filter, join, aggregate, window,
// typed datasets, and a lazy query with its optimized plan.
#include <iostream>

#include <setl/setl.h>

struct Order {
  int64_t id = 0;
  int64_t customer = 0;
  double amount = 0;
  std::string city;
};
SETL_SCHEMA(Order, id, customer, amount, city)

int main() {
  using namespace setl::engine;
  namespace fn = setl::engine::fn;  // sum, count_all, rank, ...: imported explicitly

  // A typed dataset from structs, viewed as an untyped table.
  Dataset<Order> orders = Dataset<Order>::from({{1, 10, 120.0, "NYC"},
                                                {2, 20, 35.5, "LA"},
                                                {3, 10, 990.0, "NYC"},
                                                {4, 30, 12.0, "SF"},
                                                {5, 20, 410.0, "LA"}});
  ColumnBuilder ids(DataType::int64());
  ColumnBuilder names(DataType::string());
  for (auto [id, name] : {std::pair{10, "Ada"}, {20, "Bob"}, {40, "Cy"}}) {
    ids.append_int(id);
    names.append_string(name);
  }
  Table customers = Table::from_columns({{"customer", ids.finish()}, {"name", names.finish()}});

  std::cout << "orders:\n";
  orders.table().show();

  // Filter with text or C++ expressions; both mean the same.
  Table big = orders.table().filter("amount > 100 and city in ('NYC', 'LA')");
  Table same = orders.table().filter(col("amount") > 100 && col("city").isin({"NYC", "LA"}));
  std::cout << "\nbig orders (" << big.num_rows() << " = " << same.num_rows() << "):\n";
  big.show();

  // Join, aggregate, sort.
  Table revenue =
      orders.table()
          .join(customers, "customer", JoinType::kLeft)
          .group_by({"name"})
          .agg({fn::sum(col("amount")).alias("revenue"), fn::count_all().alias("orders")})
          .sort({desc("revenue")});
  std::cout << "\nrevenue per customer (NULL: customer 30 is unknown):\n";
  revenue.show();

  // A window function: rank orders within each city.
  // An aggregate over a frame: each order with the one before it (by id) in its city.
  Table ranked =
      orders.table()
          .with_column("rank_in_city",
                       fn::rank().over({.partition_by = {"city"}, .order_by = {desc("amount")}}))
          .with_column("last_two", fn::sum(col("amount"))
                                       .over({.partition_by = {"city"},
                                              .order_by = {asc("id")},
                                              .frame = rows_between(preceding(1), current_row())}));
  std::cout << "\nranked:\n";
  ranked.sort({asc("city"), asc("rank_in_city")}).show();

  // The same question asked lazily: the optimizer pushes the filter below the join and
  // reads only the columns the query needs.
  LazyFrame lazy = LazyFrame::from(orders.table())
                       .join(LazyFrame::from(customers), "customer")
                       .filter("city = 'NYC'")
                       .select({"id", "name", "amount"});
  std::cout << "\nlazy plan:\n" << lazy.explain() << "\nresult:\n";
  lazy.collect().show();

  // Back to typed rows.
  for (const Order& order : Dataset<Order>(big)) {
    std::cout << "order " << order.id << " in " << order.city << ": " << order.amount << "\n";
  }
  return 0;
}
