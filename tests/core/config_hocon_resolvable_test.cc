// What cpp-hocon's resolver would recurse on forever is a ConfigError naming the
// substitution, its line and the cycle or block, never a stack overflow: substitution
// cycles, and `+=` in a block followed by a substitution in it. A self-reference still
// looks back to the value assigned before it.
#include <string>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "setl/core/config.h"
#include "setl/core/error.h"
#include "testing/scoped_env.h"
#include "testing/temp_dir.h"

namespace setl {
namespace {

using ::testing::AllOf;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using testing::message_of;
using testing::ScopedEnv;

class HoconResolvable : public ::testing::Test {
 protected:
  ScopedEnv unset_{"SETL_TEST_UNSET", nullptr};
};

// Each of these made cpp-hocon's resolver recurse forever: an optional substitution
// ahead of the reference that closes the cycle hides the cycle from it.
TEST_F(HoconResolvable, CyclesTheResolverWouldRecurseOnAreErrors) {
  for (const char* text : {
           "a = ${?SETL_TEST_UNSET} ${a}\n",
           "a = ${?SETL_TEST_UNSET}${?a}\n",
           "a = [${?SETL_TEST_UNSET}] [${a}]\n",
           "a = {x: 1} ${?SETL_TEST_UNSET} ${a}\n",
           "a { b = ${?SETL_TEST_UNSET} ${a.b} }\n",
           "a = ${?SETL_TEST_UNSET} {x = ${a}}\n",
           "a += ${?SETL_TEST_UNSET} ${a}\n",
           "c = ${a}\na = ${?SETL_TEST_UNSET} ${c}\n",
           "a = {y = 1}\na = {x = ${?SETL_TEST_UNSET} ${b}}\nb = ${a}\n",
           "base = ${?PONE}3\"/x\"${base}\"/orders.csv\"\n",
       }) {
    EXPECT_THAT(message_of<ConfigError>([&] { Config::from_hocon(text, "c.conf"); }),
                HasSubstr("is part of a cycle of substitutions"))
        << text;
  }
}

TEST_F(HoconResolvable, TheErrorNamesTheSubstitutionItsLineAndTheCycle) {
  EXPECT_THAT(message_of<ConfigError>(
                  [] { Config::from_hocon("b = ${?SETL_TEST_UNSET}${a}\na = ${b}\n", "c.conf"); }),
              AllOf(HasSubstr("c.conf:2: ${b} is part of a cycle of substitutions (b -> a -> b)"),
                    HasSubstr("'b' has no earlier value to fall back on")));
  // Inside a list the substitution is a new value, not a look-back, even after a value.
  EXPECT_THAT(message_of<ConfigError>([] { Config::from_hocon("a = [1]\na = [${a}]\n"); }),
              HasSubstr("inside an object or list cannot fall back on an earlier value of 'a'"));
  EXPECT_THAT(message_of<ConfigError>([] { Config::from_hocon("a = {b = ${a}}\n"); }),
              HasSubstr("(a.b -> a.b)"));
  // With nothing assigned before, an optional self-reference is a cycle too.
  EXPECT_THAT(message_of<ConfigError>([] { Config::from_hocon("a = ${?a} x\n"); }),
              HasSubstr("${?a} is part of a cycle"));
}

TEST_F(HoconResolvable, ASelfReferenceLooksBackToTheValueBeforeIt) {
  Config config = Config::from_hocon(R"(
path = /usr
path = ${path}":/bin"
tag = v
tag = ${?SETL_TEST_UNSET}${tag}1
list += 1
list += 2
list = ${list} [3]
db { host = localhost, port = 5432 }
db = ${db} { port = 6543 }
url = "jdbc://"${db.host}":"${db.port}
)");
  EXPECT_EQ(config.get_string("path"), "/usr:/bin");
  EXPECT_EQ(config.get_string("tag"), "v1");
  EXPECT_THAT(config.get_string_list("list"), ElementsAre("1", "2", "3"));
  EXPECT_EQ(config.get_int("db.port"), 6543);
  EXPECT_EQ(config.get_string("url"), "jdbc://localhost:6543");
}

TEST_F(HoconResolvable, FieldsThatOnlyLookAlikeAreNoCycle) {
  // A sibling in the same object, and a value a later plain value replaced.
  Config config = Config::from_hocon(
      "a = {x = ${b}, y = 1}\nb = ${a.y}\n"
      "c = ${d}\nc = 2\nd = ${c}\n"
      "e.\"f.g\" = ${h}\nh = ${e.f}\ne.f = 3\n");
  EXPECT_EQ(config.get_int("a.x"), 1);
  EXPECT_EQ(config.get_int("d"), 2);
  EXPECT_EQ(config.get_int("h"), 3);
}

TEST_F(HoconResolvable, IncludedFilesTakeTheirPlaceAndTheirPrefix) {
  testing::TempDir dir;
  dir.write("base.conf", "path = /usr\n");
  auto appended = dir.write("main.conf", "include \"base.conf\"\npath = ${path}\":/bin\"\n");
  EXPECT_EQ(Config::load(appended).get_string("path"), "/usr:/bin");

  // Under a prefix the included keys go under it, and, as cpp-hocon reads them, its
  // substitutions refer to paths from the root.
  dir.write("under.conf", "y = 1\nx = ${y}\n");
  auto prefixed = dir.write("prefixed.conf", "y = 5\nk { include \"under.conf\" }\n");
  Config config = Config::load(prefixed);
  EXPECT_EQ(config.get_int("k.y"), 1);
  EXPECT_EQ(config.get_int("k.x"), 5);
  auto across =
      dir.write("across.conf", "y = ${?SETL_TEST_UNSET} ${k.x}\nk { include \"under.conf\" }\n");
  EXPECT_THAT(message_of<ConfigError>([&] { Config::load(across); }),
              HasSubstr("under.conf:2: ${y} is part of a cycle of substitutions (y -> k.x -> y)"));
}

// Each level holds two copies of the one below, on lines of their own, which the expansion
// estimate (per line) does not see; the cycle search's step budget stops it.
TEST_F(HoconResolvable, SubstitutionsAlongTooManyPathsAreRefused) {
  std::string text = "a0 { x = 1 }\n";
  for (int level = 1; level <= 24; ++level) {
    std::string below = "${a" + std::to_string(level - 1) + "}";
    text += "a" + std::to_string(level) + " {\n  x = " + below + "\n  y = " + below + "\n}\n";
  }
  EXPECT_THAT(message_of<ConfigError>([&] { Config::from_hocon(text, "c.conf"); }),
              HasSubstr("c.conf: the substitutions refer to one another along too many paths"));
}

TEST_F(HoconResolvable, AppendInABlockFollowedByAnUnresolvedValueInItIsAnError) {
  for (const char* text : {
           "p { i += 3\n o = ${?SETL_TEST_UNSET} }\n",
           "p { i += 3 }\np.o = ${?SETL_TEST_UNSET}\n",
           "p { b { i += 3 } }\np.o = ${?SETL_TEST_UNSET}\n",
           "p = { i += 3 }\np.o = ${HOME}\n",
           "{ p { i += 3 }\n p.q.r = ${?SETL_TEST_UNSET} }\n",
           // No substitution after the `+=`, but a value merged with one, or with a `+=`.
           "p.t = ${?SETL_TEST_UNSET}\np { i += 3\n t.o = o }\n",
           "p.t += {}\np { i += 3 }\np.t.o = o\n",
       }) {
    EXPECT_THAT(message_of<ConfigError>([&] { Config::from_hocon(text, "c.conf"); }),
                HasSubstr("`+=` on 'p."))
        << text;
  }
  EXPECT_THAT(message_of<ConfigError>([] {
                Config::from_hocon("p { i += 3 }\np.o = ${?SETL_TEST_UNSET}\n", "c.conf");
              }),
              HasSubstr("inside the block 'p { ... }' is followed by a value in it that needs "
                        "resolving (${?SETL_TEST_UNSET} at c.conf:2), which cpp-hocon cannot "
                        "resolve; write the key from the root instead: p.i += ..."));
  // What the error suggests works, as do a substitution before the `+=` and one elsewhere.
  Config config = Config::from_hocon(
      "p.i += 3\np { o = ${?SETL_TEST_UNSET}, n = 1 }\n"
      "q { o = ${p.n}\n i += 4 }\n"
      "r { i += 5, j += 6 }\ns = ${q.o}\n");
  EXPECT_THAT(config.get_string_list("p.i"), ElementsAre("3"));
  EXPECT_THAT(config.get_string_list("q.i"), ElementsAre("4"));
  EXPECT_EQ(config.get_int("s"), 1);
}

}  // namespace
}  // namespace setl
