// The main job: a real ETL on TPC-H-shaped data it generates. Stage 0 writes the source
// CSV files; stage 1 reads them through connectors built from the YAML configuration (in
// parallel) and writes every shipped line item to a Parquet dataset partitioned by ship
// year; stage 2 joins and aggregates revenue per nation and year and writes it to a SQLite
// table; stage 3 reads the warehouse back. Prints the results (including a query on the
// Parquet dataset that reads only one year's partition), the DAG (Mermaid) and the
// benchmark.
//
//   tpch_etl [--config tpch_etl.yaml] [--sf 0.05] [--out DIR] [--monitor 127.0.0.1:9464]
//            [--events run-events.jsonl] [--cache-dir .setl-cache]
//
// With --cache-dir (or a `cache:` section in the configuration) results are cached in
// memory and on disk: a second run with the same scale factor and seed computes nothing
// and prints the same results; `setl cache ls --dir DIR` lists the entries, and
// --explain-cache says what a run would take from the cache and why, without running.
// On a terminal a live progress line shows the running factories. --monitor serves the
// job groups, events and Prometheus metrics over HTTP while the job runs (and cancels
// with the printed token); --events appends every job event to a JSON Lines file.
#include <iostream>

#include <CLI/CLI.hpp>

#include <setl/setl.h>

#include "tpch_etl_factories.h"

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
  bool explain_cache = false;
  app.add_flag("--explain-cache", explain_cache,
               "print what a run would take from the cache and why, then stop");
  std::optional<std::string> cache_dir;
  app.add_option("--cache-dir", cache_dir,
                 "cache factory results in memory and in this directory (memory+disk)");
  CLI11_PARSE(app, argc, argv);

  try {
    if (out_dir) {
      setenv("SETL_DATA_DIR", out_dir->c_str(), 1);
    }
    setl::Config config = setl::Config::load(config_path);
    if (scale_factor) {
      config = config.with_value("data.scale_factor", std::to_string(*scale_factor));
    }
    if (cache_dir) {
      config = config.with_value("cache.mode", "memory+disk").with_value("cache.dir", *cache_dir);
    }
    setl::workflow::Setl setl(config);
    etl::prepare(setl);

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

    setl::workflow::Pipeline pipeline = etl::build_pipeline(setl);
    if (explain_cache) {
      for (const setl::workflow::CacheDecision& decision : pipeline.explain_cache(etl::kTargets)) {
        std::cout << decision.factory << ": " << setl::workflow::to_string(decision.outcome)
                  << (decision.reason.empty() ? "" : " (" + decision.reason + ")") << "\n";
      }
      return 0;
    }
    {
      setl::monitor::ProgressLine progress;  // draws only on a terminal
      pipeline.run(etl::kTargets);
    }
    if (pipeline.cache() || pipeline.disk_cache()) {
      std::cout << "== result cache ==\n";
      for (const setl::workflow::CacheDecision& decision : pipeline.cache_report()) {
        std::cout << decision.factory << ": " << setl::workflow::to_string(decision.outcome)
                  << (decision.reason.empty() ? "" : " (" + decision.reason + ")") << "\n";
      }
      std::cout << "\n";
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
