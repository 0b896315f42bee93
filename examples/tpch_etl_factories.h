// The main job's factories and pipeline (shared by examples/tpch_etl.cc and
// bench/etl_cache_benchmark.cc): generate TPC-H-shaped CSV, read it through connectors,
// write a Parquet lake partitioned by ship year, aggregate revenue per nation into SQLite,
// and read the warehouse back.
#pragma once

#include <istream>
#include <ostream>

#include <setl/setl.h>

#include "setl/tpch/data.h"

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

using ConnectorInput = Delivery<Connector>;

// Stage 0: generate TPC-H-shaped data and write the four tables the job reads as CSV, to
// the connectors it receives (write-only: their versions stay out of its own cache key).
// Its output depends on the scale factor and seed only; the readers run after it and
// read the files it wrote, so regenerated sources change their keys.
class GenerateSources : public Factory<SourceFiles> {
 public:
  ConnectorInput customer{this, {.id = "customer", .write_only = true}};
  ConnectorInput nation{this, {.id = "nation", .write_only = true}};
  ConnectorInput orders{this, {.id = "orders", .write_only = true}};
  ConnectorInput lineitem{this, {.id = "lineitem", .write_only = true}};

  GenerateSources() { set_reads_only_deliveries(); }
  SourceFiles process() override {
    generate();
    return {tables_.lineitem.num_rows()};
  }
  std::string cache_parameters() const override {
    const setl::Config& config = context().config();
    return "sf=" + std::to_string(config.get_double("data.scale_factor")) +
           ";seed=" + std::to_string(config.get<uint64_t>("data.seed"));
  }
  // Served from the cache but the files are gone: write() regenerates them.
  bool output_missing_at_destination() const override {
    for (const ConnectorInput* table : {&customer, &nation, &orders, &lineitem}) {
      if (!(*table)->exists()) {
        return true;
      }
    }
    return false;
  }
  void write() override {
    if (tables_.lineitem.num_rows() == 0) {
      generate();
    }
    customer->write(tables_.customer, setl::storage::SaveMode::kOverwrite);
    nation->write(tables_.nation, setl::storage::SaveMode::kOverwrite);
    orders->write(tables_.orders, setl::storage::SaveMode::kOverwrite);
    lineitem->write(tables_.lineitem, setl::storage::SaveMode::kOverwrite);
    tables_ = {};
  }

 private:
  void generate() {
    const setl::Config& config = context().config();
    tables_ = setl::tpch::generate({.scale_factor = config.get_double("data.scale_factor"),
                                    .seed = config.get<uint64_t>("data.seed")});
    setl::log::info("generated SF {} ({} line items)", config.get_double("data.scale_factor"),
                    tables_.lineitem.num_rows());
  }

  setl::tpch::Tables tables_;
};

// A factory that reads only its deliveries and runs after the sources are generated.
template <class T>
class ReadsSources : public Factory<T> {
 public:
  ReadsSources() {
    this->set_reads_only_deliveries();
    this->template depends_on<GenerateSources>();
  }
};

// A factory whose table goes to the delivered connector `target` when it is written (and
// again on a cache hit if the destination has lost it).
class TableWrittenTo : public ReadsSources<Table> {
 public:
  explicit TableWrittenTo(std::string target)
      : target_(this, {.id = std::move(target), .write_only = true}) {}
  void write() override { target_->write(get(), setl::storage::SaveMode::kOverwrite); }
  bool output_missing_at_destination() const override { return !target_->exists(); }

 private:
  ConnectorInput target_;
};

// Lets the disk cache keep SourceFiles.
class SourceFilesCodec : public setl::workflow::Codec<SourceFiles> {
 public:
  void encode(const SourceFiles& files, std::ostream& out) const override {
    out << files.lineitem_rows;
  }
  SourceFiles decode(std::istream& in) const override {
    SourceFiles files;
    if (!(in >> files.lineitem_rows)) {
      throw setl::ParseError("bad SourceFiles cache entry");
    }
    return files;
  }
};

// Stage 1 (parallel): each source read lazily, so only the columns and rows used are kept.
class ReadOrders : public ReadsSources<Table> {
 public:
  ConnectorInput orders{this, {.id = "orders"}};
  Table process() override {
    int64_t year = context().config().get_int("report.year");
    return orders->lazy()
        .filter(setl::engine::fn::year(col("o_orderdate")) == year)
        .select({"o_orderkey", "o_custkey", "o_orderdate"})
        .collect();
  }
  std::string cache_parameters() const override {
    return "year=" + std::to_string(context().config().get_int("report.year"));
  }
};

// Two build-time variants of the line items that count: report.price chooses whether
// revenue is net of discount (the default) or also includes tax. The other variant is not
// part of the pipeline at all (DAG, run, cache keys).
class ReadLineitems : public ReadsSources<Table> {
 public:
  ReadLineitems() {
    set_delivery_id("lines");
    when("config('report.price', 'net') = 'net'");
  }
  ConnectorInput lineitem{this, {.id = "lineitem"}};
  Table process() override {
    return lineitem->lazy()
        .filter("l_returnflag <> 'R'")
        .select({col("l_orderkey"), net_price().alias("net")})
        .collect();
  }
};

class ReadLineitemsWithTax : public ReadsSources<Table> {
 public:
  ReadLineitemsWithTax() {
    set_delivery_id("lines");
    when("config('report.price', 'net') = 'gross'");
  }
  ConnectorInput lineitem{this, {.id = "lineitem"}};
  Table process() override {
    return lineitem->lazy()
        .filter("l_returnflag <> 'R'")
        .select({col("l_orderkey"),
                 (net_price() * (setl::engine::lit(1.0) + col("l_tax"))).alias("net")})
        .collect();
  }
};

// Every line item with its ship year, written as Parquet partitioned by ship_year.
class ShippedLines : public TableWrittenTo {
 public:
  ShippedLines() : TableWrittenTo("shipments") {}
  ConnectorInput lineitem{this, {.id = "lineitem"}};
  Table process() override {
    return lineitem->lazy()
        .select({col("l_orderkey"), col("l_shipmode"), col("l_quantity"), net_price().alias("net"),
                 setl::engine::fn::year(col("l_shipdate")).alias("ship_year")})
        .collect();
  }
};

class ReadCustomers : public ReadsSources<Table> {
 public:
  ConnectorInput customer{this, {.id = "customer"}};
  ConnectorInput nation{this, {.id = "nation"}};
  Table process() override {
    LazyFrame nations = nation->lazy().select({"n_nationkey", "n_name"});
    return customer->lazy()
        .select({"c_custkey", "c_nationkey"})
        .join(nations, {"c_nationkey"}, {"n_nationkey"})
        .select({"c_custkey", "n_name"})
        .collect();
  }
};

// Stage 2: revenue per nation in the report year, ranked; written to the warehouse (one
// transaction) — only when the year has orders: with none, the warehouse keeps what it
// has, and the check after it is skipped too.
class RevenueByNation : public TableWrittenTo {
 public:
  RevenueByNation() : TableWrittenTo("warehouse") { run_if("rows(ReadOrders) > 0"); }
  Delivery<Table> orders{this, {.producer = setl::workflow::producer<ReadOrders>()}};
  Delivery<Table> lines{this, {.id = "lines"}};
  Delivery<Table> customers{this, {.producer = setl::workflow::producer<ReadCustomers>()}};
  Table process() override {
    return LazyFrame::from(*lines)
        .join(LazyFrame::from(*orders), {"l_orderkey"}, {"o_orderkey"})
        .join(LazyFrame::from(*customers), {"o_custkey"}, {"c_custkey"})
        .group_by({"n_name"})
        .agg({setl::engine::fn::sum(col("net")).alias("revenue"),
              setl::engine::fn::count_all().alias("line_items")})
        .with_column("revenue", setl::engine::call("round", {col("revenue"), 2}))
        .with_column("rank",
                     setl::engine::fn::rank().over({.order_by = {setl::engine::desc("revenue")}}))
        .sort({setl::engine::asc("rank")})
        .collect();
  }
};

// Stage 3: read the warehouse table back, as a downstream consumer would. The warehouse is
// a delivered source, so its version (the database file's) is part of this factory's key.
class WarehouseCheck : public ReadsSources<int64_t> {
 public:
  Delivery<Table> revenue{this, {.producer = setl::workflow::producer<RevenueByNation>()}};
  ConnectorInput warehouse{this, {.id = "warehouse"}};
  int64_t process() override {
    Table stored = warehouse->read();
    if (stored.num_rows() != revenue->num_rows()) {
      throw setl::IoError("the warehouse holds " + std::to_string(stored.num_rows()) +
                          " rows, expected " + std::to_string(revenue->num_rows()));
    }
    return stored.num_rows();
  }
};

/// The main job's pipeline on `setl` (whose connectors are registered).
inline setl::workflow::Pipeline build_pipeline(const setl::workflow::Setl& setl) {
  setl::workflow::Pipeline pipeline = setl.new_pipeline("tpch_etl");
  pipeline.set_benchmark(true);
  pipeline.add_factory<GenerateSources>();
  setl::workflow::Stage& read = pipeline.add_stage().set_parallel();
  read.add_factory<ReadOrders>();
  read.add_factory<ReadLineitems>();
  read.add_factory<ReadLineitemsWithTax>();
  read.add_factory<ReadCustomers>();
  read.add_factory<ShippedLines>();
  pipeline.add_factory<RevenueByNation>();
  pipeline.add_factory<WarehouseCheck>();
  return pipeline;
}

/// What the job delivers: the report, the warehouse check and the Parquet lake. With a
/// result cache, a repeated run with unchanged inputs computes none of it.
inline const setl::workflow::Pipeline::RunOptions kTargets{
    .targets = {"RevenueByNation", "WarehouseCheck", "ShippedLines"}};

/// Checks the scale factor and registers the codecs the disk cache needs (the `setup:` of
/// the YAML declaration, which registers the connectors with the built-in `connectors`).
inline void check_and_add_codecs(setl::workflow::Setl& setl) {
  double scale_factor = setl.config().get_double("data.scale_factor");
  if (!(scale_factor >= 0.001 && scale_factor <= 10)) {
    throw setl::ConfigError("data.scale_factor must be in [0.001, 10], got " +
                            std::to_string(scale_factor));
  }
  if (setl.disk_cache()) {
    setl::add_table_codecs(*setl.disk_cache());
    setl.disk_cache()->add_codec<SourceFiles>(std::make_shared<const SourceFilesCodec>());
  }
}

/// check_and_add_codecs, and every connector of the configuration's `connectors` section
/// registered as a source of the context.
inline void prepare(setl::workflow::Setl& setl) {
  check_and_add_codecs(setl);
  setl::set_connectors(setl, "connectors");  // each a source, delivered by its id
}

}  // namespace etl
