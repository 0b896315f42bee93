// Sources of the Setl context are deliveries: DAG nodes whose fingerprints enter their
// consumers' cache keys, so a changed file is never served from the cache (issue: a
// factory reading a CSV through context() was served 1 stale row after the file grew).
#include <fstream>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "setl/setl.h"
#include "testing/temp_dir.h"

namespace sources_test {
struct OrderRow {
  int64_t id;
  double amount;
};
}  // namespace sources_test
SETL_SCHEMA(sources_test::OrderRow, id, amount)

namespace setl::workflow {
namespace {

// This suite runs in the ThreadSanitizer pass for its workflow half; the engine's
// oneTBB is not instrumented, so TSan cannot see its task handoffs and reports them as
// races. Under TSan the engine runs on the calling thread alone.
#if defined(__SANITIZE_THREAD__)
[[maybe_unused]] const bool kEngineOnOneThread = [] {
  engine::set_num_threads(1);
  return true;
}();
#endif

using sources_test::OrderRow;
using storage::Connector;
using ::testing::HasSubstr;
using testing::message_of;

void write_orders(const std::filesystem::path& path, int rows) {
  std::filesystem::remove(path);
  std::ofstream out(path);
  out << "id,amount\n";
  for (int i = 0; i < rows; ++i) {
    out << i << "," << (i + 1) * 10 << ".5\n";
  }
}

Config orders_config(const std::filesystem::path& path) {
  return Config::from_yaml("cache: {mode: memory}\nconnectors:\n  orders: {storage: CSV, path: '" +
                           path.string() + "'}\n");
}

class CountOrders : public Factory<int64_t> {
 public:
  Delivery<Connector> orders{this, {.id = "orders"}};
  CountOrders() { set_reads_only_deliveries(); }
  int64_t process() override { return orders->read().num_rows(); }
};

// The case, written the old way: the source is looked up through context().
class CountOrdersThroughContext : public Factory<int64_t> {
 public:
  int64_t process() override { return context().resource<Connector>("orders").read().num_rows(); }
};

TEST(Sources, ARewrittenSourceFileIsNeverServedFromTheCache) {
  testing::TempDir dir;
  auto path = dir.path() / "orders.csv";
  write_orders(path, 1);
  Setl setl(orders_config(path));
  set_connector(setl, "connectors.orders");
  Pipeline pipeline = setl.new_pipeline("stale");
  pipeline.add<CountOrders>();
  EXPECT_EQ(pipeline.run().output<int64_t>("CountOrders"), 1);
  EXPECT_EQ(pipeline.run().factory("CountOrders").cache.outcome, CacheDecision::Outcome::kHit);
  write_orders(path, 3);
  RunResult third = pipeline.run();
  EXPECT_EQ(third.output<int64_t>("CountOrders"), 3);
  EXPECT_EQ(third.factory("CountOrders").cache.outcome, CacheDecision::Outcome::kMiss);
  EXPECT_THAT(third.factory("CountOrders").cache.reason, HasSubstr("source 'orders' changed"));
}

TEST(Sources, AFactoryWithUndeclaredSourcesIsNotCachedByDefault) {
  testing::TempDir dir;
  auto path = dir.path() / "orders.csv";
  write_orders(path, 1);
  Setl setl(orders_config(path));
  set_connector(setl, "connectors.orders");
  Pipeline pipeline = setl.new_pipeline("undeclared");
  pipeline.add<CountOrdersThroughContext>();
  pipeline.run();
  write_orders(path, 3);
  RunResult second = pipeline.run();
  EXPECT_EQ(second.output<int64_t>("CountOrdersThroughContext"), 3);
  const CacheDecision& decision = second.factory("CountOrdersThroughContext").cache;
  EXPECT_EQ(decision.outcome, CacheDecision::Outcome::kUncacheable);
  EXPECT_THAT(decision.reason, HasSubstr("is unknown"));
}

TEST(Sources, DeclaringOnlyDeliveriesButReadingContextIsCaughtAndNotStored) {
  testing::TempDir dir;
  auto path = dir.path() / "orders.csv";
  write_orders(path, 1);
  Setl setl(orders_config(path));
  set_connector(setl, "connectors.orders");
  Pipeline pipeline = setl.new_pipeline("lying");
  pipeline.add<CountOrdersThroughContext>().set_reads_only_deliveries();
  RunResult first = pipeline.run();
  EXPECT_EQ(first.factory("CountOrdersThroughContext").cache.outcome,
            CacheDecision::Outcome::kUncacheable);
  write_orders(path, 3);
  EXPECT_EQ(pipeline.run().output<int64_t>("CountOrdersThroughContext"), 3);
}

class SumThroughRepository : public Factory<double> {
 public:
  Delivery<storage::Repository<OrderRow>> orders{this};
  SumThroughRepository() { set_reads_only_deliveries(); }
  double process() override {
    double total = 0;
    for (const OrderRow& row : orders->find_all().collect()) {
      total += row.amount;
    }
    return total;
  }
};

TEST(Sources, ARewrittenRepositoryIsNeverServedFromTheCacheEither) {
  testing::TempDir dir;
  auto path = dir.path() / "orders.csv";
  write_orders(path, 1);
  Setl setl(orders_config(path));
  set_repository<OrderRow>(setl, "connectors.orders");
  Pipeline pipeline = setl.new_pipeline("repository");
  pipeline.add<SumThroughRepository>();
  EXPECT_DOUBLE_EQ(pipeline.run().output<double>("SumThroughRepository"), 10.5);
  write_orders(path, 3);
  EXPECT_DOUBLE_EQ(pipeline.run().output<double>("SumThroughRepository"), 61.5);
}

class BigOrders : public Factory<size_t> {
 public:
  Delivery<engine::Dataset<OrderRow>> orders{this,
                                             {.auto_load = true, .condition = "amount >= 20"}};
  BigOrders() { set_reads_only_deliveries(); }
  size_t process() override { return orders->collect().size(); }
};

TEST(Sources, AutoLoadFillsADatasetFromTheRepositoryWithTheConditionPushedDown) {
  testing::TempDir dir;
  auto path = dir.path() / "orders.csv";
  write_orders(path, 4);  // amounts 10.5, 20.5, 30.5, 40.5
  Setl setl(orders_config(path));
  set_repository<OrderRow>(setl, "connectors.orders");
  Pipeline pipeline = setl.new_pipeline("auto-load");
  pipeline.add<BigOrders>();
  EXPECT_EQ(pipeline.run().output<size_t>("BigOrders"), 3u);
  EXPECT_THAT(pipeline.dag().to_string(), HasSubstr("auto-loaded from orders where amount >= 20"));
  write_orders(path, 2);
  EXPECT_EQ(pipeline.run().output<size_t>("BigOrders"), 1u);
}

TEST(Sources, AutoLoadWithoutARepositoryNamesWhatIsMissing) {
  Setl setl;
  Pipeline pipeline = setl.new_pipeline("nothing");
  pipeline.add<BigOrders>();
  EXPECT_THAT(message_of<DeliveryError>([&] { pipeline.run(); }),
              HasSubstr("no source loads it either"));
}

TEST(Sources, SourcesAreNodesOfTheDagAndResourcesAreFoundAsABaseType) {
  testing::TempDir dir;
  auto path = dir.path() / "orders.csv";
  write_orders(path, 1);
  Setl setl(orders_config(path));
  setl.register_resource<storage::CsvConnector>(
      "raw", storage::make_connector<storage::CsvConnector>(path.string()));
  set_connector(setl, "connectors.orders");
  EXPECT_EQ(setl.resource<Connector>("raw").read().num_rows(), 1);  // registered as CSV
  Pipeline pipeline = setl.new_pipeline("dag");
  pipeline.add<CountOrders>();
  Dag dag = pipeline.dag();
  EXPECT_THAT(dag.to_string(), HasSubstr("sources:\n  orders: setl::storage::Connector"));
  EXPECT_THAT(dag.to_mermaid(), HasSubstr("[(\"orders<br/>setl::storage::Connector\")]"));
  EXPECT_THAT(message_of<DeliveryError>([&] { setl.resource<int>("raw"); }),
              HasSubstr("not a int"));
}

}  // namespace
}  // namespace setl::workflow
