// Writes an Arrow IPC file and stream with setlpp for an independent reader (apache-arrow
// from npm, see arrow_ipc_check.sh), plus expected.json: for each column its name, the
// Arrow type it must have and every row in a canonical text (null for NULL): integers and
// dates (days) and timestamps (microseconds) and decimals (unscaled) as integers, doubles
// in their shortest form, booleans as true/false.
//   arrow_ipc_oracle_files <dir> [rows]   (rows: 300; fewer make small fuzzing seeds)
#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "canonical_cell.h"
#include "oracle_rows.h"
#include "setl/engine/builder.h"
#include "setl/engine/column.h"
#include "setl/engine/decimal.h"
#include "setl/storage/arrow_ipc.h"

namespace {

using setl::engine::Column;
using setl::engine::ColumnBuilder;
using setl::engine::DataType;
using setl::engine::Table;
using setl::engine::TypeId;

Table oracle_table(int64_t rows) {
  setl::oracle::NamedColumns columns = setl::oracle::common_columns(rows);
  ColumnBuilder t(DataType::timestamp("UTC")), n(DataType::timestamp()),
      m(DataType::decimal(18, 2));
  for (int64_t r = 0; r < rows; ++r) {
    bool null = r % 7 == 3;
    null ? t.append_null() : t.append_int(1'700'000'000'000'000 + r * 61'000'001);
    r % 4 == 0 ? n.append_null() : n.append_int(-r * 86'400'000'000);
    null ? m.append_null() : m.append_decimal(setl::engine::int128{r * 12345 - 600000});
  }
  setl::engine::ColumnPtr s_dict = columns[4].second;  // s again, written as a dictionary
  columns.emplace_back("t", t.finish());
  columns.emplace_back("naive", n.finish());
  columns.emplace_back("m", m.finish());
  columns.emplace_back("nothing", Column::nulls(DataType::null(), rows));
  columns.emplace_back("s_dict", s_dict);
  return Table::from_columns(columns);
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2 && argc != 3) {
    std::cerr << "usage: arrow_ipc_oracle_files <dir> [rows]\n";
    return 2;
  }
  int64_t row_count = argc == 3 ? std::max(3, std::atoi(argv[2])) : 300;
  std::filesystem::path dir = argv[1];
  std::filesystem::create_directories(dir);
  // Two batches, the second starting mid-way through the first's buffers (a slice).
  Table whole = oracle_table(row_count);
  int64_t first = row_count * 2 / 3;
  Table table(whole.schema(), {whole.slice(0, first).batches()[0],
                               whole.slice(first, row_count - first).batches()[0]});
  // s_dict's batches get dictionaries of their own: the stream replaces the first with the
  // second, the file holds their union.
  setl::storage::ArrowIpcWriteOptions options{.metadata = {{"origin", "setlpp"}},
                                              .column_metadata = {{"m", {{"unit", "EUR"}}}},
                                              .dictionary_columns = {"s_dict"}};
  setl::storage::write_arrow_ipc_file(table, dir / "oracle.arrow", options);
  std::ofstream stream(dir / "oracle.stream", std::ios::binary);
  setl::storage::write_arrow_ipc_stream(table, stream, options);
  stream.close();
  const char* arrow_types[] = {"Bool",
                               "Int32",
                               "Int64",
                               "Float64",
                               "Utf8",
                               "Date32<DAY>",
                               "Timestamp<MICROSECOND, UTC>",
                               "Timestamp<MICROSECOND>",
                               "Decimal[18e+2]",
                               "Null",
                               "Dictionary<Int32, Utf8>"};
  nlohmann::json expected = nlohmann::json::array();
  setl::engine::RecordBatch rows = table.combine();
  for (size_t c = 0; c < rows.num_columns(); ++c) {
    nlohmann::json values = nlohmann::json::array();
    for (int64_t r = 0; r < rows.num_rows(); ++r) {
      values.push_back(setl::oracle::canonical_cell(*rows.column(c), r));
    }
    expected.push_back(
        {{"name", table.schema()->field(c).name}, {"type", arrow_types[c]}, {"values", values}});
  }
  std::ofstream(dir / "expected.json") << expected.dump() << "\n";
  std::cout << "wrote " << table.num_rows() << " rows as an Arrow IPC file and stream\n";
  return 0;
}
