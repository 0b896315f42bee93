#include "setl/storage/repository.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "setl/storage/csv_connector.h"
#include "setl/storage/sqlite_connector.h"
#include "testing/temp_dir.h"

namespace census {
struct Citizen {
  std::string name;
  int64_t age = 0;
  std::optional<std::string> city;
};
}  // namespace census
SETL_SCHEMA(census::Citizen, name, age, city)

namespace setl::storage {
namespace {

using census::Citizen;
using engine::Dataset;
using ::testing::HasSubstr;
using testing::message_of;

std::vector<Citizen> people() {
  return {
      {"ada", 36, "Paris"}, {"bob", 17, "Paris"}, {"cy", 52, std::nullopt}, {"dee", 20, "Lyon"}};
}

std::vector<std::string> names(const Dataset<Citizen>& data) {
  std::vector<std::string> out;
  for (const Citizen& citizen : data) {
    out.push_back(citizen.name);
  }
  return out;
}

TEST(Repository, SavesAndFindsTypedRowsInSqlite) {
  testing::TempDir dir;
  Repository<Citizen> citizens(make_connector<SqliteConnector>(dir.path() / "c.db", "citizens"));
  citizens.save(Dataset<Citizen>::from(people()));
  EXPECT_EQ(citizens.find_all().size(), 4);
  EXPECT_EQ(names(citizens.find_by("age >= 18 and city = 'Paris'")),
            std::vector<std::string>{"ada"});
  EXPECT_EQ(names(citizens.find_by(engine::col("city").is_null())), std::vector<std::string>{"cy"});
  citizens.save(Dataset<Citizen>::from({{"eve", 30, "Nice"}}), SaveMode::kAppend);
  EXPECT_EQ(citizens.find_all().size(), 5);
}

TEST(Repository, CachedReadsAreDroppedOnSave) {
  testing::TempDir dir;
  Repository<Citizen> citizens(make_connector<CsvConnector>(dir.path() / "c.csv"), {.cache = true});
  citizens.save(Dataset<Citizen>::from(people()));
  EXPECT_EQ(citizens.find_by("age < 18").size(), 1);
  std::filesystem::remove(dir.path() / "c.csv");  // served from the cache now
  EXPECT_EQ(citizens.find_all().size(), 4);
  citizens.save(Dataset<Citizen>::from({{"eve", 30, "Nice"}}));
  EXPECT_EQ(citizens.find_all().size(), 1);
}

TEST(Repository, ColumnsThatDoNotFitAreASchemaError) {
  testing::TempDir dir;
  auto connector = make_connector<SqliteConnector>(dir.path() / "c.db", "other");
  connector->write(engine::Table::from_columns(
                       {{"name", engine::Column::constant(engine::Scalar::string("x"), 1)}}),
                   SaveMode::kOverwrite);
  Repository<Citizen> citizens(connector);
  EXPECT_THAT(message_of<SchemaError>([&] { return citizens.find_all(); }),
              HasSubstr("no column \"age\""));
  EXPECT_THROW(Repository<Citizen>(nullptr), StateError);
}

// A CSV column of digits is inferred as integers; a string field still reads it, as SETL
// reads with the case class's schema. Text that is no number for an integer field is an
// error naming it, never a silent zero.
TEST(Repository, StoredColumnsAreCastToTheDeclaredTypes) {
  testing::TempDir dir;
  auto path = dir.write("citizens.csv", "name,age,city\n100,36,7\n200,17,\n");
  Repository<Citizen> citizens(make_connector<CsvConnector>(path));
  std::vector<Citizen> rows = citizens.find_all().collect();
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_EQ(rows[0].name, "100");
  EXPECT_EQ(rows[0].city, "7");
  EXPECT_EQ(rows[1].city, std::nullopt);
  EXPECT_EQ(citizens.find_by("age > 20").size(), 1);

  auto bad = dir.write("bad.csv", "name,age,city\nada,36,Paris\nbob,old,Lyon\n");
  Repository<Citizen> wrong(make_connector<CsvConnector>(bad));
  EXPECT_THROW(wrong.find_all(), Error);
}

}  // namespace
}  // namespace setl::storage
