// Reads the Parquet files DuckDB wrote (duckdb_parquet_write.mjs) with setlpp and compares
// every cell with DuckDB's own reading of them (<name>.json, canonical text). Prints the
// first mismatches per file; exits 1 on any mismatch or read error.
//   duckdb_parquet_read <dir>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <optional>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "setl/core/error.h"
#include "setl/engine/scalar.h"
#include "setl/storage/parquet_connector.h"

namespace {

using setl::engine::Scalar;
using setl::engine::Table;
using setl::engine::TypeId;

// The same canonical text the JavaScript side asks DuckDB for.
std::optional<std::string> canonical(const Scalar& value) {
  if (value.is_null()) {
    return std::nullopt;
  }
  switch (value.type().id()) {
    case TypeId::kBool:
      return value.as_bool() ? "true" : "false";
    case TypeId::kFloat64:
      return fmt::format("{:.17g}", value.as_double());
    case TypeId::kString:
      return value.as_string();
    case TypeId::kDecimal:
      return value.to_display();  // every digit, as DuckDB's VARCHAR of a DECIMAL
    default:
      return std::to_string(value.as_int());  // integers, days, microseconds
  }
}

// Returns the number of mismatching cells (a read error counts as one).
int64_t check(const std::filesystem::path& parquet, const nlohmann::json& expected) {
  Table table;
  try {
    table = setl::storage::make_connector<setl::storage::ParquetConnector>(parquet)->read();
  } catch (const setl::Error& error) {
    std::cout << parquet.filename().string() << ": " << error.what() << "\n";
    return 1;
  }
  const auto& rows = expected.at("rows");
  const auto& columns = expected.at("columns");
  if (table.num_rows() != static_cast<int64_t>(rows.size())) {
    std::cout << fmt::format("{}: {} rows, DuckDB reads {}\n", parquet.filename().string(),
                             table.num_rows(), rows.size());
    return 1;
  }
  int64_t mismatches = 0;
  for (size_t c = 0; c < columns.size(); ++c) {
    std::string name = columns[c].get<std::string>();
    setl::engine::ColumnPtr column = table.column(name);
    for (size_t r = 0; r < rows.size(); ++r) {
      std::optional<std::string> got = canonical(column->scalar(static_cast<int64_t>(r)));
      const nlohmann::json& cell = rows[r][c];
      std::optional<std::string> want =
          cell.is_null() ? std::nullopt : std::optional<std::string>(cell.get<std::string>());
      if (got != want && mismatches++ < 5) {
        std::cout << fmt::format("{}: row {} column {}: setlpp reads {}, DuckDB {}\n",
                                 parquet.filename().string(), r, name, got.value_or("NULL"),
                                 want.value_or("NULL"));
      }
    }
  }
  return mismatches;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::cerr << "usage: duckdb_parquet_read <dir>\n";
    return 2;
  }
  int files = 0;
  int64_t failures = 0;
  for (const auto& entry : std::filesystem::directory_iterator(argv[1])) {
    if (entry.path().extension() != ".parquet") {
      continue;
    }
    std::filesystem::path json_path = entry.path();
    json_path.replace_extension(".json");
    std::ifstream json_file(json_path);
    failures += check(entry.path(), nlohmann::json::parse(json_file));
    ++files;
  }
  if (files == 0) {
    std::cout << "no Parquet files in " << argv[1] << "\n";
    return 1;
  }
  std::cout << fmt::format("{} DuckDB files read, {} mismatching cells\n", files, failures);
  return failures == 0 ? 0 : 1;
}
