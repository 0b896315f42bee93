// The main job: a real ETL on TPC-H-shaped data it generates. GenerateSources writes the
// source CSV files; a parallel stage reads them through connectors built from the YAML
// configuration (delivered sources) and writes every shipped line item to a Parquet
// dataset partitioned by ship year; RevenueByNation joins and aggregates revenue per nation
// and year and writes it to a SQLite table; WarehouseCheck reads the warehouse back.
// report.price (net or gross) selects one of two variants of the line-item reader before
// the run, and RevenueByNation runs only if the report year has orders (a condition on its
// input): both show in the DAG.
// Prints the results (including a query on the Parquet dataset that reads only one year's
// partition), the DAG (Mermaid), the run summary with its critical path and the benchmark.
//
//   tpch_etl [--sf 0.05] [--out DIR] [--config tpch_etl.yaml] [--env NAME]
//            [--set KEY=VALUE]... [--target FACTORY]... [--cache-dir .setl-cache]
//            [--cache MODE] [--explain] [--monitor 127.0.0.1:9464] [--events FILE]
//            [--profile trace.json] [--dag none|text|summary|mermaid|class|dot]
//
// Every flag but --sf and --out comes from setl::cli::run_job (setl/cli/job_runner.h).
// With --cache-dir (or a `cache:` section in the configuration) results are cached in
// memory and on disk: a second run with the same scale factor and seed computes nothing
// and prints the same results; `setl cache ls --dir DIR` lists the entries, and --explain
// says what a run would take from the cache and why, without running. On a terminal a live
// progress line shows the running factories. --monitor serves the job groups, events and
// Prometheus metrics over HTTP while the job runs (and cancels with the printed token);
// --events appends every job event to a JSON Lines file. --profile writes a Chrome trace of
// the run (factories, queries and engine operators on each thread) to open in Perfetto.
#include <iostream>

#include <setl/setl.h>

#include "tpch_etl_factories.h"

namespace {

// A query on the Parquet lake: the filter on the partition column skips the other years.
void report_lake(const setl::cli::JobRun& run) {
  int64_t year = run.config.get_int("report.year");
  auto& shipments = run.setl.resource<setl::storage::Connector>("shipments");
  setl::engine::Table by_mode =
      shipments.lazy()
          .filter(setl::engine::col("ship_year") == year)
          .group_by({"l_shipmode"})
          .agg({setl::engine::fn::sum(setl::engine::col("net")).alias("revenue"),
                setl::engine::fn::count_all().alias("line_items")})
          .with_column("revenue", setl::engine::fn::round(setl::engine::col("revenue"), 2))
          .sort({setl::engine::desc("revenue")})
          .collect();
  run.out << "\n== revenue by ship mode, shipped in " << year << " (from " << shipments.describe()
          << ") ==\n";
  by_mode.show(run.out, 10);
  // What the filter pruned, from a scan of the partition column alone.
  setl::engine::ScanResult pruned =
      shipments.scan({{"ship_year"}, setl::engine::col("ship_year") == year});
  if (pruned.stats.units_total > 0) {
    run.out << "part files read: " << pruned.stats.units_read << " of " << pruned.stats.units_total
            << "\n";
  }
}

void report(const setl::cli::JobRun& run) {
  run.out << "== revenue by nation, " << run.config.get_int("report.year") << " ("
          << run.config.get_or<std::string>("report.price", "net")
          << " prices, orders not returned) ==\n";
  const setl::workflow::FactoryOutcome& revenue = run.result.factory("RevenueByNation");
  if (revenue.status == setl::workflow::FactoryOutcome::Status::kSkipped) {
    run.out << "skipped: " << revenue.skip_reason << "; the warehouse was left as it was\n";
    report_lake(run);
    return;
  }
  run.result.output<setl::engine::Table>("RevenueByNation").show(run.out, 25);
  run.out << "\nwarehouse table '" << run.config.get_string("connectors.warehouse.table") << "' in "
          << run.config.get_string("connectors.warehouse.path") << ": "
          << run.result.output<int64_t>("WarehouseCheck") << " rows\n";
  report_lake(run);
}

}  // namespace

int main(int argc, char** argv) {
  setl::cli::JobOptions options{
      .description = "setlpp main job: a TPC-H-shaped ETL on generated data",
      .default_config = SETL_EXAMPLES_DIR "/tpch_etl.yaml",
      .default_targets = etl::kTargets.targets,
      .default_dag = "mermaid",
      .flags = {{.name = "--sf",
                 .help = "TPC-H scale factor (overrides data.scale_factor)",
                 .config_key = "data.scale_factor"},
                {.name = "--out",
                 .help = "where data and the warehouse go (sets SETL_DATA_DIR)",
                 .environment = "SETL_DATA_DIR"}},
      .report = report};
  return setl::cli::run_job(
      argc, argv,
      [](setl::workflow::Setl& setl) {
        etl::prepare(setl);
        return etl::build_pipeline(setl);
      },
      options);
}
