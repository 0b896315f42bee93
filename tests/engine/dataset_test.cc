#include "setl/engine/dataset.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "setl/workflow/pipeline.h"
#include "testing/columns.h"
#include "testing/temp_dir.h"

namespace census {
struct Citizen {
  std::string name;
  int64_t age = 0;
  std::optional<std::string> city;
};
struct Country {
  std::string code;
  double area = 0;
  bool eu = false;
  setl::engine::Date joined;
};
struct Invoice {
  int64_t id = 0;
  setl::engine::Decimal<15, 2> amount;
  std::optional<setl::engine::Decimal<38, 4>> fee;
};
}  // namespace census

SETL_SCHEMA(census::Invoice, id, amount, fee)
SETL_SCHEMA(census::Citizen, name, age, city)
SETL_SCHEMA(census::Country, code, area, eu, joined)

namespace setl::engine {
namespace {

using census::Citizen;
using census::Country;
using ::testing::HasSubstr;
using testing::message_of;

TEST(Dataset, DeclaresItsSchemaFromTheStruct) {
  EXPECT_EQ(Dataset<Citizen>::schema()->to_string(),
            "name: string not null, age: int64 not null, city: string");
  EXPECT_EQ(
      Dataset<Country>::schema()->to_string(),
      "code: string not null, area: float64 not null, eu: bool not null, joined: date32 not null");
}

TEST(Dataset, RoundTripsVectorsOfStructs) {
  std::vector<Citizen> people = {
      {"ada", 36, "London"}, {"bob", 17, std::nullopt}, {"éva", 28, "Zürich"}};
  Dataset<Citizen> dataset = Dataset<Citizen>::from(people);
  EXPECT_EQ(dataset.size(), 3);
  std::vector<Citizen> back = dataset.collect();
  ASSERT_EQ(back.size(), 3u);
  EXPECT_EQ(back[1].name, "bob");
  EXPECT_FALSE(back[1].city.has_value());
  EXPECT_EQ(*back[2].city, "Zürich");
  EXPECT_EQ(dataset.table().at(0, "age").as_int(), 36);
  int64_t total_age = 0;
  for (const Citizen& citizen : dataset) {
    total_age += citizen.age;
  }
  EXPECT_EQ(total_age, 81);
}

TEST(Dataset, WrapsMatchingTablesAcrossBatches) {
  Table table = Table::from_columns({
                                        {"city", testing::strings({"a", std::nullopt, "c", "d"})},
                                        {"extra", testing::int64s({1, 2, 3, 4})},
                                        {"age", testing::int32s({1, 2, 3, 4})},
                                        {"name", testing::strings({"p", "q", "r", "s"})},
                                    })
                    .rechunk(3);
  Dataset<Citizen> dataset(table);
  EXPECT_EQ(dataset.table().schema()->names(), (std::vector<std::string>{"name", "age", "city"}));
  std::vector<std::string> names;
  for (const Citizen& citizen : dataset) {
    names.push_back(citizen.name);
  }
  EXPECT_EQ(names, (std::vector<std::string>{"p", "q", "r", "s"}));
  EXPECT_EQ(dataset.filter("age > 2").size(), 2);
}

TEST(Dataset, RejectsTablesThatDoNotFitListingEveryProblem) {
  Table table = Table::from_columns({
      {"name", testing::strings({"p", std::nullopt})},
      {"age", testing::strings({"1", "2"})},
  });
  std::string message = message_of<SchemaError>([&] { Dataset<Citizen> wrapped(table); });
  EXPECT_THAT(message, HasSubstr("does not fit Dataset<census::Citizen>"));
  EXPECT_THAT(message,
              HasSubstr("column \"name\" has 1 NULL(s) but its field is not std::optional"));
  EXPECT_THAT(message, HasSubstr("column \"age\" is string, the field needs int64"));
  EXPECT_THAT(message, HasSubstr("missing column \"city\" (string)"));
}

class CitizensFactory : public workflow::Factory<Dataset<Citizen>> {
 public:
  Dataset<Citizen> process() override {
    return Dataset<Citizen>::from({{"ada", 36, std::nullopt}});
  }
};
class CountriesFactory : public workflow::Factory<Dataset<Country>> {
 public:
  Dataset<Country> process() override { return Dataset<Country>::from({{"FR", 1.0, true, {0}}}); }
};
class Adults : public workflow::Factory<int64_t> {
 public:
  workflow::Delivery<Dataset<Citizen>> citizens{this};
  int64_t process() override { return citizens->filter("age >= 18").size(); }
};

TEST(Dataset, DecimalFieldsAreExactBothWays) {
  using Money = Decimal<15, 2>;
  using Fee = Decimal<38, 4>;
  EXPECT_EQ(Dataset<census::Invoice>::schema()->to_string(),
            "id: int64 not null, amount: decimal(15,2) not null, fee: decimal(38,4)");
  std::vector<census::Invoice> rows = {{1, Money::parse("19.99"), Fee::parse("0.0001")},
                                       {2, Money::parse("-0.05"), std::nullopt}};
  Dataset<census::Invoice> invoices = Dataset<census::Invoice>::from(rows);
  EXPECT_EQ(invoices.table().aggregate({fn::sum(col("amount")).alias("s")}).at(0, "s").to_display(),
            "19.94");
  std::vector<census::Invoice> back(invoices.begin(), invoices.end());
  ASSERT_EQ(back.size(), 2u);
  EXPECT_EQ(back[0].amount, Money::parse("19.99"));
  EXPECT_EQ(back[0].fee->to_string(), "0.0001");
  EXPECT_FALSE(back[1].fee.has_value());
  EXPECT_LT(back[1].amount, back[0].amount);
  EXPECT_DOUBLE_EQ(back[1].amount.to_double(), -0.05);
  EXPECT_THROW(Money::parse("1e20"), ParseError);

  // Integer and narrower decimal columns convert; a value that does not fit is an error.
  Table narrow =
      Table::from_columns({{"id", testing::int32s({7})},
                           {"amount", testing::int64s({12})},
                           {"fee", testing::decimals(DataType::decimal(5, 1), {"0.5"})}});
  Dataset<census::Invoice> converted(narrow);
  census::Invoice first = *converted.begin();
  EXPECT_EQ(first.amount.to_string(), "12.00");
  EXPECT_EQ(first.fee->to_string(), "0.5000");
  Table wide = Table::from_columns(
      {{"id", testing::int64s({1})},
       {"amount", testing::decimals(DataType::decimal(20, 2), {"123456789012345678.00"})},
       {"fee", testing::decimals(DataType::decimal(5, 1), {"0.5"})}});
  EXPECT_THAT(message_of<ParseError>([&] { return Dataset<census::Invoice>(wide); }),
              HasSubstr("to decimal(15,2)"));
}

TEST(Dataset, FlowsThroughTheDispatcherByItsRowType) {
  workflow::Pipeline pipeline;
  workflow::Stage& sources = pipeline.add_stage();
  sources.add_factory<CitizensFactory>();
  sources.add_factory<CountriesFactory>();
  pipeline.add_factory<Adults>();
  pipeline.run();
  EXPECT_EQ(pipeline.get_output<int64_t>(), 1);
  EXPECT_EQ(pipeline.get_output<Dataset<Country>>().size(), 1);
}

}  // namespace
}  // namespace setl::engine
