// SETL_ANNOTATE through repositories and connectors: every connector stores the annotated
// form (renamed columns, compound keys, compressed text) and reads the struct back;
// conditions, updates and deletes name fields.
#include <algorithm>
#include <functional>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "setl/storage/csv_connector.h"
#include "setl/storage/json_lines_connector.h"
#include "setl/storage/parquet_connector.h"
#include "setl/storage/partitioned_connector.h"
#include "setl/storage/repository.h"
#include "setl/storage/sqlite_connector.h"
#include "testing/temp_dir.h"

namespace crm {
struct Customer {
  std::string name;
  std::string country;
  std::string city;
  int64_t orders = 0;
  std::optional<std::string> notes;
};
}  // namespace crm
SETL_SCHEMA(crm::Customer, name, country, city, orders, notes)
SETL_ANNOTATE(crm::Customer, setl::engine::column_name("name", "customer_name"),
              setl::engine::compound_key("country", "id", 1),
              setl::engine::compound_key("name", "id", 2), setl::engine::compress("notes"))

namespace setl::storage {
namespace {

using crm::Customer;
using engine::Dataset;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using testing::message_of;

using Factory = std::function<std::shared_ptr<Connector>(const std::filesystem::path& dir)>;

struct Target {
  const char* name;
  Factory make;
};

std::vector<Customer> customers() {
  return {{"ada", "UK", "London", 3, "prefers email"},
          {"bob", "FR", "Paris", 1, std::nullopt},
          {"eve", "FR", "Lyon", 7, std::string(5000, 'x')}};
}

// Rows as "name@city:orders[:notes length]", sorted.
std::vector<std::string> rows(const Dataset<Customer>& data) {
  std::vector<std::string> out;
  for (const Customer& c : data) {
    out.push_back(c.name + "@" + c.city + ":" + std::to_string(c.orders) +
                  (c.notes ? ":" + std::to_string(c.notes->size()) : ""));
  }
  std::sort(out.begin(), out.end());
  return out;
}

class AnnotatedRepository : public ::testing::TestWithParam<Target> {
 protected:
  std::shared_ptr<Connector> connector() { return GetParam().make(dir_.path()); }
  testing::TempDir dir_;
};

TEST_P(AnnotatedRepository, StoresTheAnnotatedFormAndReadsTheStructBack) {
  Repository<Customer> repository(connector());
  repository.save(Dataset<Customer>::from(customers()));

  engine::Table stored = connector()->read();
  std::vector<std::string> names = stored.schema()->names();
  std::sort(names.begin(), names.end());
  EXPECT_THAT(names, ElementsAre("_id_key", "city", "country", "customer_name", "notes", "orders"));
  engine::Table ada = stored.filter("customer_name = 'ada'");
  ASSERT_EQ(ada.num_rows(), 1);
  EXPECT_EQ(ada.at(0, "_id_key").as_string(), "UK-ada");
  EXPECT_NE(ada.at(0, "notes").as_string(), "prefers email");  // compressed text

  EXPECT_THAT(rows(repository.find_all()),
              ElementsAre("ada@London:3:13", "bob@Paris:1", "eve@Lyon:7:5000"));
  EXPECT_EQ(repository.schema()->to_string(), Dataset<Customer>::stored_schema()->to_string());
}

TEST_P(AnnotatedRepository, ConditionsNameFieldsEvenRenamedOrCompressedOnes) {
  Repository<Customer> repository(connector());
  repository.save(Dataset<Customer>::from(customers()));
  EXPECT_THAT(rows(repository.find_by("name = 'bob'")), ElementsAre("bob@Paris:1"));
  EXPECT_THAT(rows(repository.find_by("notes = 'prefers email'")), ElementsAre("ada@London:3:13"));
  EXPECT_THAT(rows(repository.find_by("country = 'FR' and orders > 2")),
              ElementsAre("eve@Lyon:7:5000"));
  // A stored column that is no field can be named too.
  EXPECT_THAT(rows(repository.find_by("_id_key = 'FR-bob'")), ElementsAre("bob@Paris:1"));
}

TEST_P(AnnotatedRepository, UpdateUsesTheCompoundKeyAndDeleteNamesFields) {
  Repository<Customer> repository(connector());
  repository.save(Dataset<Customer>::from(customers()));
  // Same country and name: replaced. Same name, other country: another customer.
  repository.update(Dataset<Customer>::from(std::vector<Customer>{
      {"bob", "FR", "Nice", 2, "moved"}, {"bob", "UK", "Leeds", 1, std::nullopt}}));
  EXPECT_THAT(rows(repository.find_all()),
              ElementsAre("ada@London:3:13", "bob@Leeds:1", "bob@Nice:2:5", "eve@Lyon:7:5000"));
  repository.delete_where("name = 'bob' and notes = 'moved'");
  EXPECT_THAT(rows(repository.find_all()),
              ElementsAre("ada@London:3:13", "bob@Leeds:1", "eve@Lyon:7:5000"));
  // Keys given by field name are the fields' stored columns.
  repository.update(Dataset<Customer>::from(std::vector<Customer>{{"ada", "UK", "Bath", 4, ""}}),
                    {"name"});
  EXPECT_THAT(rows(repository.find_by("name = 'ada'")), ElementsAre("ada@Bath:4:0"));
}

TEST_P(AnnotatedRepository, WriteAndReadDatasetApplyTheAnnotationsOnAnyConnector) {
  std::shared_ptr<Connector> target = connector();
  write_dataset(*target, Dataset<Customer>::from(customers()), SaveMode::kOverwrite);
  EXPECT_TRUE(target->read().schema()->find("customer_name").has_value());
  EXPECT_THAT(rows(read_dataset<Customer>(*target)),
              ElementsAre("ada@London:3:13", "bob@Paris:1", "eve@Lyon:7:5000"));
}

INSTANTIATE_TEST_SUITE_P(
    Connectors, AnnotatedRepository,
    ::testing::Values(
        Target{"csv", [](const auto& dir) { return make_connector<CsvConnector>(dir / "c.csv"); }},
        Target{"jsonl",
               [](const auto& dir) { return make_connector<JsonLinesConnector>(dir / "c.jsonl"); }},
        Target{"parquet",
               [](const auto& dir) { return make_connector<ParquetConnector>(dir / "c.parquet"); }},
        Target{"partitioned",
               [](const auto& dir) {
                 return make_connector<PartitionedConnector>(dir / "c", PartitionFormat::kCsv,
                                                             std::vector<std::string>{"country"});
               }},
        Target{"sqlite",
               [](const auto& dir) {
                 return make_connector<SqliteConnector>(dir / "c.db", "customers");
               }}),
    [](const ::testing::TestParamInfo<Target>& info) { return std::string(info.param.name); });

TEST(AnnotatedRepositoryErrors, StoredDataThatDoesNotFitTheStructIsASchemaError) {
  testing::TempDir dir;
  auto csv = make_connector<CsvConnector>(dir.path() / "plain.csv");
  // Written without the annotations: there is no customer_name column.
  csv->write(Dataset<Customer>::from(customers()).table(), SaveMode::kOverwrite);
  Repository<Customer> repository(csv);
  EXPECT_THAT(message_of<SchemaError>([&] { (void)repository.find_all(); }),
              HasSubstr("customer_name"));
}

TEST(AnnotatedRepositoryErrors, TamperedCompressedTextIsAParseError) {
  testing::TempDir dir;
  auto csv = make_connector<CsvConnector>(dir.path() / "c.csv");
  Repository<Customer> repository(csv);
  repository.save(Dataset<Customer>::from(customers()));
  engine::Table stored = csv->read();
  engine::Table tampered =
      stored.select({engine::col("customer_name"), engine::col("country"), engine::col("city"),
                     engine::col("orders"), engine::lit(std::string("garbage")).alias("notes"),
                     engine::col("_id_key")});
  csv->write(tampered, SaveMode::kOverwrite);
  EXPECT_THAT(message_of<ParseError>([&] { (void)repository.find_all(); }),
              HasSubstr("decompress()"));
}

}  // namespace
}  // namespace setl::storage
