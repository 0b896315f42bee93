// The main job: a real ETL on TPC-H-shaped data it generates. Stage 0 writes the source
// CSV files; stage 1 reads them through connectors built from the YAML configuration (in
// parallel) and writes every shipped line item to a Parquet dataset partitioned by ship
// year; stage 2 joins and aggregates revenue per nation and year and writes it to a SQLite
// table; stage 3 reads the warehouse back. Prints the results (including a query on the
// Parquet dataset that reads only one year's partition), the DAG (Mermaid) and the
// benchmark.
//
//   tpch_etl [--config tpch_etl.yaml] [--sf 0.05] [--out DIR] [--monitor 127.0.0.1:9464]
//            [--events run-events.jsonl]
//
// On a terminal a live progress line shows the running factories. --monitor serves the
// job groups, events and Prometheus metrics over HTTP while the job runs (and cancels
// with the printed token); --events appends every job event to a JSON Lines file.
#include <iostream>

#include <CLI/CLI.hpp>

#include <setl/setl.h>

#include "tpch_data.h"

namespace etl {

using setl::engine::col;
using setl::engine::LazyFrame;
using setl::engine::Table;
using setl::storage::Connector;
using setl::workflow::Delivery;
using setl::workflow::Factory;

// A line item's price after discount.
setl::engine::Expr net_price() {
  return col("l_extendedprice") *
         (setl::engine::lit(setl::engine::Scalar::float64(1)) - col("l_discount"));
}

/// Where the generated CSV files are, once written.
struct SourceFiles {
  int64_t lineitem_rows = 0;
};

// Stage 0: generate TPC-H-shaped data and write the four tables the job reads as CSV.
class GenerateSources : public Factory<SourceFiles> {
 public:
  SourceFiles process() override {
    const setl::Config& config = context().config();
    tables_ = setl::tpch::generate({.scale_factor = config.get_double("data.scale_factor"),
                                    .seed = config.get<uint64_t>("data.seed")});
    setl::log::info("generated SF {} ({} line items)", config.get_double("data.scale_factor"),
                    tables_.lineitem.num_rows());
    return {tables_.lineitem.num_rows()};
  }
  void write() override {
    const setl::workflow::Setl& setl = context();
    setl.resource<Connector>("customer")
        .write(tables_.customer, setl::storage::SaveMode::kOverwrite);
    setl.resource<Connector>("nation").write(tables_.nation, setl::storage::SaveMode::kOverwrite);
    setl.resource<Connector>("orders").write(tables_.orders, setl::storage::SaveMode::kOverwrite);
    setl.resource<Connector>("lineitem")
        .write(tables_.lineitem, setl::storage::SaveMode::kOverwrite);
    tables_ = {};
  }

 private:
  setl::tpch::Tables tables_;
};

// Stage 1 (parallel): each source read lazily, so only the columns and rows used are kept.
class ReadOrders : public Factory<Table> {
 public:
  Delivery<SourceFiles> sources{this};
  Table process() override {
    int64_t year = context().config().get_int("report.year");
    return context()
        .resource<Connector>("orders")
        .lazy()
        .filter(setl::engine::year(col("o_orderdate")) == year)
        .select({"o_orderkey", "o_custkey", "o_orderdate"})
        .collect();
  }
};

class ReadLineitems : public Factory<Table> {
 public:
  Delivery<SourceFiles> sources{this};
  Table process() override {
    return context()
        .resource<Connector>("lineitem")
        .lazy()
        .filter("l_returnflag <> 'R'")
        .select({col("l_orderkey"), net_price().alias("net")})
        .collect();
  }
};

// Every line item with its ship year, written as Parquet partitioned by ship_year.
class ShippedLines : public Factory<Table> {
 public:
  Delivery<SourceFiles> sources{this};
  Table process() override {
    return context()
        .resource<Connector>("lineitem")
        .lazy()
        .select({col("l_orderkey"), col("l_shipmode"), col("l_quantity"), net_price().alias("net"),
                 setl::engine::year(col("l_shipdate")).alias("ship_year")})
        .collect();
  }
  void write() override {
    context().resource<Connector>("shipments").write(get(), setl::storage::SaveMode::kOverwrite);
  }
};

class ReadCustomers : public Factory<Table> {
 public:
  Delivery<SourceFiles> sources{this};
  Table process() override {
    LazyFrame nations =
        context().resource<Connector>("nation").lazy().select({"n_nationkey", "n_name"});
    return context()
        .resource<Connector>("customer")
        .lazy()
        .select({"c_custkey", "c_nationkey"})
        .join(nations, {"c_nationkey"}, {"n_nationkey"})
        .select({"c_custkey", "n_name"})
        .collect();
  }
};

// Stage 2: revenue per nation in the report year, ranked.
class RevenueByNation : public Factory<Table> {
 public:
  Delivery<Table> orders{this, {.producer = "ReadOrders"}};
  Delivery<Table> lines{this, {.producer = "ReadLineitems"}};
  Delivery<Table> customers{this, {.producer = "ReadCustomers"}};
  Table process() override {
    return LazyFrame::from(*lines)
        .join(LazyFrame::from(*orders), {"l_orderkey"}, {"o_orderkey"})
        .join(LazyFrame::from(*customers), {"o_custkey"}, {"c_custkey"})
        .group_by({"n_name"})
        .agg({setl::engine::sum(col("net")).alias("revenue"),
              setl::engine::count_all().alias("line_items")})
        .with_column("revenue", setl::engine::call("round", {col("revenue"), 2}))
        .with_column("rank",
                     setl::engine::rank().over({.order_by = {setl::engine::desc("revenue")}}))
        .sort({setl::engine::asc("rank")})
        .collect();
  }
  // Stage 3's job, here: the result goes to the warehouse (one transaction).
  void write() override {
    context().resource<Connector>("warehouse").write(get(), setl::storage::SaveMode::kOverwrite);
  }
};

// Stage 3: read the warehouse table back, as a downstream consumer would.
class WarehouseCheck : public Factory<int64_t> {
 public:
  Delivery<Table> revenue{this, {.producer = "RevenueByNation"}};
  int64_t process() override {
    Table stored = context().resource<Connector>("warehouse").read();
    if (stored.num_rows() != revenue->num_rows()) {
      throw setl::IoError("the warehouse holds " + std::to_string(stored.num_rows()) +
                          " rows, expected " + std::to_string(revenue->num_rows()));
    }
    return stored.num_rows();
  }
};

}  // namespace etl

int main(int argc, char** argv) {
  CLI::App app{"setlpp main job: a TPC-H-shaped ETL on generated data"};
  std::string config_path = SETL_EXAMPLES_DIR "/tpch_etl.yaml";
  std::optional<double> scale_factor;
  std::optional<std::string> out_dir;
  app.add_option("--config", config_path, "YAML configuration")->check(CLI::ExistingFile);
  app.add_option("--sf", scale_factor, "TPC-H scale factor (overrides the config)")
      ->check(CLI::Range(0.001, 10.0));
  app.add_option("--out", out_dir, "where data and the warehouse go (sets SETL_DATA_DIR)");
  std::optional<std::string> monitor_address;
  std::optional<std::string> events_path;
  app.add_option("--monitor", monitor_address,
                 "serve /groups, /events, /metrics on HOST:PORT (loopback) during the run");
  app.add_option("--events", events_path, "append every job event to this JSON Lines file");
  CLI11_PARSE(app, argc, argv);

  try {
    if (out_dir) {
      setenv("SETL_DATA_DIR", out_dir->c_str(), 1);
    }
    setl::Config config = setl::Config::load(config_path);
    if (scale_factor) {
      config = config.with_value("data.scale_factor", std::to_string(*scale_factor));
    }
    setl::workflow::Setl setl(config);
    for (const std::string& id : config.section("connectors").keys()) {
      setl.register_resource<setl::storage::Connector>(
          id, setl::storage::build_connector(config.section("connectors." + id)));
    }

    std::unique_ptr<setl::monitor::MonitorServer> monitor;
    if (monitor_address) {
      auto [host, port] = setl::monitor::MonitorServer::parse_address(*monitor_address);
      monitor = std::make_unique<setl::monitor::MonitorServer>(host, port);
      std::cerr << "monitor: " << monitor->url() << " (POST /groups/{id}/cancel with "
                << "'Authorization: Bearer " << monitor->token() << "')\n";
    }
    std::shared_ptr<setl::monitor::JsonLinesEventSink> event_log;
    if (events_path) {
      event_log = std::make_shared<setl::monitor::JsonLinesEventSink>(*events_path);
      setl::add_job_event_sink(event_log);
    }

    setl::workflow::Pipeline pipeline = setl.new_pipeline("tpch_etl");
    pipeline.set_benchmark(true);
    pipeline.add_factory<etl::GenerateSources>();
    setl::workflow::Stage& read = pipeline.add_stage().set_parallel();
    read.add_factory<etl::ReadOrders>();
    read.add_factory<etl::ReadLineitems>();
    read.add_factory<etl::ReadCustomers>();
    read.add_factory<etl::ShippedLines>();
    pipeline.add_factory<etl::RevenueByNation>();
    pipeline.add_factory<etl::WarehouseCheck>();
    {
      setl::monitor::ProgressLine progress;  // draws only on a terminal
      pipeline.run();
    }

    std::cout << "== revenue by nation, " << config.get_int("report.year")
              << " (orders not returned) ==\n";
    pipeline.get_output<setl::engine::Table>("RevenueByNation").show(25);
    std::cout << "\nwarehouse table '" << config.get_string("connectors.warehouse.table") << "' in "
              << config.get_string("connectors.warehouse.path") << ": "
              << pipeline.last_output<int64_t>() << " rows\n";

    // A query on the Parquet lake: the filter on the partition column skips the other years.
    int64_t year = config.get_int("report.year");
    auto& shipments = setl.resource<setl::storage::Connector>("shipments");
    setl::engine::Table by_mode =
        shipments.lazy()
            .filter(setl::engine::col("ship_year") == year)
            .group_by({"l_shipmode"})
            .agg({setl::engine::sum(setl::engine::col("net")).alias("revenue"),
                  setl::engine::count_all().alias("line_items")})
            .with_column("revenue", setl::engine::call("round", {setl::engine::col("revenue"), 2}))
            .sort({setl::engine::desc("revenue")})
            .collect();
    std::cout << "\n== revenue by ship mode, shipped in " << year << " (from "
              << shipments.describe() << ") ==\n";
    by_mode.show(10);
    if (auto* lake = dynamic_cast<setl::storage::PartitionedConnector*>(&shipments)) {
      std::cout << "partitions read: " << lake->last_partitions_read() << "\n";
    }
    std::cout << "\n== DAG (Mermaid) ==\n" << pipeline.dag().to_mermaid() << "\n";
    std::cout << "== benchmark ==\n" << pipeline.benchmark().to_string();
    if (event_log) {
      setl::remove_job_event_sink(event_log);
    }
    return 0;
  } catch (const setl::Error& error) {
    std::cerr << "error: " << error.what() << "\n";
    return 1;
  }
}
