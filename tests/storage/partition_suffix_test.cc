// SETL's suffixed saves and partition listing: repository.save(data, suffix) writes below
// "_user_defined_suffix=<suffix>" and replaces only that suffix's rows; list_partitions
// and load_partitions read the stored partitions.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "setl/storage/csv_connector.h"
#include "setl/storage/partitioned_connector.h"
#include "setl/storage/repository.h"
#include "testing/temp_dir.h"

namespace ledger {
struct Entry {
  std::string account;
  std::string region;
  int64_t cents = 0;
};
}  // namespace ledger
SETL_SCHEMA(ledger::Entry, account, region, cents)

namespace setl::storage {
namespace {

using engine::Dataset;
using ledger::Entry;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using testing::message_of;

std::vector<std::string> rows(const Dataset<Entry>& data) {
  std::vector<std::string> out;
  for (const Entry& entry : data) {
    out.push_back(entry.account + "/" + entry.region + "=" + std::to_string(entry.cents));
  }
  std::sort(out.begin(), out.end());
  return out;
}

Dataset<Entry> entries(std::vector<Entry> values) {
  return Dataset<Entry>::from(values);
}

class PartitionSuffix : public ::testing::Test {
 protected:
  std::shared_ptr<PartitionedConnector> connector(std::vector<std::string> by = {"region"}) {
    return make_connector<PartitionedConnector>(dir_.path() / "ledger", PartitionFormat::kParquet,
                                                by);
  }
  testing::TempDir dir_;
};

TEST_F(PartitionSuffix, EachSuffixIsWrittenAndReplacedOnItsOwn) {
  Repository<Entry> ledger(connector());
  ledger.save(entries({{"a", "eu", 1}, {"b", "us", 2}}), SaveMode::kOverwrite, "2024-01");
  ledger.save(entries({{"c", "eu", 3}}), SaveMode::kOverwrite, "2024-02");
  EXPECT_THAT(rows(ledger.find_all()), ElementsAre("a/eu=1", "b/us=2", "c/eu=3"));
  // The suffix is a partition column readers see and filter on.
  engine::Table january = connector()->lazy().filter("_user_defined_suffix = '2024-01'").collect();
  EXPECT_EQ(january.num_rows(), 2);

  ledger.save(entries({{"a", "eu", 10}}), SaveMode::kOverwrite, "2024-01");  // only January
  EXPECT_THAT(rows(ledger.find_all()), ElementsAre("a/eu=10", "c/eu=3"));
  ledger.save(entries({{"d", "us", 4}}), SaveMode::kAppend, "2024-02");
  EXPECT_THAT(rows(ledger.find_all()), ElementsAre("a/eu=10", "c/eu=3", "d/us=4"));
  EXPECT_THAT(message_of<IoError>([&] {
                ledger.save(entries({{"x", "eu", 0}}), SaveMode::kErrorIfExists, "2024-02");
              }),
              HasSubstr("_user_defined_suffix=2024-02/ already exists"));
  ledger.save(entries({{"x", "eu", 0}}), SaveMode::kIgnore, "2024-02");
  ledger.save(entries({{"e", "eu", 5}}), SaveMode::kErrorIfExists, "2024-03");  // new: written
  EXPECT_THAT(rows(ledger.find_all()), ElementsAre("a/eu=10", "c/eu=3", "d/us=4", "e/eu=5"));
}

TEST_F(PartitionSuffix, PartitionsAreListedAndLoadedByName) {
  Repository<Entry> ledger(connector());
  EXPECT_TRUE(ledger.list_partitions().empty());  // nothing stored yet
  ledger.save(entries({{"a", "eu", 1}, {"b", "us", 2}, {"c", "eu", 3}}), SaveMode::kOverwrite);
  EXPECT_THAT(ledger.list_partitions(), ElementsAre("region=eu", "region=us"));
  EXPECT_THAT(rows(ledger.load_partitions({"region=eu"})), ElementsAre("a/eu=1", "c/eu=3"));
  EXPECT_THAT(message_of<IoError>([&] { (void)ledger.load_partitions({"region=asia"}); }),
              HasSubstr("has no partition 'region=asia' (partitions: 'region=eu', 'region=us')"));

  auto suffixed = make_connector<PartitionedConnector>(
      dir_.path() / "by_day", PartitionFormat::kCsv, std::vector<std::string>{});
  Repository<Entry> days(suffixed);
  days.save(entries({{"a", "eu", 1}}), SaveMode::kOverwrite, "mon");
  days.save(entries({{"b", "us", 2}}), SaveMode::kOverwrite, "tue");
  EXPECT_THAT(days.list_partitions(),
              ElementsAre("_user_defined_suffix=mon", "_user_defined_suffix=tue"));
  EXPECT_THAT(rows(days.load_partitions({"_user_defined_suffix=tue"})), ElementsAre("b/us=2"));
}

TEST_F(PartitionSuffix, BadSuffixedWritesAreRefusedAndChangeNothing) {
  std::shared_ptr<PartitionedConnector> target = connector();
  Repository<Entry> ledger(target);
  ledger.save(entries({{"a", "eu", 1}}), SaveMode::kOverwrite, "one");
  EXPECT_THROW(ledger.save(entries({{"b", "eu", 2}}), SaveMode::kOverwrite, ""), ConfigError);
  engine::Table with_column = target->read();  // already has _user_defined_suffix
  EXPECT_THAT(message_of<SchemaError>(
                  [&] { target->write_with_suffix(with_column, SaveMode::kAppend, "two"); }),
              HasSubstr("already has a column '_user_defined_suffix'"));
  EXPECT_THAT(rows(ledger.find_all()), ElementsAre("a/eu=1"));
}

TEST_F(PartitionSuffix, WritesThatWouldMixPartitionLayoutsAreRefused) {
  Repository<Entry> ledger(connector());
  ledger.save(entries({{"a", "eu", 1}}), SaveMode::kOverwrite, "one");
  // An append without a suffix would leave files under two layouts.
  EXPECT_THAT(message_of<SchemaError>([&] {
                ledger.save(entries({{"b", "eu", 2}}), SaveMode::kAppend);
              }),
              HasSubstr("partitioned by (_user_defined_suffix, region), this write by (region)"));
  EXPECT_THAT(rows(ledger.find_all()), ElementsAre("a/eu=1"));
  // An overwrite replaces everything, so it may change the layout.
  ledger.save(entries({{"c", "us", 3}}), SaveMode::kOverwrite);
  EXPECT_THAT(ledger.list_partitions(), ElementsAre("region=us"));
  EXPECT_THAT(message_of<SchemaError>([&] {
                ledger.save(entries({{"d", "eu", 4}}), SaveMode::kAppend, "two");
              }),
              HasSubstr("suffixed writes add _user_defined_suffix"));
}

TEST_F(PartitionSuffix, ConnectorsWithoutPartitionsSaySo) {
  Repository<Entry> file(make_connector<CsvConnector>(dir_.path() / "ledger.csv"));
  EXPECT_THAT(message_of<StateError>([&] {
                file.save(entries({{"a", "eu", 1}}), SaveMode::kOverwrite, "x");
              }),
              HasSubstr("a write with a suffix (use a PARTITIONED storage) is not supported"));
  EXPECT_THAT(message_of<StateError>([&] { (void)file.list_partitions(); }),
              HasSubstr("listing partitions is not supported by this connector"));
  EXPECT_THAT(message_of<StateError>([&] { (void)file.load_partitions({"a=1"}); }),
              HasSubstr("loading partitions is not supported"));
}

}  // namespace
}  // namespace setl::storage
