// TPC-H on the ranks of an MPI job: rank 0 writes the eight tables as Parquet (row groups
// of 250,000 rows, so that each rank reads its share of them), then every query runs on
// all ranks, twice (the second is timed). Per query, rank 0 prints one line: wall time,
// bytes sent between ranks (all ranks together), and the time split as rank 0 saw it:
// exchange (time inside collectives, waiting for the slowest rank included), local (the
// rest: scans and operators) and, within local, the scans' own time from explain_analyze
// (the reading thread's; operators run beside it on the other threads).
//
//   mpirun -np 2 bench/distributed_tpch --sf 1 --dir /path/to/scratch [--queries 1,3,5]
//                                       [--threads 1]   (engine threads per rank)
//
// bench/distributed_tpch.sh runs it with 1 and 2 ranks and prints the cost model.
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <regex>
#include <sstream>
#include <string>
#include <vector>

#include "setl/dist/mpi.h"
#include "setl/engine/execution.h"
#include "setl/engine/lazy_frame.h"
#include "setl/storage/parquet_connector.h"
#include "setl/tpch/data.h"
#include "setl/tpch/queries.h"

namespace fs = std::filesystem;

namespace {

struct Arguments {
  double scale = 1;
  fs::path dir = "distributed-tpch-data";
  std::vector<int> queries;
  int threads = 0;
  bool explain = false;
};

Arguments parse(int argc, char** argv) {
  Arguments args;
  for (int i = 1; i < argc; i += 2) {
    std::string flag = argv[i];
    if (flag == "--explain") {  // prints each plan as analyzed on rank 0
      args.explain = true;
      --i;
      continue;
    }
    if (i + 1 == argc) {
      break;
    }
    std::string value = argv[i + 1];
    if (flag == "--sf") {
      args.scale = std::stod(value);
    } else if (flag == "--dir") {
      args.dir = value;
    } else if (flag == "--threads") {
      args.threads = std::stoi(value);
    } else if (flag == "--queries") {
      std::stringstream list(value);
      for (std::string item; std::getline(list, item, ',');) {
        args.queries.push_back(std::stoi(item));
      }
    }
  }
  if (args.queries.empty()) {
    args.queries = setl::tpch::query_numbers();
  }
  return args;
}

const char* const kTables[] = {"region", "nation",   "supplier", "customer",
                               "part",   "partsupp", "orders",   "lineitem"};

void write_tables(double scale, const fs::path& dir) {
  fs::path done = dir / ("sf-" + std::to_string(scale) + ".done");
  if (fs::exists(done)) {
    return;
  }
  fs::create_directories(dir);
  setl::tpch::Tables tables = setl::tpch::generate({.scale_factor = scale, .seed = 1});
  const setl::engine::Table* all[] = {&tables.region,   &tables.nation,  &tables.supplier,
                                      &tables.customer, &tables.part,    &tables.partsupp,
                                      &tables.orders,   &tables.lineitem};
  for (size_t t = 0; t < 8; ++t) {
    setl::storage::make_connector<setl::storage::ParquetConnector>(
        dir / (std::string(kTables[t]) + ".parquet"),
        setl::storage::ParquetOptions{.row_group_rows = 250'000})
        ->write(*all[t], setl::storage::SaveMode::kOverwrite);
  }
  std::fclose(std::fopen(done.c_str(), "w"));
}

setl::tpch::Sources sources(const fs::path& dir) {
  auto scan = [&](const char* name) {
    return setl::storage::make_connector<setl::storage::ParquetConnector>(
               dir / (std::string(name) + ".parquet"))
        ->lazy();
  };
  return {scan("region"), scan("nation"),   scan("supplier"), scan("customer"),
          scan("part"),   scan("partsupp"), scan("orders"),   scan("lineitem")};
}

// The scans' own time in an explain_analyze text, in milliseconds.
double scan_ms(const std::string& analyzed) {
  static const std::regex scan_line(R"(Scan [^\n]*time=([0-9.]+) ms)");
  double total = 0;
  for (auto it = std::sregex_iterator(analyzed.begin(), analyzed.end(), scan_line);
       it != std::sregex_iterator(); ++it) {
    total += std::stod((*it)[1]);
  }
  return total;
}

}  // namespace

int main(int argc, char** argv) {
  setl::dist::MpiRuntime& mpi = setl::dist::MpiRuntime::start(&argc, &argv);
  Arguments args = parse(argc, argv);
  if (args.threads > 0) {
    setl::engine::set_num_threads(args.threads);
  }
  setl::Communicator& world = mpi.world();
  if (mpi.rank() == 0) {
    write_tables(args.scale, args.dir);
  }
  world.barrier();
  mpi.distribute_queries();
  setl::tpch::Sources tables = sources(args.dir);
  if (mpi.rank() == 0) {
    std::printf(
        "ranks threads query   rows      ms  exchanged_MB  exchange_ms  local_ms  scan_ms\n");
  }
  for (int query : args.queries) {
    setl::engine::LazyFrame plan = setl::tpch::query_plan(query, tables);
    (void)plan.collect();  // warm: page cache, allocator
    world.barrier();
    int64_t sent_before = world.counters().bytes_sent;
    int64_t wait_before = world.counters().nanoseconds;
    auto start = std::chrono::steady_clock::now();
    std::string analyzed = plan.explain_analyze();
    double ms =
        std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
    double exchange_ms = static_cast<double>(world.counters().nanoseconds - wait_before) / 1e6;
    int64_t sent = world.counters().bytes_sent - sent_before;
    std::vector<std::string> all_sent = world.all_gather(std::to_string(sent));
    int64_t total_sent = 0;
    for (const std::string& bytes : all_sent) {
      total_sent += std::stoll(bytes);
    }
    static const std::regex rows_line(R"(\n([0-9]+) rows in )");
    std::smatch rows;
    std::regex_search(analyzed, rows, rows_line);
    if (mpi.rank() == 0) {
      double scans = scan_ms(analyzed);
      std::printf("%5d %7d   Q%-3d %6s %7.1f  %12.2f  %11.1f  %8.1f  %7.1f\n", mpi.size(),
                  args.threads, query, rows.size() > 1 ? rows[1].str().c_str() : "?", ms,
                  static_cast<double>(total_sent) / 1e6, exchange_ms, ms - exchange_ms, scans);
      if (args.explain) {
        std::printf("%s\n", analyzed.c_str());
      }
      std::fflush(stdout);
    }
  }
  return 0;
}
