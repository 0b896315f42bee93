// The setlpp side of bench/tpch_peer.sh: generates TPC-H data (our generator), writes it
// as Parquet for the peer engine to load, then answers commands on stdin so the driver can
// interleave setlpp and the peer query by query:
//
//   queries                 -> "queries 1 3 5 ..."
//   sql <query>             -> "sql <the query for an engine with typed dates>"
//   run <query> <threads>   -> "ok <milliseconds> <rows>"   (one timed run)
//   result <query>          -> the rows, tab-separated display text, then "end"
//   analyze <query> <threads> -> explain_analyze()'s text, then "end" (by hand, to see
//                                where a query's time goes)
//   quit
//
//   tpch_peer_runner --sf 1 --dir DIR [--source memory|parquet] [--decode-strings]
//
// With --source parquet the queries read the Parquet files (strings dictionary-encoded
// inside the query unless --decode-strings) instead of the generated tables in memory.
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <sstream>
#include <string>

#include "setl/core/memory_context.h"
#include "setl/storage/parquet_connector.h"
#include "setl/tpch/data.h"
#include "setl/tpch/queries.h"

namespace {

namespace fs = std::filesystem;
using setl::engine::Table;

void write_parquet(const setl::tpch::Tables& tables, const fs::path& dir) {
  fs::create_directories(dir);
  const std::pair<const char*, const Table*> files[] = {
      {"region", &tables.region},     {"nation", &tables.nation},    {"supplier", &tables.supplier},
      {"customer", &tables.customer}, {"part", &tables.part},        {"partsupp", &tables.partsupp},
      {"orders", &tables.orders},     {"lineitem", &tables.lineitem}};
  for (const auto& [name, table] : files) {
    auto connector = setl::storage::make_connector<setl::storage::ParquetConnector>(
        dir / (std::string(name) + ".parquet"));
    connector->write(*table, setl::storage::SaveMode::kOverwrite);
  }
}

setl::tpch::Sources parquet_sources(const fs::path& dir, bool decode_strings) {
  setl::storage::ParquetOptions options;
  options.keep_dictionary = !decode_strings;
  auto scan = [&](const char* name) {
    return setl::storage::make_connector<setl::storage::ParquetConnector>(
               dir / (std::string(name) + ".parquet"), options)
        ->lazy();
  };
  return {scan("region"), scan("nation"),   scan("supplier"), scan("customer"),
          scan("part"),   scan("partsupp"), scan("orders"),   scan("lineitem")};
}

void print_rows(const Table& table) {
  for (const setl::engine::RecordBatch& batch : table.batches()) {
    for (int64_t row = 0; row < batch.num_rows(); ++row) {
      std::string line;
      for (size_t c = 0; c < batch.num_columns(); ++c) {
        line += (c > 0 ? "\t" : "") + batch.column(c)->scalar(row).to_display();
      }
      std::cout << line << '\n';
    }
  }
  std::cout << "end" << std::endl;
}

}  // namespace

int main(int argc, char** argv) {
  double scale_factor = 1;
  bool sql = false;
  fs::path dir = "tpch-peer-data";
  std::string source = "memory";
  bool decode_strings = false;
  for (int i = 1; i < argc; ++i) {
    std::string flag = argv[i];
    if (flag == "--decode-strings") {
      decode_strings = true;
    } else if (flag == "--sql") {
      sql = true;
    } else if (i + 1 < argc && flag == "--sf") {
      scale_factor = std::atof(argv[++i]);
    } else if (i + 1 < argc && flag == "--dir") {
      dir = argv[++i];
    } else if (i + 1 < argc && flag == "--source" &&
               (std::string(argv[i + 1]) == "memory" || std::string(argv[i + 1]) == "parquet")) {
      source = argv[++i];
    } else {
      std::cerr << "usage: tpch_peer_runner --sf SF --dir DIR [--source memory|parquet] "
                   "[--decode-strings] [--sql]\n";
      return 2;
    }
  }
  try {
    auto start = std::chrono::steady_clock::now();
    setl::tpch::Tables tables = setl::tpch::generate({.scale_factor = scale_factor, .seed = 1});
    write_parquet(tables, dir);
    const setl::tpch::Sources sources =
        source == "parquet" ? parquet_sources(dir, decode_strings) : setl::tpch::sources_of(tables);
    double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    std::cout << "ready " << tables.lineitem.num_rows() << " lineitem rows in " << seconds << " s"
              << std::endl;
    std::string line;
    while (std::getline(std::cin, line)) {
      std::istringstream command(line);
      std::string verb;
      int query = 0;
      command >> verb >> query;
      if (verb == "quit") {
        break;
      }
      if (verb == "run") {
        int threads = 0;
        command >> threads;
        setl::MemoryContext context;
        context.threads = threads;
        setl::MemoryContextScope scope(context);
        auto begin = std::chrono::steady_clock::now();
        Table result = sql ? setl::tpch::sql_query_plan(query, sources).collect()
                           : setl::tpch::run_query(query, sources);
        double ms =
            std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - begin)
                .count();
        std::cout << "ok " << ms << " " << result.num_rows() << std::endl;
      } else if (verb == "analyze") {
        int threads = 0;
        command >> threads;
        setl::MemoryContext context;
        context.threads = threads;
        setl::MemoryContextScope scope(context);
        std::cout << (sql ? setl::tpch::sql_query_plan(query, sources)
                          : setl::tpch::query_plan(query, sources))
                         .explain_analyze()
                  << "end" << std::endl;
      } else if (verb == "queries") {
        std::cout << "queries";
        for (int number : setl::tpch::query_numbers()) {
          std::cout << ' ' << number;
        }
        std::cout << std::endl;
      } else if (verb == "sql") {
        std::cout << "sql " << setl::tpch::query_sql(query, setl::tpch::SqlDialect::kTypedDates)
                  << std::endl;
      } else if (verb == "result") {
        print_rows(sql ? setl::tpch::sql_query_plan(query, sources).collect()
                       : setl::tpch::run_query(query, sources));
      } else {
        std::cout << "error unknown command '" << verb << "'" << std::endl;
      }
    }
  } catch (const std::exception& error) {
    std::cout << "error " << error.what() << std::endl;
    std::cerr << "tpch_peer_runner: " << error.what() << '\n';
    return 1;
  }
  return 0;
}
