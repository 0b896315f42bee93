// Writes Parquet files with setlpp for an independent reader (hyparquet, see
// parquet_check.sh) plus expected.json: every row as display strings (null for NULL),
// timestamps as microseconds since the epoch.
//   parquet_oracle_files <dir>
#include <filesystem>
#include <fstream>
#include <iostream>

#include <fmt/format.h>

#include "setl/engine/builder.h"
#include "setl/storage/parquet_connector.h"

namespace {

using setl::engine::ColumnBuilder;
using setl::engine::DataType;
using setl::engine::Table;

Table oracle_table(int64_t rows) {
  ColumnBuilder b(DataType::boolean()), i32(DataType::int32()), i64(DataType::int64()),
      f(DataType::float64()), s(DataType::string()), d(DataType::date32()),
      t(DataType::timestamp("UTC"));
  for (int64_t r = 0; r < rows; ++r) {
    bool null = r % 7 == 3;
    null ? b.append_null() : b.append_bool(r % 3 == 0);
    null ? i32.append_null() : i32.append_int(static_cast<int32_t>(r * 37 % 1000 - 500));
    // Beyond 2^53: a reader that went through doubles would show it.
    r % 11 == 5 ? i64.append_null() : i64.append_int(r * 1'000'000'007LL + (int64_t{1} << 60));
    null ? f.append_null() : f.append_double(static_cast<double>(r) / 8.0 - 3.25);
    r % 13 == 1 ? s.append_null()
                : s.append_string(r % 5 == 0 ? "" : "ünï \"" + std::to_string(r % 9) + "\"");
    null ? d.append_null() : d.append_int(static_cast<int32_t>(19000 + r - 40000));
    null ? t.append_null() : t.append_int(1'700'000'000'000'000 + r * 61'000);  // whole ms
  }
  return Table::from_columns({{"b", b.finish()},
                              {"i32", i32.finish()},
                              {"i64", i64.finish()},
                              {"f", f.finish()},
                              {"s", s.finish()},
                              {"d", d.finish()},
                              {"t", t.finish()}});
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
