// Text input (expressions, configuration, JSON Lines) and values that once overflowed the
// stack, expanded without limit, leaked secrets or were silently changed.
#include <cmath>
#include <cstdlib>
#include <limits>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "setl/core/config.h"
#include "setl/core/error.h"
#include "setl/engine/expr.h"
#include "setl/engine/table.h"
#include "setl/storage/json_lines_connector.h"
#include "setl/storage/sqlite_connector.h"
#include "testing/columns.h"
#include "testing/temp_dir.h"

namespace setl {
namespace {

using ::testing::HasSubstr;
using testing::message_of;
using ::testing::Not;

constexpr double kNan = std::numeric_limits<double>::quiet_NaN();
constexpr double kInf = std::numeric_limits<double>::infinity();

// Finding: deeply nested expression text overflowed the stack in parse_expr, and ~420
// nested negations built in C++ overflowed it in Expr::to_string.
TEST(TextInput, DeepExpressionsAreRefusedWithAParseError) {
  std::string text = std::string(100000, '(') + "x" + std::string(100000, ')');
  EXPECT_THAT(message_of<ParseError>([&] { return engine::parse_expr(text); }),
              HasSubstr("deeply"));
  std::string negations;
  for (int i = 0; i < 100000; ++i) {
    negations += "not ";
  }
  EXPECT_THROW(engine::parse_expr(negations + "x"), ParseError);
  EXPECT_THROW(engine::parse_expr(std::string(100000, '-') + "1"), ParseError);
  engine::Expr expr = engine::col("x");
  EXPECT_THAT(message_of<ParseError>([&] {
                for (int i = 0; i < 10000; ++i) {
                  expr = !expr;
                }
              }),
              HasSubstr("deeper than"));
  // Everything up to the limit works, printing included.
  engine::Expr deep = engine::col("x");
  for (int i = 1; i < engine::Expr::kMaxDepth; ++i) {
    deep = -deep;
  }
  EXPECT_FALSE(deep.to_string().empty());
  // A left-deep chain is deep too; an IN list is flat.
  std::string sum = "x";
  for (int i = 0; i < 5000; ++i) {
    sum += " + 1";
  }
  EXPECT_THROW(engine::parse_expr(sum), ParseError);  // left-deep: 5000 levels
  std::string list = "x in (";
  for (int i = 0; i < 5000; ++i) {
    list += (i ? ", " : "") + std::to_string(i);
  }
  EXPECT_NO_THROW(engine::parse_expr(list + ")"));
}

// Finding: deeply nested JSON config overflowed the stack in substitute_all.
TEST(TextInput, DeepConfigurationIsAConfigError) {
  std::string json = std::string(100000, '[') + std::string(100000, ']');
  EXPECT_THAT(message_of<ConfigError>([&] { Config::from_json(json, "deep.json"); }),
              HasSubstr("nesting deeper"));
  std::string yaml;
  for (int i = 0; i < 100; ++i) {
    yaml += std::string(static_cast<size_t>(i) * 2, ' ') + "k" + std::to_string(i) + ":\n";
  }
  EXPECT_THROW(Config::from_yaml(yaml, "deep.yaml"), ConfigError);
  EXPECT_THROW(Config::from_yaml(std::string(5000, '[') + std::string(5000, ']'), "flow.yaml"),
               ConfigError);
}

// Finding: a 340-byte YAML with nested aliases took 103 s and 3.3 GB.
TEST(TextInput, YamlAliasExpansionIsBounded) {
  std::string yaml = "a: &a [x, x, x, x, x, x, x, x, x, x]\n";
  std::string previous = "a";
  for (char name = 'b'; name <= 'k'; ++name) {
    std::string alias = "*" + previous;
    yaml += std::string(1, name) + ": &" + name + " [" + alias + "," + alias + "," + alias + "," +
            alias + "," + alias + "," + alias + "," + alias + "," + alias + "," + alias + "," +
            alias + "]\n";
    previous = std::string(1, name);
  }
  ASSERT_LT(yaml.size(), 800u);
  EXPECT_THAT(message_of<ConfigError>([&] { Config::from_yaml(yaml, "bomb.yaml"); }),
              HasSubstr("expands to more than"));
}

// Finding: `expected an integer, found string "s3cr3t-P@ss"` for a value from the
// environment.
TEST(TextInput, ErrorsNeverQuoteValuesFromTheEnvironment) {
  ::setenv("SETL_TEST_PASSWORD", "s3cr3t-P@ss", 1);
  Config config =
      Config::from_yaml("db:\n  port: ${SETL_TEST_PASSWORD}\n  name: orders\n", "c.yaml");
  std::string message = message_of<ConfigError>([&] { config.get_int("db.port"); });
  EXPECT_THAT(message, HasSubstr("db.port"));
  EXPECT_THAT(message, Not(HasSubstr("s3cr3t")));
  EXPECT_THAT(message_of<ConfigError>([&] { config.get_bool("db.port"); }),
              Not(HasSubstr("s3cr3t")));
  EXPECT_THAT(message_of<ConfigError>([&] { config.get_duration("db.port"); }),
              Not(HasSubstr("s3cr3t")));
  // Values written in the file itself are still quoted: they help and are not secret.
  EXPECT_THAT(message_of<ConfigError>([&] { config.get_int("db.name"); }), HasSubstr("orders"));
  ::unsetenv("SETL_TEST_PASSWORD");
}

// Findings: get_duration cast an out-of-range double to int64 (UB); date_add overflowed
// before its range check (UB).
TEST(TextInput, OutOfRangeNumbersAreErrorsNotUndefinedBehaviour) {
  Config config = Config::from_yaml("long: 99999999999999999999d\nok: 1.5s\n", "d.yaml");
  EXPECT_THAT(message_of<ConfigError>([&] { config.get_duration("long"); }),
              HasSubstr("out of range"));
  EXPECT_EQ(config.get_duration("ok"), std::chrono::milliseconds(1500));
  engine::Table dates =
      engine::Table::from_columns({{"d", testing::dates({"2024-01-01"})},
                                   {"n", testing::int64s({std::numeric_limits<int64_t>::max()})}});
  EXPECT_THROW(
      (void)dates.select({engine::fn::date_add(engine::col("d"), engine::col("n")).alias("x")}),
      Error);
}

// Finding: a valid line over 1 MB read as "invalid JSON"; uint64 values beyond int64 made
// a file unreadable without a schema; NaN and infinities became NULL.
TEST(TextInput, JsonLinesReadsLongLinesBigNumbersAndNonFiniteFloats) {
  testing::TempDir dir;
  std::string long_text(3 << 20, 'x');
  auto path = dir.write("long.jsonl", "{\"s\":\"" + long_text + "\"}\n{\"s\":\"short\"}\n");
  engine::Table table = storage::make_connector<storage::JsonLinesConnector>(path)->read();
  EXPECT_EQ(table.at(0, "s").as_string().size(), long_text.size());

  auto big = dir.write("big.jsonl", "{\"u\":18446744073709551615}\n{\"u\":7}\n");
  table = storage::make_connector<storage::JsonLinesConnector>(big)->read();
  EXPECT_EQ(table.at(0, "u").as_string(), "18446744073709551615");  // exact, as text

  auto floats = storage::make_connector<storage::JsonLinesConnector>(dir.path() / "f.jsonl");
  floats->write(engine::Table::from_columns({{"f", testing::float64s({kNan, kInf, -kInf, 1.5})}}),
                storage::SaveMode::kOverwrite);
  table = floats->read();
  EXPECT_EQ(table.schema()->to_string(), "f: float64");
  EXPECT_TRUE(std::isnan(table.at(0, "f").as_double()));
  EXPECT_EQ(table.at(1, "f").as_double(), kInf);
  EXPECT_EQ(table.at(2, "f").as_double(), -kInf);
}

// Finding: NaN became NULL and -0.0 became 0.0 in SQLite, silently.
TEST(TextInput, SqliteKeepsNanAndNegativeZero) {
  testing::TempDir dir;
  auto sqlite = storage::make_connector<storage::SqliteConnector>(dir.path() / "db.sqlite", "t");
  sqlite->write(engine::Table::from_columns({{"f", testing::float64s({kNan, -0.0, kInf, 2.0})}}),
                storage::SaveMode::kOverwrite);
  engine::Table table = sqlite->read();
  EXPECT_TRUE(std::isnan(table.at(0, "f").as_double()));
  EXPECT_TRUE(std::signbit(table.at(1, "f").as_double()));
  EXPECT_EQ(table.at(1, "f").as_double(), 0.0);
  EXPECT_EQ(table.at(2, "f").as_double(), kInf);
}

}  // namespace
}  // namespace setl
