// The main job's factories and pipeline (shared by examples/tpch_etl.cc and
// bench/etl_cache_benchmark.cc): generate TPC-H-shaped CSV, read it through connectors,
// write a Parquet lake partitioned by ship year, aggregate revenue per nation into SQLite,
// and read the warehouse back.
#pragma once

#include <istream>
#include <ostream>

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
// Its output depends on the scale factor and seed only; the readers' cache keys chain
// from it, so regenerated sources invalidate everything downstream.
class GenerateSources : public Factory<SourceFiles> {
 public:
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
    for (const char* table : {"customer", "nation", "orders", "lineitem"}) {
      if (!context().resource<Connector>(table).exists()) {
        return true;
      }
    }
    return false;
  }
  void write() override {
    if (tables_.lineitem.num_rows() == 0) {
      generate();
    }
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
  void generate() {
    const setl::Config& config = context().config();
    tables_ = setl::tpch::generate({.scale_factor = config.get_double("data.scale_factor"),
                                    .seed = config.get<uint64_t>("data.seed")});
    setl::log::info("generated SF {} ({} line items)", config.get_double("data.scale_factor"),
                    tables_.lineitem.num_rows());
  }

  setl::tpch::Tables tables_;
};

// A factory whose table goes to the connector registered as `target` when it is written
// (and again on a cache hit if the destination has lost it).
class TableWrittenTo : public Factory<Table> {
 public:
  explicit TableWrittenTo(std::string target) : target_(std::move(target)) {}
  void write() override {
    context().resource<Connector>(target_).write(get(), setl::storage::SaveMode::kOverwrite);
  }
  bool output_missing_at_destination() const override {
    return !context().resource<Connector>(target_).exists();
  }

 private:
  std::string target_;
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
class ShippedLines : public TableWrittenTo {
 public:
  ShippedLines() : TableWrittenTo("shipments") {}
  Delivery<SourceFiles> sources{this};
  Table process() override {
    return context()
        .resource<Connector>("lineitem")
        .lazy()
        .select({col("l_orderkey"), col("l_shipmode"), col("l_quantity"), net_price().alias("net"),
                 setl::engine::year(col("l_shipdate")).alias("ship_year")})
        .collect();
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
// Stage 3's job, here: the result goes to the warehouse (one transaction).
class RevenueByNation : public TableWrittenTo {
 public:
  RevenueByNation() : TableWrittenTo("warehouse") {}
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

/// The main job's pipeline on `setl` (whose connectors are registered).
inline setl::workflow::Pipeline build_pipeline(const setl::workflow::Setl& setl) {
  setl::workflow::Pipeline pipeline = setl.new_pipeline("tpch_etl");
  pipeline.set_benchmark(true);
  pipeline.add_factory<GenerateSources>();
  setl::workflow::Stage& read = pipeline.add_stage().set_parallel();
  read.add_factory<ReadOrders>();
  read.add_factory<ReadLineitems>();
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

/// Registers every connector of the configuration's `connectors` section, and the codecs
/// the disk cache needs.
inline void prepare(setl::workflow::Setl& setl) {
  const setl::Config& config = setl.config();
  for (const std::string& id : config.section("connectors").keys()) {
    setl.register_resource<setl::storage::Connector>(
        id, setl::storage::build_connector(config.section("connectors." + id)));
  }
  if (setl.disk_cache()) {
    setl::add_table_codecs(*setl.disk_cache());
    setl.disk_cache()->add_codec<SourceFiles>(std::make_shared<const SourceFilesCodec>());
  }
}

}  // namespace etl
