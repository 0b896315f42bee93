// setl-datagen: writes generated data sets.
//
//   setl-datagen tpch --sf 0.1 --out DIR [--seed N]
#include <chrono>
#include <iostream>

#include <CLI/CLI.hpp>

#include "setl/core/error.h"
#include "setl/tpch/data.h"

int main(int argc, char** argv) {
  CLI::App app{"setl-datagen: generate data sets for tests and benchmarks"};
  app.require_subcommand(1);
  CLI::App* tpch = app.add_subcommand("tpch", "TPC-H-shaped tables as DIR/<table>.tbl");
  double scale_factor = 0.01;
  uint64_t seed = 1;
  std::string out;
  tpch->add_option("--sf", scale_factor, "scale factor (1 = about 1 GB of text)")
      ->check(CLI::Range(0.0001, 100.0));
  tpch->add_option("--seed", seed, "random seed; the same seed gives the same data");
  tpch->add_option("--out", out, "output directory")->required();
  CLI11_PARSE(app, argc, argv);

  try {
    auto start = std::chrono::steady_clock::now();
    setl::tpch::Tables tables = setl::tpch::generate({.scale_factor = scale_factor, .seed = seed});
    setl::tpch::write_tbl(tables, out);
    double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    std::cout << "wrote TPC-H SF " << scale_factor << " (" << tables.lineitem.num_rows()
              << " lineitem rows) to " << out << " in " << seconds << " s\n";
    return 0;
  } catch (const setl::Error& error) {
    std::cerr << "error: " << error.what() << "\n";
    return 1;
  }
}
