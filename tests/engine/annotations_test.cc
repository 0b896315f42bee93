// SETL's field annotations on SETL_SCHEMA structs: stored column names, compound keys and
// compressed columns, their stored schema, and the conversions both ways.
#include "setl/engine/annotations.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "core/base64.h"
#include "setl/engine/dataset.h"
#include "setl/engine/functions.h"
#include "testing/columns.h"
#include "testing/temp_dir.h"

namespace registry {
struct Person {
  std::string name;
  int64_t age = 0;
  std::string country;
  std::optional<std::string> city;
  std::string biography;
  double score = 0;
};
// Two fields that swap their stored names.
struct Swapped {
  std::string left;
  std::string right;
};
struct Plain {
  std::string name;
};
struct Misnamed {
  std::string name;
};
struct Clashing {
  std::string name;
  std::string full_name;
};
struct TwoAtOnePosition {
  std::string a;
  std::string b;
};
}  // namespace registry

SETL_SCHEMA(registry::Person, name, age, country, city, biography, score)
SETL_ANNOTATE(registry::Person, setl::engine::column_name("name", "full_name"),
              setl::engine::compound_key("city", "location", 2),
              setl::engine::compound_key("country", "location", 1),
              setl::engine::compound_key("name", "person", 1), setl::engine::compress("biography"),
              setl::engine::compress("score"))
SETL_SCHEMA(registry::Swapped, left, right)
SETL_ANNOTATE(registry::Swapped, setl::engine::column_name("left", "right"),
              setl::engine::column_name("right", "left"))
SETL_SCHEMA(registry::Plain, name)
SETL_SCHEMA(registry::Misnamed, name)
SETL_ANNOTATE(registry::Misnamed, setl::engine::column_name("nme", "x"))
SETL_SCHEMA(registry::Clashing, name, full_name)
SETL_ANNOTATE(registry::Clashing, setl::engine::column_name("name", "full_name"))
SETL_SCHEMA(registry::TwoAtOnePosition, a, b)
SETL_ANNOTATE(registry::TwoAtOnePosition, setl::engine::compound_key("a", "k", 1),
              setl::engine::compound_key("b", "k", 1))

namespace setl::engine {
namespace {

using registry::Person;
using ::testing::HasSubstr;
using testing::message_of;

std::vector<Person> people() {
  return {{"ada", 36, "UK", "London", std::string(2000, 'a') + " wrote the first program", 9.75},
          {"bob", 17, "FR", std::nullopt, "", -0.1}};
}

TEST(Annotations, StoredSchemaRenamesCompressesAndAddsKeyColumns) {
  EXPECT_EQ(Dataset<Person>::stored_schema()->to_string(),
            "full_name: string not null, age: int64 not null, country: string not null, city: "
            "string, biography: string not null, score: string not null, _location_key: "
            "string, _person_key: string not null");
  const StoredForm& form = Dataset<Person>::stored_form();
  EXPECT_FALSE(form.identity());
  EXPECT_EQ(form.stored_name("name"), "full_name");
  EXPECT_EQ(form.stored_name("age"), "age");
  EXPECT_EQ(form.key_columns(), (std::vector<std::string>{"_location_key", "_person_key"}));
  EXPECT_THAT(message_of<SchemaError>([&] { (void)form.stored_name("nope"); }),
              HasSubstr("no field \"nope\""));
}

TEST(Annotations, AStructWithoutAnnotationsIsStoredAsDeclared) {
  EXPECT_TRUE(Dataset<registry::Plain>::stored_form().identity());
  EXPECT_EQ(Dataset<registry::Plain>::stored_schema()->to_string(), "name: string not null");
  Dataset<registry::Plain> data = Dataset<registry::Plain>::from({{"x"}});
  EXPECT_EQ(data.to_stored().at(0, "name").as_string(), "x");
}

TEST(Annotations, TheStoredFormHoldsKeysAndCompressedTextAndReadsBack) {
  Dataset<Person> data = Dataset<Person>::from(people());
  Table stored = data.to_stored();
  EXPECT_EQ(stored.schema()->to_string(), Dataset<Person>::stored_schema()->to_string());
  EXPECT_EQ(stored.at(0, "full_name").as_string(), "ada");
  EXPECT_EQ(stored.at(0, "_location_key").as_string(), "UK-London");
  EXPECT_TRUE(stored.at(1, "_location_key").is_null());  // a NULL part: no key
  EXPECT_EQ(stored.at(1, "_person_key").as_string(), "bob");
  // The long biography is stored much smaller than it is.
  EXPECT_LT(stored.at(0, "biography").as_string().size(), 200u);

  std::vector<Person> back = Dataset<Person>::from_stored(stored).collect();
  ASSERT_EQ(back.size(), 2u);
  EXPECT_EQ(back[0].name, "ada");
  EXPECT_EQ(back[0].biography, people()[0].biography);
  EXPECT_EQ(back[0].city, "London");
  EXPECT_DOUBLE_EQ(back[0].score, 9.75);
  EXPECT_EQ(back[1].biography, "");
  EXPECT_DOUBLE_EQ(back[1].score, -0.1);
  EXPECT_FALSE(back[1].city.has_value());
}

TEST(Annotations, FieldsThatSwapNamesConvertBothWays) {
  Dataset<registry::Swapped> data = Dataset<registry::Swapped>::from({{"L", "R"}});
  Table stored = data.to_stored();
  EXPECT_EQ(stored.at(0, "right").as_string(), "L");
  EXPECT_EQ(stored.at(0, "left").as_string(), "R");
  registry::Swapped back = Dataset<registry::Swapped>::from_stored(stored).collect().at(0);
  EXPECT_EQ(back.left, "L");
  EXPECT_EQ(back.right, "R");
  // A condition over the fields, rewritten over the stored columns.
  Expr on_stored = Dataset<registry::Swapped>::stored_form().on_stored(col("left") == lit("L"));
  EXPECT_EQ(stored.filter(on_stored).num_rows(), 1);
}

TEST(Annotations, ConditionsOnCompressedFieldsCompareTheText) {
  Table stored = Dataset<Person>::from(people()).to_stored();
  const StoredForm& form = Dataset<Person>::stored_form();
  EXPECT_EQ(stored.filter(form.on_stored(col("biography") == lit(""))).num_rows(), 1);
  EXPECT_EQ(stored.filter(form.on_stored(col("score") > lit(1.0))).num_rows(), 1);
  EXPECT_EQ(stored.filter(form.on_stored(col("name") == lit("bob"))).at(0, "age").as_int(), 17);
}

TEST(Annotations, AnnotationsThatDoNotFitTheStructAreRefusedByName) {
  EXPECT_THAT(message_of<SchemaError>([] { (void)Dataset<registry::Misnamed>::stored_schema(); }),
              HasSubstr("column_name(\"nme\"): no such field; did you mean \"name\"?"));
  EXPECT_THAT(message_of<SchemaError>([] { (void)Dataset<registry::Clashing>::stored_schema(); }),
              HasSubstr("is stored as \"full_name\", a name another column has"));
  EXPECT_THAT(
      message_of<SchemaError>([] { (void)Dataset<registry::TwoAtOnePosition>::stored_schema(); }),
      HasSubstr("compound key \"k\" has two fields at position 1 (\"a\" and \"b\")"));
  SchemaPtr schema = Dataset<registry::Plain>::schema();
  EXPECT_THAT(message_of<SchemaError>([&] {
                StoredForm(schema, {compress("name"), compress("name")}, "Plain");
              }),
              HasSubstr("the annotations of Plain: field \"name\" is compressed twice"));
  EXPECT_THAT(message_of<SchemaError>([&] { StoredForm(schema, {column_name("name", "")}, "P"); }),
              HasSubstr("needs a non-empty column name"));
}

TEST(Annotations, StoredRowsThatDoNotDecompressAreAParseErrorNotGarbage) {
  Table stored = Dataset<Person>::from(people()).to_stored();
  // Rewrite the biography column with text that is not compress() output.
  for (const char* bad : {"not base64!", "AAAA", "KLUv/QBYAQAA"}) {
    Table tampered = stored.select({col("full_name"), col("age"), col("country"), col("city"),
                                    lit(std::string(bad)).alias("biography"), col("score")});
    EXPECT_THAT(message_of<ParseError>([&] { (void)Dataset<Person>::from_stored(tampered); }),
                HasSubstr("decompress()"))
        << bad;
  }
}

TEST(Compression, CompressAndDecompressAreFunctionsOfTheEngine) {
  Table table = Table::from_columns(
      {{"text", testing::strings({"hello", std::nullopt, "", std::string(100000, 'z')})}});
  Table round = table.select({fn::decompress(fn::compress(col("text"))).alias("back"),
                              fn::compress(col("text")).alias("packed")});
  EXPECT_EQ(round.at(0, "back").as_string(), "hello");
  EXPECT_TRUE(round.at(1, "back").is_null());
  EXPECT_EQ(round.at(2, "back").as_string(), "");
  EXPECT_EQ(round.at(3, "back").as_string(), std::string(100000, 'z'));
  EXPECT_LT(round.at(3, "packed").as_string().size(), 100u);
  // And in the text syntax.
  EXPECT_EQ(table.filter("decompress(compress(text)) = 'hello'").num_rows(), 1);
}

TEST(Compression, AFrameClaimingAHugeSizeIsRefusedBeforeAllocating) {
  // A zstd frame header declaring 2^40 bytes of content (single segment, 8-byte size).
  std::string frame = {'\x28', '\xb5', '\x2f', '\xfd', '\xe0', 0, 0, 0, 0, 0, 1, 0, 0};
  std::string text = setl::detail::base64_encode(frame);
  Table table = Table::from_columns({{"text", testing::strings({text})}});
  EXPECT_THAT(message_of<ResourceError>(
                  [&] { (void)table.select({fn::decompress(col("text")).alias("x")}); }),
              HasSubstr("would expand to 1099511627776 bytes"));
}

}  // namespace
}  // namespace setl::engine
