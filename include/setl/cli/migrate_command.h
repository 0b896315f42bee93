// `setl migrate`: pandas and PySpark code to a setlpp pipeline (docs/MIGRATE.md).
//
//   setl migrate analyze etl/orders.py [--json]
//   setl migrate generate etl/orders.py -o migrated
//   setl migrate validate etl/orders.py -o migrated --samples etl/samples [--expected DIR]
#pragma once

#include <iosfwd>
#include <string>
#include <vector>

namespace setl::cli {

/// Runs a migrate subcommand; returns the exit code (0 ok, 1 findings that fail the
/// command, such as a failed validation, 2 usage errors).
int migrate_command(const std::vector<std::string>& args, std::ostream& out, std::ostream& err);

}  // namespace setl::cli
