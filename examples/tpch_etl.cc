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
#include "tpch_etl_report.h"

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
      .report = etl::report};
  return setl::cli::run_job(
      argc, argv,
      [](setl::workflow::Setl& setl) {
        etl::prepare(setl);
        return etl::build_pipeline(setl);
      },
      options);
}
