// The main job's report, shared by the C++ job (tpch_etl.cc) and its plugin for
// `setl run` (tpch_etl_plugin.cc).
#pragma once

#include <setl/setl.h>

namespace etl {

// A query on the Parquet lake: the filter on the partition column skips the other years.
inline void report_lake(const setl::workflow::RunReport& run) {
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

inline void report(const setl::workflow::RunReport& run) {
  run.out << "== revenue by nation, " << run.config.get_int("report.year") << " ("
          << run.config.get_or<std::string>("report.price", "net")
          << " prices, orders not returned) ==\n";
  const setl::workflow::FactoryOutcome& revenue = run.result.factory("RevenueByNation");
  if (revenue.status == setl::workflow::FactoryOutcome::Status::kSkipped) {
    run.out << "skipped: " << revenue.skip_reason << "; the warehouse was left as it was\n";
    report_lake(run);
    return;
  }
  // Read back from the warehouse, not taken from the run: a resumed run (--resume) may not
  // have computed it again, and what the warehouse holds is the job's result either way.
  setl::engine::Table stored = run.setl.resource<setl::storage::Connector>("warehouse")
                                   .lazy()
                                   .sort({setl::engine::asc("rank"), setl::engine::asc("n_name")})
                                   .collect();
  stored.show(run.out, 25);
  run.out << "\nwarehouse table '" << run.config.get_string("connectors.warehouse.table") << "' in "
          << run.config.get_string("connectors.warehouse.path") << ": " << stored.num_rows()
          << " rows\n";
  report_lake(run);
}

}  // namespace etl
