// Writes Parquet files with setlpp for an independent reader (hyparquet, see
// parquet_check.sh) plus expected.json: every row as display strings (null for NULL),
// timestamps as microseconds since the epoch.
//   parquet_oracle_files <dir>
#include <filesystem>
#include <fstream>
#include <iostream>

#include <fmt/format.h>

#include "oracle_rows.h"
#include "setl/engine/builder.h"
#include "setl/storage/parquet_connector.h"

namespace {

using setl::engine::ColumnBuilder;
using setl::engine::DataType;
using setl::engine::Table;

Table oracle_table(int64_t rows) {
  setl::oracle::NamedColumns columns = setl::oracle::common_columns(rows);
  ColumnBuilder t(DataType::timestamp("UTC"));
  for (int64_t r = 0; r < rows; ++r) {
    r % 7 == 3 ? t.append_null() : t.append_int(1'700'000'000'000'000 + r * 61'000);  // whole ms
  }
  columns.emplace_back("t", t.finish());
  return Table::from_columns(columns);
}

std::string json_string(const std::string& text) {
  std::string out = "\"";
  for (char c : text) {
    if (c == '"' || c == '\\') {
      out += '\\';
    }
    out += c;
  }
  return out + "\"";
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::cerr << "usage: parquet_oracle_files <dir>\n";
    return 2;
  }
  std::filesystem::path dir = argv[1];
  std::filesystem::create_directories(dir);
  Table table = oracle_table(3000);
  using setl::storage::ParquetCompression;
  struct Variant {
    const char* name;
    setl::storage::ParquetOptions options;
  };
  for (const Variant& variant :
       {Variant{"plain_v1", {.compression = ParquetCompression::kNone, .dictionary = false}},
        Variant{"snappy_v1_dictionary", {.compression = ParquetCompression::kSnappy}},
        Variant{"gzip_v2", {.compression = ParquetCompression::kGzip, .data_page_version = 2}},
        Variant{"zstd_v2_small_groups",
                {.compression = ParquetCompression::kZstd,
                .row_group_rows = 1000,
                .page_rows = 300,
                .data_page_version = 2}}}) {
    auto connector = setl::storage::make_connector<setl::storage::ParquetConnector>(
        dir / (std::string(variant.name) + ".parquet"), variant.options);
    connector->write(table, setl::storage::SaveMode::kOverwrite);
  }
  std::ofstream expected(dir / "expected.json");
  expected << "[\n";
  for (int64_t row = 0; row < table.num_rows(); ++row) {
    expected << (row ? ",\n" : "") << "{";
    for (size_t c = 0; c < table.num_columns(); ++c) {
      const std::string& name = table.schema()->field(c).name;
      setl::engine::Scalar value = table.at(row, name);
      std::string text = value.is_null() ? "null"
                         : name == "t"   ? json_string(std::to_string(value.as_int()))
                                         : json_string(value.to_display());
      expected << (c ? "," : "") << json_string(name) << ":" << text;
    }
    expected << "}";
  }
  expected << "\n]\n";
  return 0;
}
