// Names and numbers from outside (a log's file names, a schema's precision, a query's type)
// that once made a standard call throw something other than a setl::Error, which ends the
// program instead of reaching the caller's handler. The fuzzer found the first: a Delta
// log naming a data file whose name is longer than the file system allows.
#include <string>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "setl/core/error.h"
#include "setl/core/file_status.h"
#include "setl/core/parse_number.h"
#include "setl/engine/table.h"
#include "setl/sql/session.h"
#include "setl/storage/delta_connector.h"
#include "setl/storage/partitioned_connector.h"
#include "testing/columns.h"
#include "testing/temp_dir.h"

namespace setl {
namespace {

using ::testing::HasSubstr;
using testing::message_of;

const std::string kTooLongName(300, 'a');  // the limit for one name is 255 bytes

std::string delta_commit(const std::string& schema_type, const std::string& add_path) {
  std::string schema = R"({\"type\":\"struct\",\"fields\":[{\"name\":\"x\",\"type\":\")" +
                       schema_type + R"(\",\"nullable\":true,\"metadata\":{}}]})";
  std::string text = R"({"protocol":{"minReaderVersion":1,"minWriterVersion":2}})"
                     "\n"
                     R"({"metaData":{"id":"t","format":{"provider":"parquet","options":{}},)"
                     R"("schemaString":")" +
                     schema + R"(","partitionColumns":[],"configuration":{}}})" + "\n";
  if (!add_path.empty()) {
    text += R"({"add":{"path":")" + add_path +
            R"(","partitionValues":{},"size":1,"modificationTime":1,"dataChange":true}})"
            "\n";
  }
  return text;
}

std::shared_ptr<storage::DeltaConnector> delta_table(const testing::TempDir& dir,
                                                     const std::string& commit) {
  dir.write("table/_delta_log/00000000000000000000.json", commit);
  return storage::make_connector<storage::DeltaConnector>(dir.path() / "table");
}

TEST(HostileNames, ADeltaDataFileNameTooLongIsAnIoError) {
  testing::TempDir dir;
  auto table = delta_table(dir, delta_commit("long", kTooLongName + ".parquet"));
  EXPECT_THAT(message_of<IoError>([&] { return table->read(); }), HasSubstr("File name too long"));
}

TEST(HostileNames, ADeltaLogVersionPastInt64IsAnIoError) {
  testing::TempDir dir;
  auto table = delta_table(dir, delta_commit("long", ""));
  dir.write("table/_delta_log/99999999999999999999.json", "{}\n");
  EXPECT_THAT(message_of<IoError>([&] { return table->read(); }),
              HasSubstr("99999999999999999999.json, whose version is past"));
}

TEST(HostileNames, ADeltaDecimalPrecisionPastIntIsASchemaError) {
  testing::TempDir dir;
  auto table = delta_table(dir, delta_commit("decimal(99999999999,2)", ""));
  EXPECT_THAT(message_of<SchemaError>([&] { return table->read(); }),
              HasSubstr("invalid type decimal(99999999999,2)"));
}

TEST(HostileNames, ASqlDecimalPrecisionPastIntIsAnError) {
  sql::Session session;
  session.register_table("t", engine::Table::from_columns({{"x", testing::int64s({1})}}));
  EXPECT_THAT(message_of<Error>([&] {
                return session.sql("SELECT CAST(x AS DECIMAL(99999999999, 2)) FROM t").collect();
              }),
              HasSubstr("unknown type"));
}

TEST(HostileNames, APartitionedDatasetNamedTooLongIsAnIoError) {
  testing::TempDir dir;
  auto dataset = storage::make_connector<storage::PartitionedConnector>(
      dir.path() / kTooLongName, storage::PartitionFormat::kCsv);
  EXPECT_THAT(message_of<IoError>([&] { return dataset->read(); }),
              HasSubstr("File name too long"));
}

TEST(HostileNames, FileStatusTellsMissingFromUnknowable) {
  testing::TempDir dir;
  std::filesystem::path file = dir.write("file.txt", "12345");
  EXPECT_TRUE(path_exists(file));
  EXPECT_FALSE(path_exists(dir.path() / "missing"));
  EXPECT_FALSE(path_exists(file / "below_a_file"));  // "not a directory" is "not there"
  EXPECT_FALSE(is_directory_path(file));
  EXPECT_TRUE(is_directory_path(dir.path()));
  EXPECT_EQ(regular_file_size(file), 5u);
  EXPECT_THAT(message_of<IoError>([&] { return regular_file_size(dir.path()); }),
              HasSubstr("is not a regular file"));
  EXPECT_THAT(message_of<IoError>([&] { return path_exists(dir.path() / kTooLongName); }),
              HasSubstr("cannot look at"));
  EXPECT_THAT(message_of<IoError>([&] { return directory_entries(dir.path() / "missing"); }),
              HasSubstr("cannot list"));
  dir.write("below/deeper/leaf.txt", "x");
  EXPECT_EQ(directory_entries(dir.path() / "below", true).size(), 2u);  // deeper/, leaf.txt
}

TEST(HostileNames, ParseNumberReadsTheWholeTextOrNothing) {
  EXPECT_EQ(parse_number<int>("42"), 42);
  EXPECT_EQ(parse_number<int>("-7"), -7);
  EXPECT_EQ(parse_number<int>("99999999999"), std::nullopt);  // does not fit
  EXPECT_EQ(parse_number<int>("12x"), std::nullopt);
  EXPECT_EQ(parse_number<int>(""), std::nullopt);
  EXPECT_EQ(parse_number<int>(" 1"), std::nullopt);
  EXPECT_EQ(parse_number<unsigned>("-1"), std::nullopt);
  EXPECT_EQ(parse_number<unsigned>("ff", 16), 255u);
  EXPECT_EQ(parse_number<int64_t>("99999999999999999999"), std::nullopt);
  EXPECT_EQ(parse_number<double>("2.5"), 2.5);
  EXPECT_EQ(parse_number<double>("1e999"), std::nullopt);  // out of range
}

}  // namespace
}  // namespace setl
