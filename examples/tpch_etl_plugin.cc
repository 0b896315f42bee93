// The main job's factories, setup and report as a plugin, so that `setl run` can run the
// same pipeline declared in YAML (tpch_etl.pipeline.yaml):
//
//   setl run examples/tpch_etl.pipeline.yaml --plugin build/examples/tpch_etl_components.so
#include <setl/setl.h>

#include "tpch_etl_factories.h"
#include "tpch_etl_report.h"

SETL_PLUGIN(registry) {
  registry.add_factory<etl::GenerateSources>("GenerateSources", {}, "writes the source CSV files");
  registry.add_factory<etl::ReadOrders>("ReadOrders");
  registry.add_factory<etl::ReadLineitems>("ReadLineitems");
  registry.add_factory<etl::ReadLineitemsWithTax>("ReadLineitemsWithTax");
  registry.add_factory<etl::ReadCustomers>("ReadCustomers");
  registry.add_factory<etl::ShippedLines>("ShippedLines");
  registry.add_factory<etl::RevenueByNation>("RevenueByNation");
  registry.add_factory<etl::WarehouseCheck>("WarehouseCheck");
  registry.add_setup("tpch_etl", etl::check_and_add_codecs);
  registry.add_report("tpch_etl", etl::report);
}
