// The setlpp example pipeline: generates customers and orders, computes revenue per region
// and the top customers in parallel, then writes a report. Prints the outputs, the DAG as
// Mermaid and the benchmark table.
//
//   sales_pipeline [--orders N] [--out DIR] [any flag of setl::cli::run_job, e.g. --summary]
#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <random>
#include <string>
#include <vector>

#include <setl/setl.h>

namespace sales {

using setl::workflow::Delivery;
using setl::workflow::Factory;

struct Customer {
  int64_t id;
  std::string name;
  std::string region;
};

struct Order {
  int64_t id;
  int64_t customer_id;
  double amount_eur;
  int day;  // day of the year
};

struct CustomerSpend {
  std::string name;
  std::string region;
  double spend_usd;
};

using RevenueByRegion = std::map<std::string, double>;
using TopCustomers = std::vector<CustomerSpend>;

const std::vector<std::string> kRegions = {"AMER", "APAC", "EMEA", "LATAM"};

// Stage 0: synthetic customers, deterministic for a seed.
class CustomersFactory : public Factory<std::vector<Customer>> {
 public:
  std::vector<Customer> process() override {
    const setl::Config& config = context().config();
    int64_t count = config.get_int("data.customers");
    std::mt19937_64 random(config.get<uint64_t>("data.seed"));
    std::vector<Customer> customers;
    customers.reserve(static_cast<size_t>(count));
    for (int64_t id = 0; id < count; ++id) {
      customers.push_back(
          {id, "customer-" + std::to_string(id), kRegions[random() % kRegions.size()]});
    }
    setl::log::info("generated {} customers", customers.size());
    return customers;
  }
};

// Stage 0: synthetic orders with a skewed amount distribution.
class OrdersFactory : public Factory<std::vector<Order>> {
 public:
  std::vector<Order> process() override {
    const setl::Config& config = context().config();
    int64_t count = config.get_int("data.orders");
    int64_t customers = config.get_int("data.customers");
    std::mt19937_64 random(config.get<uint64_t>("data.seed") + 1);
    std::vector<Order> orders;
    orders.reserve(static_cast<size_t>(count));
    for (int64_t id = 0; id < count; ++id) {
      double unit = static_cast<double>(random() % 1'000'000) / 1'000'000.0;
      orders.push_back({id, static_cast<int64_t>(random() % static_cast<uint64_t>(customers)),
                        5.0 + 995.0 * unit * unit, static_cast<int>(random() % 365)});
    }
    setl::log::info("generated {} orders", orders.size());
    return orders;
  }
};

// Stage 1: revenue per region in USD, using the exchange rate given as an external input.
class RevenueByRegionFactory : public Factory<RevenueByRegion> {
 public:
  Delivery<std::vector<Customer>> customers{this};
  Delivery<std::vector<Order>> orders{this};
  Delivery<double> eur_usd{this, {.id = "eur_usd"}};

  RevenueByRegion process() override {
    RevenueByRegion revenue;
    for (const Order& order : *orders) {
      revenue[(*customers)[static_cast<size_t>(order.customer_id)].region] +=
          order.amount_eur * *eur_usd;
    }
    return revenue;
  }
};

// Stage 1: the five customers who spent most.
class TopCustomersFactory : public Factory<TopCustomers> {
 public:
  Delivery<std::vector<Customer>> customers{this};
  Delivery<std::vector<Order>> orders{this};
  Delivery<double> eur_usd{this, {.id = "eur_usd"}};

  TopCustomers process() override {
    std::vector<double> spend(customers->size(), 0.0);
    for (const Order& order : *orders) {
      spend[static_cast<size_t>(order.customer_id)] += order.amount_eur * *eur_usd;
    }
    std::vector<size_t> ranking(spend.size());
    for (size_t i = 0; i < ranking.size(); ++i) {
      ranking[i] = i;
    }
    size_t top = std::min<size_t>(5, ranking.size());
    std::partial_sort(
        ranking.begin(), ranking.begin() + static_cast<std::ptrdiff_t>(top), ranking.end(),
        [&](size_t a, size_t b) { return spend[a] != spend[b] ? spend[a] > spend[b] : a < b; });
    TopCustomers result;
    for (size_t i = 0; i < top; ++i) {
      const Customer& customer = (*customers)[ranking[i]];
      result.push_back({customer.name, customer.region, spend[ranking[i]]});
    }
    return result;
  }
};

// Stage 2: a text report, written atomically (temporary file, then rename).
class SalesReportFactory : public Factory<std::string> {
 public:
  Delivery<RevenueByRegion> revenue{this};
  Delivery<TopCustomers> top{this};

  std::string process() override {
    std::string report = fmt::format("{:<8} {:>16}\n", "region", "revenue (USD)");
    double total = 0;
    for (const auto& [region, amount] : *revenue) {
      report += fmt::format("{:<8} {:>16.2f}\n", region, amount);
      total += amount;
    }
    report += fmt::format("{:<8} {:>16.2f}\n\ntop customers:\n", "total", total);
    for (const CustomerSpend& customer : *top) {
      report += fmt::format("  {:<16} {:<6} {:>12.2f}\n", customer.name, customer.region,
                            customer.spend_usd);
    }
    return report;
  }

  void write() override {
    std::filesystem::path dir = context().config().get_string("output.dir");
    std::filesystem::create_directories(dir);
    std::filesystem::path target = dir / "sales_report.txt";
    std::filesystem::path temporary = dir / ".sales_report.txt.tmp";
    {
      std::ofstream out(temporary, std::ios::binary | std::ios::trunc);
      out << get();
      if (!out.flush()) {
        throw setl::IoError("cannot write " + temporary.string());
      }
    }
    std::filesystem::rename(temporary, target);
    setl::log::info("wrote {}", target.string());
  }
};

}  // namespace sales

int main(int argc, char** argv) {
  setl::cli::JobOptions options{
      .description = "setlpp example: a sales pipeline on generated data",
      .default_config = SETL_EXAMPLES_DIR "/sales_pipeline.yaml",
      .default_dag = "mermaid",
      .flags = {{.name = "--orders",
                 .help = "number of orders to generate (overrides data.orders)",
                 .config_key = "data.orders"},
                {.name = "--out",
                 .help = "output directory (overrides output.dir)",
                 .config_key = "output.dir"}},
      .report = [](const setl::cli::JobRun& run) {
        run.out << "== outputs ==\n"
                << run.result.output<std::string>("SalesReportFactory") << "\n";
        std::filesystem::path dot_path =
            std::filesystem::path(run.config.get_string("output.dir")) / "sales_pipeline.dot";
        std::ofstream(dot_path) << run.pipeline.dag().to_dot();
        run.out << "DAG as Graphviz DOT: " << dot_path.string() << "\n";
      }};
  return setl::cli::run_job(
      argc, argv,
      [](setl::workflow::Setl& setl) {
        if (setl.config().get_int("data.orders") <= 0) {
          throw setl::ConfigError("data.orders must be positive");
        }
        setl::workflow::Pipeline pipeline = setl.new_pipeline("sales");
        pipeline.set_benchmark(true);
        pipeline.set_input<double>(setl.config().get_double("fx.eur_usd"), {.id = "eur_usd"});
        setl::workflow::Stage& sources = pipeline.add_stage().set_parallel();
        sources.add_factory<sales::CustomersFactory>();
        sources.add_factory<sales::OrdersFactory>();
        setl::workflow::Stage& analysis = pipeline.add_stage().set_parallel();
        analysis.add_factory<sales::RevenueByRegionFactory>();
        analysis.add_factory<sales::TopCustomersFactory>();
        pipeline.add_factory<sales::SalesReportFactory>();
        return pipeline;
      },
      options);
}
