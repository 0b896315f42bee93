#include "setl/core/config.h"

#include <cstdlib>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "setl/core/error.h"
#include "testing/scoped_env.h"
#include "testing/temp_dir.h"

namespace setl {
namespace {

using ::testing::HasSubstr;
using testing::message_of;
using testing::ScopedEnv;

constexpr const char* kProfiled = R"(
default:
  db:
    host: localhost
    port: 5432
  workers: 4
prod:
  db:
    host: db.internal
  workers: 16
dev:
  workers: 1
)";

TEST(Config, ReadsTypedValuesFromYaml) {
  Config config = Config::from_yaml(R"(
name: daily
threads: 8
ratio: 0.25
enabled: true
quoted: "123"
tags: [a, b, 3]
ttl: 24h
)");
  EXPECT_EQ(config.get<std::string>("name"), "daily");
  EXPECT_EQ(config.get<int>("threads"), 8);
  EXPECT_DOUBLE_EQ(config.get<double>("ratio"), 0.25);
  EXPECT_TRUE(config.get<bool>("enabled"));
  EXPECT_EQ(config.get<std::string>("quoted"), "123");
  EXPECT_EQ(config.get<std::vector<std::string>>("tags"),
            (std::vector<std::string>{"a", "b", "3"}));
  EXPECT_EQ(config.get<std::chrono::milliseconds>("ttl"), std::chrono::hours(24));
  EXPECT_EQ(config.get_or<int>("missing", 7), 7);
}

TEST(Config, ReadsJsonAndNestedSections) {
  Config config = Config::from_json(R"({"db": {"port": 5432, "hosts": ["a", "b"]}})");
  Config db = config.section("db");
  EXPECT_EQ(db.get_int("port"), 5432);
  EXPECT_EQ(db.get_string("hosts.1"), "b");
  EXPECT_EQ(db.prefix(), "db");
  EXPECT_EQ(config.keys(), std::vector<std::string>{"db"});
}

TEST(Config, DefaultProfileIsUsedWithoutSetlEnv) {
  ScopedEnv env("SETL_ENV", nullptr);
  Config config = Config::from_yaml(kProfiled);
  EXPECT_EQ(config.get_string("db.host"), "localhost");
  EXPECT_EQ(config.get_int("workers"), 4);
  EXPECT_EQ(config.profile(), "");
}

TEST(Config, SetlEnvOverlaysItsProfileOnDefaults) {
  ScopedEnv env("SETL_ENV", "prod");
  Config config = Config::from_yaml(kProfiled);
  EXPECT_EQ(config.get_string("db.host"), "db.internal");
  EXPECT_EQ(config.get_int("db.port"), 5432);  // kept from default
  EXPECT_EQ(config.get_int("workers"), 16);
  EXPECT_EQ(config.profile(), "prod");
}

TEST(Config, ExplicitProfileWinsOverSetlEnv) {
  ScopedEnv env("SETL_ENV", "prod");
  Config config = Config::from_yaml(kProfiled, "<yaml>", {.profile = "dev"});
  EXPECT_EQ(config.get_int("workers"), 1);
}

TEST(Config, UnknownProfileIsAnErrorListingTheDefinedOnes) {
  std::string message = message_of<ConfigError>(
      [] { Config::from_yaml(kProfiled, "app.yaml", {.profile = "prdo"}); });
  EXPECT_THAT(message, HasSubstr("app.yaml: profile 'prdo'"));
  EXPECT_THAT(message, HasSubstr("prod, dev"));
}

TEST(Config, ProfileSectionWithoutDefaultOverlaysTheRestOfTheFile) {
  Config config =
      Config::from_yaml("workers: 2\nprod:\n  workers: 9\n", "<yaml>", {.profile = "prod"});
  EXPECT_EQ(config.get_int("workers"), 9);
  EXPECT_FALSE(config.has("prod"));
}

TEST(Config, SubstitutesEnvironmentVariables) {
  ScopedEnv host("SETL_TEST_HOST", "db.example");
  ScopedEnv port("SETL_TEST_PORT", nullptr);
  Config config = Config::from_yaml(R"(
url: "postgres://${SETL_TEST_HOST}:${SETL_TEST_PORT:-5432}/sales"
port: ${SETL_TEST_PORT:-6543}
price: "$$5"
)");
  EXPECT_EQ(config.get_string("url"), "postgres://db.example:5432/sales");
  EXPECT_EQ(config.get_int("port"), 6543);
  EXPECT_EQ(config.get_string("price"), "$5");
}

TEST(Config, SubstitutionOnlyAppliesToTheSelectedProfile) {
  ScopedEnv secret("SETL_TEST_SECRET", nullptr);
  Config config =
      Config::from_yaml("default:\n  password: none\nprod:\n  password: ${SETL_TEST_SECRET}\n",
                        "<yaml>", {.profile = ""});
  EXPECT_EQ(config.get_string("password"), "none");
}

TEST(Config, UnsetVariableErrorNamesFileLineKeyAndVariable) {
  ScopedEnv secret("SETL_TEST_SECRET", nullptr);
  std::string message = message_of<ConfigError>(
      [] { Config::from_yaml("db:\n  password: ${SETL_TEST_SECRET}\n", "app.yaml"); });
  EXPECT_THAT(message, HasSubstr("app.yaml:2:13: key 'db.password'"));
  EXPECT_THAT(message, HasSubstr("SETL_TEST_SECRET is not set"));
}

TEST(Config, MalformedReferenceIsAnError) {
  EXPECT_THAT(message_of<ConfigError>([] { Config::from_yaml("a: ${oops\n"); }),
              HasSubstr("unterminated '${'"));
  EXPECT_THAT(message_of<ConfigError>([] { Config::from_yaml("a: ${bad name}\n"); }),
              HasSubstr("is not a variable reference"));
}

TEST(Config, WrongTypeErrorNamesFileLineKeyExpectedAndFound) {
  Config config = Config::from_yaml("db:\n  port: fifty\n", "app.yaml");
  std::string message = message_of<ConfigError>([&] { config.get_int("db.port"); });
  EXPECT_EQ(message, "app.yaml:2:9: key 'db.port': expected an integer, found string \"fifty\"");
  EXPECT_THAT(message_of<ConfigError>([&] { config.get_bool("db.port"); }),
              HasSubstr("expected a boolean"));
  EXPECT_THAT(message_of<ConfigError>([&] { config.get_string_list("db.port"); }),
              HasSubstr("expected a list of strings"));
  EXPECT_THAT(message_of<ConfigError>([&] { config.get_duration("db.port"); }),
              HasSubstr("expected a duration such as"));
  EXPECT_THAT(message_of<ConfigError>([&] { config.section("db.port"); }),
              HasSubstr("expected a section"));
}

TEST(Config, OutOfRangeIntegerIsAnError) {
  Config config = Config::from_yaml("small: 300\nnegative: -1\n");
  EXPECT_THAT(message_of<ConfigError>([&] { config.get<int8_t>("small"); }),
              HasSubstr("expected an integer in [-128, 127], found 300"));
  EXPECT_THAT(message_of<ConfigError>([&] { config.get<uint32_t>("negative"); }),
              HasSubstr("found -1"));
}

TEST(Config, MissingKeyErrorListsTheKeysThatExist) {
  Config config = Config::from_yaml("db:\n  host: a\n  port: 1\n", "app.yaml");
  EXPECT_EQ(message_of<ConfigError>([&] { config.get_string("db.user"); }),
            "app.yaml: key 'db.user' is missing; keys under 'db': host, port");
  EXPECT_EQ(message_of<ConfigError>([&] { config.section("db").get_string("user"); }),
            "app.yaml: key 'db.user' is missing; keys under 'db': host, port");
}

TEST(Config, SyntaxErrorsNameTheFileAndPosition) {
  EXPECT_THAT(message_of<ConfigError>([] { Config::from_yaml("a: [1, 2\n", "bad.yaml"); }),
              HasSubstr("bad.yaml:"));
  EXPECT_THAT(message_of<ConfigError>([] { Config::from_json("{\"a\": }", "bad.json"); }),
              HasSubstr("bad.json: invalid JSON"));
}

TEST(Config, WithValueOverridesOneKeyWithoutTouchingTheOriginal) {
  Config base = Config::from_yaml("data:\n  orders: 10\n  seed: 1\n");
  Config changed = base.with_value("data.orders", "20").with_value("out.dir", "/tmp/x");
  EXPECT_EQ(changed.get_int("data.orders"), 20);
  EXPECT_EQ(changed.get_int("data.seed"), 1);
  EXPECT_EQ(changed.get_string("out.dir"), "/tmp/x");
  EXPECT_EQ(base.get_int("data.orders"), 10);
  EXPECT_THAT(message_of<ConfigError>([&] { base.with_value("data.seed.x", "1"); }),
              HasSubstr("cannot set 'data.seed.x': 'data.seed' is integer 1, not a map"));
}

TEST(Config, LoadsFilesByExtension) {
  testing::TempDir dir;
  auto yaml = dir.write("app.yml", "a: 1\n");
  auto json = dir.write("app.json", "{\"a\": 2}");
  auto toml = dir.write("app.ini", "a = 3\n");
  EXPECT_EQ(Config::load(yaml).get_int("a"), 1);
  EXPECT_EQ(Config::load(json).get_int("a"), 2);
  EXPECT_EQ(Config::load(json).source(), json.string());
  EXPECT_THAT(message_of<ConfigError>([&] { Config::load(toml); }),
              HasSubstr("unknown configuration format '.ini'"));
  EXPECT_THAT(message_of<ConfigError>([&] { Config::load(dir.path() / "none.yaml"); }),
              HasSubstr("no such file"));
}

TEST(ConfigValueKind, TellsHowAValueWasWritten) {
  Config config = Config::from_yaml(
      "quoted: \"1\"\nplain: 1\nratio: 0.5\nflag: true\nname: x\nnothing: null\n"
      "section:\n  key: 1\nlist: [1, 2]\n");
  EXPECT_EQ(config.value_kind("quoted"), Config::ValueKind::kString);
  EXPECT_EQ(config.value_kind("plain"), Config::ValueKind::kInteger);
  EXPECT_EQ(config.value_kind("ratio"), Config::ValueKind::kFloat);
  EXPECT_EQ(config.value_kind("flag"), Config::ValueKind::kBool);
  EXPECT_EQ(config.value_kind("name"), Config::ValueKind::kString);
  EXPECT_EQ(config.value_kind("nothing"), Config::ValueKind::kMissing);
  EXPECT_EQ(config.value_kind("absent"), Config::ValueKind::kMissing);
  EXPECT_EQ(config.value_kind("section"), Config::ValueKind::kSection);
  EXPECT_EQ(config.value_kind("section.key"), Config::ValueKind::kInteger);
  EXPECT_EQ(config.section("section").value_kind("key"), Config::ValueKind::kInteger);
  EXPECT_EQ(config.value_kind("list"), Config::ValueKind::kSection);
}

TEST(ConfigValueKind, ACommandLineValueIsTypedAsIfWrittenUnquoted) {
  Config config = Config::from_yaml("job:\n  name: x\n")
                      .with_value("job.large", "false")
                      .with_value("job.year", "1995")
                      .with_value("job.ratio", "0.25")
                      .with_value("job.zip", "0123")
                      .with_value("job.mode", "memory+disk");
  EXPECT_EQ(config.value_kind("job.large"), Config::ValueKind::kBool);
  EXPECT_EQ(config.value_kind("job.year"), Config::ValueKind::kInteger);
  EXPECT_EQ(config.value_kind("job.ratio"), Config::ValueKind::kFloat);
  EXPECT_EQ(config.value_kind("job.mode"), Config::ValueKind::kString);
  EXPECT_EQ(config.section("job").value_kind("year"), Config::ValueKind::kInteger);
  EXPECT_EQ(config.get_string("job.zip"), "0123") << "the text itself is kept";
  EXPECT_FALSE(config.get_bool("job.large"));
}

}  // namespace
}  // namespace setl
