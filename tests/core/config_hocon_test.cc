// HOCON (.conf) configuration: the syntax SETL users bring, read through the same typed
// getters, with errors that name the file and line and bounds on hostile files.
#include <string>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "setl/core/config.h"
#include "setl/core/error.h"
#include "testing/scoped_env.h"
#include "testing/temp_dir.h"

namespace setl {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using testing::message_of;
using ::testing::Not;
using testing::ScopedEnv;

TEST(ConfigHocon, ReadsTypesafeSyntaxThroughTheTypedGetters) {
  ScopedEnv home("SETL_TEST_HOCON_DIR", "/data/in");
  ScopedEnv unset("SETL_TEST_HOCON_UNSET", nullptr);
  Config config = Config::from_hocon(R"(
# comments of both kinds
app.name = "orders"          // a dotted key is a nested one
db {
  host = localhost
  port = 5432
  timeout = 10 seconds
  retry-delay = 250ms
}
db.port = 6543                // a later value wins
base = ${SETL_TEST_HOCON_DIR}
input = ${base}"/orders.csv"  // concatenation with a substitution
optional = ${?SETL_TEST_HOCON_UNSET}
defaults { header = "true", delimiter = ";" }
orders = ${defaults} { path = ${input} }   // objects merge
columns = [id, amount, "when"]
ratio = 0.25
enabled = true
nothing = null
)",
                                     "app.conf");
  EXPECT_EQ(config.get_string("app.name"), "orders");
  EXPECT_EQ(config.get<int>("db.port"), 6543);
  EXPECT_EQ(config.get_duration("db.timeout"), std::chrono::seconds(10));
  EXPECT_EQ(config.get_duration("db.retry-delay"), std::chrono::milliseconds(250));
  EXPECT_EQ(config.get_string("input"), "/data/in/orders.csv");
  EXPECT_FALSE(config.has("optional"));  // ${?VAR} of an unset variable: no key at all
  EXPECT_EQ(config.get_string("orders.path"), "/data/in/orders.csv");
  EXPECT_TRUE(config.get_bool("orders.header"));  // "true" quoted, as SETL writes it
  EXPECT_EQ(config.get_string("orders.delimiter"), ";");
  EXPECT_THAT(config.get_string_list("columns"), ElementsAre("id", "amount", "when"));
  EXPECT_DOUBLE_EQ(config.get_double("ratio"), 0.25);
  EXPECT_TRUE(config.get_bool("enabled"));
  EXPECT_FALSE(config.has("nothing"));
  EXPECT_EQ(config.value_kind("db.port"), Config::ValueKind::kInteger);
  EXPECT_THAT(config.keys(), ElementsAre("app", "db", "base", "input", "defaults", "orders",
                                         "columns", "ratio", "enabled", "nothing"));
  // Errors name the file and the line the key was written on.
  EXPECT_THAT(message_of<ConfigError>([&] { config.get_int("app.name"); }),
              HasSubstr("app.conf:3: key 'app.name'"));
}

TEST(ConfigHocon, DurationsInEveryUnitHoconAccepts) {
  Config config = Config::from_hocon(
      "a = 2 minutes\nb = 1 hour\nc = 3 days\nd = 1500 micros\ne = 5m\nf = 7 fortnights\n");
  EXPECT_EQ(config.get_duration("a"), std::chrono::minutes(2));
  EXPECT_EQ(config.get_duration("b"), std::chrono::hours(1));
  EXPECT_EQ(config.get_duration("c"), std::chrono::hours(72));
  EXPECT_EQ(config.get_duration("d"), std::chrono::milliseconds(1));
  EXPECT_EQ(config.get_duration("e"), std::chrono::minutes(5));
  EXPECT_THAT(message_of<ConfigError>([&] { config.get_duration("f"); }),
              HasSubstr("<hocon>:6: key 'f'"));
}

TEST(ConfigHocon, MalformedFilesNameTheFileAndLine) {
  testing::TempDir dir;
  auto unclosed_list = dir.write("list.conf", "a = 1\nb = [1, 2\nc = 3\n");
  EXPECT_THAT(message_of<ConfigError>([&] { Config::load(unclosed_list); }),
              HasSubstr(unclosed_list.string() + ":3: invalid HOCON"));
  auto unclosed_object = dir.write("object.conf", "a = 1\nb {\n  c = 2\n");
  EXPECT_THAT(message_of<ConfigError>([&] { Config::load(unclosed_object); }),
              HasSubstr(unclosed_object.string() + ":"));
  auto unresolved = dir.write("unresolved.conf", "a = 1\n\nb = ${does.not.exist}\n");
  EXPECT_THAT(message_of<ConfigError>([&] { Config::load(unresolved); }),
              HasSubstr(unresolved.string() + ":3: "));
  EXPECT_THAT(message_of<ConfigError>([&] { Config::load(dir.path() / "missing.conf"); }),
              HasSubstr("no such file"));
  EXPECT_THAT(message_of<ConfigError>([] { Config::from_hocon("a = 1\ninclude \"b.conf\"\n"); }),
              HasSubstr("<hocon>:2: an include needs a file"));
  EXPECT_THAT(message_of<ConfigError>(
                  [] { Config::from_hocon("\ninclude url(\"http://example.com/a.conf\")\n"); }),
              HasSubstr("<hocon>:2: include url(...) is not supported"));
}

TEST(ConfigHocon, IncludesAreRelativeToTheIncludingFileAndBounded) {
  testing::TempDir dir;
  std::filesystem::create_directories(dir.path() / "conf" / "shared");
  dir.write("conf/shared/db.conf", "db { host = db.internal, port = 5432 }\n");
  dir.write("conf/shared/base.conf", "include \"db.conf\"\nname = base\n");
  auto main = dir.write("conf/main.conf",
                        "include \"shared/base.conf\"\ninclude \"shared/absent\"\n"
                        "name = main\ndb.port = 6000\n");
  Config config = Config::load(main);
  EXPECT_EQ(config.get_string("db.host"), "db.internal");
  EXPECT_EQ(config.get_int("db.port"), 6000);
  EXPECT_EQ(config.get_string("name"), "main");
  // A key from an included file is located in that file.
  EXPECT_THAT(message_of<ConfigError>([&] { config.get_int("db.host"); }),
              HasSubstr("db.conf:1: key 'db.host'"));

  auto self = dir.write("self.conf", "a = 1\ninclude \"self.conf\"\n");
  EXPECT_THAT(message_of<ConfigError>([&] { Config::load(self); }), HasSubstr("include cycle"));
  dir.write("ping.conf", "include \"pong.conf\"\n");
  auto pong = dir.write("pong.conf", "include \"ping.conf\"\n");
  EXPECT_THAT(message_of<ConfigError>([&] { Config::load(pong); }), HasSubstr("include cycle"));
  auto bad_include = dir.write("outer.conf", "include \"inner.conf\"\n");
  dir.write("inner.conf", "x = 1\ny = [\n");
  EXPECT_THAT(message_of<ConfigError>([&] { Config::load(bad_include); }),
              HasSubstr((dir.path() / "inner.conf").string() + ":"));
}

// `name0 = first`, then `nameI = step` with P standing for name(I-1), `lines` lines.
std::string chain(const std::string& name, const std::string& first, const std::string& step,
                  int lines) {
  std::string text = name + "0 = " + first + "\n";
  for (int i = 1; i < lines; ++i) {
    std::string line = step;
    for (size_t at = line.find('P'); at != std::string::npos; at = line.find('P', at)) {
      line.replace(at, 1, name + std::to_string(i - 1));
    }
    text += name + std::to_string(i) + " = " + line + "\n";
  }
  return text;
}

TEST(ConfigHocon, HostileFilesStopWithAClearError) {
  std::string deep = "a = " + std::string(200, '[') + std::string(200, ']') + "\n";
  EXPECT_THAT(message_of<ConfigError>([&] { Config::from_hocon(deep); }),
              HasSubstr("nesting deeper than 64 levels"));
  // A chain of substitutions costs the resolver cubic time; the count is bounded.
  EXPECT_THAT(message_of<ConfigError>([] { Config::from_hocon(chain("a", "1", "${P}", 400)); }),
              HasSubstr("more than 256 substitutions"));
  // Substitutions that double at every step are refused before they are expanded.
  for (const char* doubling : {"${P} ${P}", "${P}${P}", "[${P}, ${P}]"}) {
    EXPECT_THAT(
        message_of<ConfigError>([&] { Config::from_hocon(chain("v", "[1]", doubling, 40)); }),
        HasSubstr("would expand to more than 64 MiB"))
        << doubling;
  }
  EXPECT_THAT(message_of<ConfigError>([] { Config::from_hocon("a = {b = ${a}}\n"); }),
              HasSubstr("cycle"));
  // ${...} inside a quoted string is text, as HOCON says, and is not counted.
  Config quoted = Config::from_hocon("price = \"${amount} EUR\"\n");
  EXPECT_EQ(quoted.get_string("price"), "${amount} EUR");
}

TEST(ConfigHocon, ValuesFromTheEnvironmentAreNeverQuotedInErrors) {
  ScopedEnv secret("SETL_TEST_HOCON_SECRET", "hunter2");
  Config config = Config::from_hocon("db.password = ${SETL_TEST_HOCON_SECRET}\n");
  std::string message = message_of<ConfigError>([&] { config.get_int("db.password"); });
  EXPECT_THAT(message, HasSubstr("a value from the environment (not shown)"));
  EXPECT_THAT(message, Not(HasSubstr("hunter2")));
}

TEST(ConfigHocon, ProfilesWorkAsInYaml) {
  Config config = Config::from_hocon(
      "default { workers = 4, db.host = localhost }\nprod { db.host = db.prod }\n", "p.conf",
      {.profile = "prod"});
  EXPECT_EQ(config.get_string("db.host"), "db.prod");
  EXPECT_EQ(config.get_int("workers"), 4);
}

// SETL's convention: application.conf, and <env>.conf chosen by app.environment.
class ApplicationConf : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_.write("application.conf",
               "app.environment = local\nsetl.environment = ${app.environment}\n"
               "db { host = localhost, port = 5432 }\nworkers = 2\n");
    dir_.write("local.conf", "include \"application.conf\"\nworkers = 4\n");
    dir_.write("prod.conf", "db.host = db.prod\n");  // without the include: merged anyway
  }
  testing::TempDir dir_;
  ScopedEnv no_env_{"SETL_ENV", nullptr};
};

TEST_F(ApplicationConf, TheFilesOwnEnvironmentPicksItsConf) {
  Config config = Config::load(dir_.path());
  EXPECT_EQ(config.get_int("workers"), 4);
  EXPECT_EQ(config.get_string("setl.environment"), "local");
  EXPECT_EQ(config.source(), (dir_.path() / "local.conf").string());
  // The same through the file's own path.
  EXPECT_EQ(Config::load(dir_.path() / "application.conf").get_int("workers"), 4);
}

TEST_F(ApplicationConf, TheOptionsAndSetlEnvOverrideTheFile) {
  Config prod = Config::load_application(dir_.path(), {.profile = "prod"});
  EXPECT_EQ(prod.get_string("db.host"), "db.prod");
  EXPECT_EQ(prod.get_int("db.port"), 5432);
  EXPECT_EQ(prod.get_int("workers"), 2);
  ScopedEnv env("SETL_ENV", "prod");
  EXPECT_EQ(Config::load(dir_.path()).get_string("db.host"), "db.prod");
}

TEST_F(ApplicationConf, AMissingEnvironmentFileListsThoseThere) {
  std::string message = message_of<ConfigError>(
      [&] { Config::load_application(dir_.path(), {.profile = "staging"}); });
  EXPECT_THAT(message, HasSubstr("environment 'staging' (from the load options) has no "
                                 "staging.conf beside it (found: application.conf, local.conf, "
                                 "prod.conf)"));
  EXPECT_THAT(message_of<ConfigError>(
                  [&] { Config::load_application(dir_.path(), {.profile = "../etc/x"}); }),
              HasSubstr("environment '../etc/x'"));
  testing::TempDir empty;
  EXPECT_THAT(message_of<ConfigError>([&] { Config::load_application(empty.path()); }),
              HasSubstr("has an application.conf (found: none)"));
}

}  // namespace
}  // namespace setl
