// Arrow's own integration files (written by its reference implementation), read through
// read_arrow_ipc_file and read_arrow_ipc_stream and compared value by value with the
// integration JSON that comes with each. A case holding a type setlpp does not read must
// fail with an IoError naming it. The files live beside the repository (SETL_SHARED_TESTDATA);
// without them the cases are skipped.
#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <set>
#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include <zlib.h>

#include "setl/core/error.h"
#include "setl/engine/column.h"
#include "setl/engine/decimal.h"
#include "setl/storage/arrow_ipc.h"

namespace setl::storage {
namespace {

using ::testing::HasSubstr;
using Json = nlohmann::json;
using engine::Column;
using engine::TypeId;

const std::filesystem::path kGolden = std::filesystem::path(SETL_SHARED_TESTDATA) / "arrow-ipc";

Json expected_of(const std::string& name) {
  gzFile file = gzopen((kGolden / (name + ".json.gz")).c_str(), "rb");
  EXPECT_NE(file, nullptr);
  std::string text;
  char chunk[65536];
  int got = 0;
  while (file != nullptr && (got = gzread(file, chunk, sizeof(chunk))) > 0) {
    text.append(chunk, static_cast<size_t>(got));
  }
  if (file != nullptr) {
    gzclose(file);
  }
  return Json::parse(text);
}

bool valid_at(const Column& column, int64_t row) {
  if (column.type().id() == TypeId::kNull) {
    return false;
  }
  const engine::BufferPtr& bits = column.validity_buffer();
  int64_t at = column.offset() + row;
  return bits == nullptr || ((bits->data()[at / 8] >> (at % 8)) & 1) != 0;
}

std::string bytes_of_hex(const std::string& hex) {
  std::string out;
  for (size_t i = 0; i + 1 < hex.size(); i += 2) {
    out += static_cast<char>(std::stoi(hex.substr(i, 2), nullptr, 16));
  }
  return out;
}

engine::int128 int128_of(const std::string& text) {
  engine::int128 value = 0;
  bool negative = !text.empty() && text[0] == '-';
  for (size_t i = negative ? 1 : 0; i < text.size(); ++i) {
    value = value * 10 + (text[i] - '0');
  }
  return negative ? -value : value;
}

int64_t int64_of(const Json& value) {
  return value.is_string() ? std::stoll(value.get<std::string>()) : value.get<int64_t>();
}

int64_t floor_div(int64_t a, int64_t b) {
  return a / b - (a % b < 0 ? 1 : 0);
}

// Checks one value of `column` (row `row`) against the JSON `data` of an Arrow `type`.
void expect_value(const Column& column, int64_t row, const Json& type, const Json& data,
                  const std::string& where) {
  SCOPED_TRACE(where + " row " + std::to_string(row));
  const std::string kind = type["name"];
  int64_t at = column.offset() + row;
  switch (column.type().id()) {
    case TypeId::kBool:
      EXPECT_EQ(((column.values_buffer()->data()[at / 8] >> (at % 8)) & 1) != 0, data.get<bool>());
      return;
    case TypeId::kInt32:
      EXPECT_EQ(column.values_buffer()->data_as<int32_t>()[at], int64_of(data));
      return;
    case TypeId::kInt64:
      EXPECT_EQ(column.values_buffer()->data_as<int64_t>()[at], int64_of(data));
      return;
    case TypeId::kFloat64: {
      double got = column.values_buffer()->data_as<double>()[at];
      double want = data.get<double>();
      if (type.value("precision", "") == "SINGLE") {
        want = static_cast<double>(static_cast<float>(want));
      }
      EXPECT_NEAR(got, want, 1e-6 * std::max(1.0, std::abs(want)));
      return;
    }
    case TypeId::kString: {
      const int32_t* offsets = column.values_buffer()->data_as<int32_t>();
      std::string got(reinterpret_cast<const char*>(column.chars_buffer()->data()) + offsets[at],
                      static_cast<size_t>(offsets[at + 1] - offsets[at]));
      std::string want = data.get<std::string>();
      EXPECT_EQ(got, kind == "utf8" || kind == "largeutf8" ? want : bytes_of_hex(want));
      return;
    }
    case TypeId::kDecimal:
      EXPECT_TRUE(column.values_buffer()->data_as<engine::int128>()[at] ==
                  int128_of(data.is_string() ? data.get<std::string>() : data.dump()));
      return;
    case TypeId::kDate32: {
      int64_t want = type.value("unit", "DAY") == "DAY" ? int64_of(data)
                                                        : floor_div(int64_of(data), 86'400'000);
      EXPECT_EQ(column.values_buffer()->data_as<int32_t>()[at], want);
      return;
    }
    case TypeId::kTimestamp: {
      const std::string unit = type["unit"];
      int64_t value = int64_of(data);
      int64_t want = unit == "SECOND"        ? value * 1'000'000
                     : unit == "MILLISECOND" ? value * 1'000
                     : unit == "NANOSECOND"  ? floor_div(value, 1'000)
                                             : value;
      EXPECT_EQ(column.values_buffer()->data_as<int64_t>()[at], want);
      return;
    }
    default:
      ADD_FAILURE() << "unexpected column type " << column.type().to_string();
  }
}

// The rows of every batch of `read` equal the JSON's for the columns read: values, and
// NULL where VALIDITY is 0.
void expect_equal(const ArrowIpcData& read, const Json& expected, const std::string& name) {
  const Json& all_fields = expected["schema"]["fields"];
  std::vector<size_t> json_index;  // of each column read
  for (const engine::Field& column : read.table.schema()->fields()) {
    auto found = std::find_if(all_fields.begin(), all_fields.end(),
                              [&](const Json& field) { return field["name"] == column.name; });
    ASSERT_NE(found, all_fields.end()) << column.name;
    json_index.push_back(static_cast<size_t>(found - all_fields.begin()));
  }
  std::map<int64_t, const Json*> dictionaries;
  if (expected.contains("dictionaries")) {
    for (const Json& dictionary : expected["dictionaries"]) {
      dictionaries[dictionary["id"].get<int64_t>()] = &dictionary["data"]["columns"][0];
    }
  }
  // A table keeps no empty batches.
  std::vector<Json> batches;
  for (const Json& batch : expected["batches"]) {
    if (batch["count"].get<int64_t>() > 0) {
      batches.push_back(batch);
    }
  }
  ASSERT_EQ(read.table.batches().size(), batches.size());
  ASSERT_EQ(read.table.num_rows(), [&] {
    int64_t rows = 0;
    for (const Json& batch : batches)
      rows += batch["count"].get<int64_t>();
    return rows;
  }());
  for (size_t b = 0; b < batches.size(); ++b) {
    const engine::RecordBatch& batch = read.table.batches()[b];
    ASSERT_EQ(batch.num_rows(), batches[b]["count"].get<int64_t>());
    for (size_t c = 0; c < json_index.size(); ++c) {
      const Json& field = all_fields[json_index[c]];
      const Json& column = batches[b]["columns"][json_index[c]];
      const Column& got = *batch.column(c);
      std::string where =
          name + " batch " + std::to_string(b) + " column " + field["name"].get<std::string>();
      for (int64_t row = 0; row < batch.num_rows(); ++row) {
        const Json& validity = column.value("VALIDITY", Json::array());
        bool valid = field["type"]["name"] != "null" &&
                     validity.size() > static_cast<size_t>(row) && validity[row].get<int>() == 1;
        const Json* data = valid ? &column["DATA"][row] : nullptr;
        if (valid && field.contains("dictionary")) {
          const Json& values = *dictionaries.at(field["dictionary"]["id"].get<int64_t>());
          int64_t index = int64_of(*data);
          valid = values["VALIDITY"][index].get<int>() == 1;
          data = &values["DATA"][index];
        }
        ASSERT_EQ(valid_at(got, row), valid) << where << " row " << row;
        if (valid) {
          expect_value(got, row, field["type"], *data, where);
        }
      }
    }
  }
}

class ArrowIpcGolden : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    if (!std::filesystem::exists(kGolden)) {
      GTEST_SKIP() << "no Arrow integration files at " << kGolden;
    }
  }
};

TEST_P(ArrowIpcGolden, FileAndStreamReadAsTheJsonSays) {
  const std::string name = "generated_" + GetParam();
  Json expected = expected_of(name);
  ArrowIpcData from_file = read_arrow_ipc_file(kGolden / (name + ".arrow_file"));
  expect_equal(from_file, expected, name + ".arrow_file");
  std::ifstream stream(kGolden / (name + ".stream"), std::ios::binary);
  ArrowIpcData from_stream = read_arrow_ipc_stream(stream, name + ".stream");
  expect_equal(from_stream, expected, name + ".stream");
}

INSTANTIATE_TEST_SUITE_P(Readable, ArrowIpcGolden,
                         ::testing::Values("primitive", "primitive_no_batches",
                                           "primitive_zerolength", "primitive_large_offsets",
                                           "decimal", "dictionary", "null", "null_trivial"));

class ArrowIpcGoldenRefused : public ArrowIpcGolden {};

// Each holds a type the engine has no column for: the error names the column and type.
TEST_P(ArrowIpcGoldenRefused, FileAndStreamFailNamingTheType) {
  const auto [name, type] = std::pair{"generated_" + GetParam(), std::string()};
  for (const std::string suffix : {".arrow_file", ".stream"}) {
    std::ifstream stream(kGolden / (name + suffix), std::ios::binary);
    try {
      if (suffix == ".stream") {
        static_cast<void>(read_arrow_ipc_stream(stream, name));
      } else {
        static_cast<void>(read_arrow_ipc_file(kGolden / (name + suffix)));
      }
      ADD_FAILURE() << name << suffix << " was read";
    } catch (const IoError& error) {
      EXPECT_THAT(error.what(), HasSubstr("which setlpp does not read")) << name << suffix;
      EXPECT_THAT(error.what(), HasSubstr("column \"")) << name << suffix;
    }
  }
}

// The columns of a type setlpp reads, by their JSON type.
std::vector<std::string> readable_columns(const Json& expected) {
  static const std::set<std::string> kReadable = {"null",          "bool",      "int",
                                                  "floatingpoint", "binary",    "utf8",
                                                  "largebinary",   "largeutf8", "fixedsizebinary",
                                                  "date",          "timestamp"};
  std::vector<std::string> out;
  for (const Json& field : expected["schema"]["fields"]) {
    std::string type = field["type"]["name"];
    bool decimal128 = type == "decimal" && field["type"].value("bitWidth", 128) == 128;
    if (kReadable.count(type) > 0 || decimal128) {
      out.push_back(field["name"]);
    }
  }
  return out;
}

// Asked only for the columns it can read, the reader steps over the others (lists,
// structs, maps, unions, time, intervals) and reads the rest as the JSON says.
TEST_P(ArrowIpcGoldenRefused, TheReadableColumnsAloneRead) {
  const std::string name = "generated_" + GetParam();
  Json expected = expected_of(name);
  std::vector<std::string> columns = readable_columns(expected);
  // The schema from the footer lists exactly the columns setlpp reads.
  EXPECT_EQ(arrow_ipc_file_schema(kGolden / (name + ".arrow_file"))->names(), columns);
  if (columns.empty()) {
    return;  // every column is of a type setlpp does not read
  }
  ArrowIpcData read = read_arrow_ipc_file(kGolden / (name + ".arrow_file"), columns);
  EXPECT_EQ(read.table.schema()->names(), columns);
  expect_equal(read, expected, name + ".arrow_file");
}

TEST_F(ArrowIpcGolden, CustomMetadataIsKept) {
  Json expected = expected_of("generated_custom_metadata");
  std::vector<std::string> columns = readable_columns(expected);
  ArrowIpcData read =
      read_arrow_ipc_file(kGolden / "generated_custom_metadata.arrow_file", columns);
  for (const Json& pair : expected["schema"].value("metadata", Json::array())) {
    EXPECT_EQ(read.metadata.at(pair["key"]), pair["value"]);
  }
  ASSERT_EQ(read.column_metadata.size(), columns.size());
  size_t c = 0;
  for (const Json& field : expected["schema"]["fields"]) {
    if (c < columns.size() && field["name"] == columns[c]) {
      std::map<std::string, std::string> want;
      for (const Json& pair : field.value("metadata", Json::array())) {
        want[pair["key"]] = pair["value"];
      }
      EXPECT_EQ(read.column_metadata[c++], want) << field["name"];
    }
  }
  EXPECT_EQ(c, columns.size());
}

INSTANTIATE_TEST_SUITE_P(Unsupported, ArrowIpcGoldenRefused,
                         ::testing::Values("datetime", "interval", "nested", "custom_metadata"));

}  // namespace
}  // namespace setl::storage
