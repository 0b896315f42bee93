// A job that scales out: the same binary runs alone or on the ranks of an MPI job.
//
//   cluster_job --out DIR [--sf 0.1]                        # one process
//   mpirun -np 4 cluster_job --out DIR [--sf 0.1]           # four ranks (see README,
//                                                           # "Running on a cluster")
//
// GenerateData writes TPC-H-shaped line items and orders as Parquet once (its write()
// runs on rank 0); Revenue scans them — each rank reads its share of the row groups —,
// joins, aggregates and sorts across the ranks, and rank 0 writes the result as CSV;
// LateLines keeps each rank's late line items and writes them as one partitioned dataset,
// every rank its own part files, committed together by rank 0. Rank 0 prints the report;
// the output is the same on any number of ranks.
#include <filesystem>
#include <iostream>

#include <setl/setl.h>

#include "setl/storage/csv_connector.h"
#include "setl/storage/parquet_connector.h"
#include "setl/storage/partitioned_connector.h"
#include "setl/tpch/data.h"

namespace {

namespace fs = std::filesystem;
using setl::engine::col;
using setl::engine::LazyFrame;
using setl::engine::Table;
using setl::storage::SaveMode;
using setl::workflow::Delivery;
using setl::workflow::Factory;
namespace fn = setl::engine::fn;

LazyFrame parquet(const fs::path& file) {
  return setl::storage::make_connector<setl::storage::ParquetConnector>(file)->lazy();
}

class GenerateData : public Factory<std::string> {
 public:
  std::string process() override { return context().config().get_string("out.dir") + "/data"; }
  void write() override {
    fs::path directory = get();
    double scale = context().config().get_double("data.scale_factor");
    fs::path done = directory / ("sf-" + std::to_string(scale));
    if (fs::exists(done)) {
      return;
    }
    fs::create_directories(directory);
    setl::tpch::Tables tables = setl::tpch::generate({.scale_factor = scale, .seed = 3});
    setl::storage::ParquetOptions options{.row_group_rows = 50'000};  // shares to spread
    for (const auto& [name, table] :
         {std::pair{"lineitem", &tables.lineitem}, std::pair{"orders", &tables.orders}}) {
      setl::storage::make_connector<setl::storage::ParquetConnector>(
          directory / (std::string(name) + ".parquet"), options)
          ->write(*table, SaveMode::kOverwrite);
    }
    setl::storage::make_connector<setl::storage::CsvConnector>(done)->write(
        Table::empty(tables.region.schema()), SaveMode::kOverwrite);
  }
};

class Revenue : public Factory<Table> {
 public:
  Delivery<std::string> data{this};
  Table process() override {
    fs::path directory = *data;
    return parquet(directory / "lineitem.parquet")
        .join(parquet(directory / "orders.parquet"), {"l_orderkey"}, {"o_orderkey"})
        .with_column("year", fn::year(col("o_orderdate")))
        .group_by({"year", "l_shipmode"})
        .agg({fn::sum(col("l_extendedprice") * (1 - col("l_discount")))  // decimal: exact
                  .alias("revenue"),
              fn::count_all().alias("lines")})
        .sort({{"year"}, {"l_shipmode"}})
        .collect();
  }
  void write() override {  // rank 0 only: the result is the same on every rank
    setl::storage::make_connector<setl::storage::CsvConnector>(
        fs::path(context().config().get_string("out.dir")) / "revenue.csv")
        ->write(get(), SaveMode::kOverwrite);
  }
};

class LateLines : public Factory<Table> {
 public:
  Delivery<std::string> data{this};
  LateLines() { set_writes_on_every_rank(); }  // write() is collective
  Table process() override {
    return parquet(fs::path(*data) / "lineitem.parquet")
        .filter("l_receiptdate > l_commitdate")
        .select({"l_orderkey", "l_linenumber", "l_shipmode", "l_receiptdate"})
        .collect_partition();  // this rank's late lines
  }
  void write() override {
    auto lake = setl::storage::make_connector<setl::storage::PartitionedConnector>(
        fs::path(context().config().get_string("out.dir")) / "late",
        setl::storage::PartitionFormat::kParquet, std::vector<std::string>{"l_shipmode"});
    if (const auto* distributed = setl::engine::current_distributed_context()) {
      lake->write_parts(get(), SaveMode::kOverwrite, *distributed->communicator);
    } else {
      lake->write(get(), SaveMode::kOverwrite);
    }
  }
};

void report(const setl::cli::JobRun& run) {
  run.out << "== revenue by year and ship mode ==\n"
          << run.result.output<Table>("Revenue").to_string(100) << "\n";
  Table late = setl::storage::make_connector<setl::storage::PartitionedConnector>(
                   fs::path(run.config.get_string("out.dir")) / "late",
                   setl::storage::PartitionFormat::kParquet)
                   ->lazy()
                   .group_by({"l_shipmode"})
                   .agg({fn::count_all().alias("late_lines")})
                   .sort({{"l_shipmode"}})
                   .collect();
  run.out << "== late line items in the lake ==\n" << late.to_string(100);
}

}  // namespace

int main(int argc, char** argv) {
  setl::cli::JobOptions options{
      .description = "setlpp cluster job: TPC-H revenue on one process or many MPI ranks",
      .config_optional = true,
      .flags = {{.name = "--sf",
                 .help = "TPC-H scale factor (data.scale_factor)",
                 .config_key = "data.scale_factor"},
                {.name = "--out", .help = "where data and results go", .config_key = "out.dir"}},
      .report = report};
  return setl::cli::run_job(
      argc, argv,
      [](setl::workflow::Setl& setl) {
        setl::workflow::Pipeline pipeline = setl.new_pipeline("cluster_job");
        pipeline.add_factory<GenerateData>();
        pipeline.add_factory<Revenue>();
        pipeline.add_factory<LateLines>();
        return pipeline;
      },
      options);
}
