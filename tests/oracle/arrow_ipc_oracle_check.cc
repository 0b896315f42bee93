// Reads the Arrow IPC file and stream apache-arrow wrote (arrow_ipc_write.mjs) with setlpp
// and compares every column's engine type and every value with js_expected.json; also
// reads the file's columns in reverse order, which steps over the others.
//   arrow_ipc_oracle_check <dir>
#include <fstream>
#include <iostream>

#include <nlohmann/json.hpp>

#include "canonical_cell.h"
#include "setl/core/error.h"
#include "setl/storage/arrow_ipc.h"

namespace {

// The mismatches between `table` and `expected` (every expected column, by name).
int compare(const std::string& what, const setl::engine::Table& table,
            const nlohmann::json& expected) {
  int mismatches = 0;
  auto fail = [&](const std::string& message) {
    if (++mismatches <= 20) {
      std::cerr << "arrow_ipc_oracle_check: " << what << ": " << message << "\n";
    }
  };
  setl::engine::RecordBatch rows = table.combine();
  for (const nlohmann::json& column : expected) {
    std::string name = column["name"];
    std::optional<size_t> index = table.schema()->find(name);
    if (!index) {
      fail("no column " + name);
      continue;
    }
    std::string type = table.schema()->field(*index).type.to_string();
    if (type != column["type"]) {
      fail("column " + name + " is " + type + ", not " + column["type"].get<std::string>());
    }
    const nlohmann::json& values = column["values"];
    if (rows.num_rows() != static_cast<int64_t>(values.size())) {
      fail(std::to_string(rows.num_rows()) + " rows, not " + std::to_string(values.size()));
      return mismatches;
    }
    for (size_t r = 0; r < values.size(); ++r) {
      nlohmann::json got =
          setl::oracle::canonical_cell(*rows.column(*index), static_cast<int64_t>(r));
      if (got != values[r]) {
        fail(name + "[" + std::to_string(r) + "] is " + got.dump() + ", not " + values[r].dump());
      }
    }
  }
  return mismatches;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::cerr << "usage: arrow_ipc_oracle_check <dir>\n";
    return 2;
  }
  std::string dir = argv[1];
  nlohmann::json expected = nlohmann::json::parse(std::ifstream(dir + "/js_expected.json"));
  try {
    int mismatches =
        compare("file", setl::storage::read_arrow_ipc_file(dir + "/js.arrow").table, expected);
    std::ifstream stream(dir + "/js.stream", std::ios::binary);
    mismatches += compare("stream", setl::storage::read_arrow_ipc_stream(stream).table, expected);
    std::vector<std::string> reversed;
    for (auto column = expected.rbegin(); column != expected.rend(); ++column) {
      reversed.push_back((*column)["name"]);
    }
    setl::engine::Table projected =
        setl::storage::read_arrow_ipc_file(dir + "/js.arrow", reversed).table;
    if (projected.schema()->names() != reversed) {
      std::cerr << "arrow_ipc_oracle_check: the projected read has other columns\n";
      ++mismatches;
    }
    mismatches += compare("file, columns reversed", projected, expected);
    if (mismatches > 0) {
      std::cerr << "arrow_ipc_oracle_check: " << mismatches << " mismatches\n";
      return 1;
    }
  } catch (const setl::Error& error) {
    std::cerr << "arrow_ipc_oracle_check: " << error.what() << "\n";
    return 1;
  }
  std::cout << "arrow_ipc_oracle_check: setlpp read " << expected.size()
            << " columns apache-arrow wrote (file, stream, projected), all equal\n";
  return 0;
}
