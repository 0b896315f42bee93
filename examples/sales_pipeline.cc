// The setlpp example pipeline: generates customers and orders, computes revenue per region
// and the top customers in parallel, then writes a report. Prints the outputs, the DAG as
// Mermaid and the benchmark table.
//
//   sales_pipeline [--config sales_pipeline.yaml] [--orders N] [--out DIR]
#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <random>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

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
  CLI::App app{"setlpp example: a sales pipeline on generated data"};
  std::string config_path = SETL_EXAMPLES_DIR "/sales_pipeline.yaml";
  std::optional<int64_t> orders;
  std::optional<std::string> out_dir;
  app.add_option("--config", config_path, "YAML configuration")->check(CLI::ExistingFile);
  app.add_option("--orders", orders, "number of orders to generate (overrides the config)")
      ->check(CLI::PositiveNumber);
  app.add_option("--out", out_dir, "output directory (overrides the config)");
  CLI11_PARSE(app, argc, argv);

  try {
    setl::Config config = setl::Config::load(config_path);
    if (orders) {
      config = config.with_value("data.orders", std::to_string(*orders));
    }
    if (out_dir) {
      config = config.with_value("output.dir", *out_dir);
    }
    setl::workflow::Setl setl(config);

    setl::workflow::Pipeline pipeline = setl.new_pipeline("sales");
    pipeline.set_benchmark(true);
    pipeline.set_input<double>(config.get_double("fx.eur_usd"), {.id = "eur_usd"});
    setl::workflow::Stage& sources = pipeline.add_stage().set_parallel();
    sources.add_factory<sales::CustomersFactory>();
    sources.add_factory<sales::OrdersFactory>();
    setl::workflow::Stage& analysis = pipeline.add_stage().set_parallel();
    analysis.add_factory<sales::RevenueByRegionFactory>();
    analysis.add_factory<sales::TopCustomersFactory>();
    pipeline.add_factory<sales::SalesReportFactory>();

    pipeline.run();

    std::cout << "== outputs ==\n" << pipeline.last_output<std::string>() << "\n";
    std::cout << "== DAG (Mermaid) ==\n" << pipeline.dag().to_mermaid() << "\n";
    std::cout << "== benchmark ==\n" << pipeline.benchmark().to_string();
    std::filesystem::path dot_path =
        std::filesystem::path(setl.config().get_string("output.dir")) / "sales_pipeline.dot";
    std::ofstream(dot_path) << pipeline.dag().to_dot();
    std::cout << "\nDAG as Graphviz DOT: " << dot_path.string() << "\n";
    return 0;
  } catch (const setl::Error& error) {
    std::cerr << "error: " << error.what() << "\n";
    return 1;
  }
}
