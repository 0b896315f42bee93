#include "setl/cli/cache_command.h"

#include <sstream>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "setl/workflow/disk_cache.h"
#include "testing/temp_dir.h"

namespace setl::cli {
namespace {

using ::testing::HasSubstr;

struct Result {
  int code;
  std::string out;
  std::string err;
};

Result run(std::vector<std::string> args) {
  std::ostringstream out;
  std::ostringstream err;
  int code = cache_command(args, out, err);
  return {code, out.str(), err.str()};
}

TEST(CacheCommand, ListsSummarisesInvalidatesCollectsAndClears) {
  testing::TempDir dir;
  std::string path = (dir.path() / "cache").string();
  {
    workflow::DiskCache cache(path);
    cache.add_builtin_codecs();
    auto value = std::make_shared<const std::string>("payload");
    workflow::CacheKeyParts orders{.factory = "Orders"};
    workflow::CacheKeyParts revenue{.factory = "Revenue"};
    revenue.inputs = {{"Orders", "k-orders"}};
    workflow::CacheKeyParts other{.factory = "Other"};
    cache.store("k-orders", value, workflow::type_info_of<std::string>(), {}, orders);
    cache.store("k-revenue", value, workflow::type_info_of<std::string>(), {}, revenue);
    cache.store("k-other", value, workflow::type_info_of<std::string>(), {}, other);
  }
  Result ls = run({"ls", "--dir", path});
  EXPECT_EQ(ls.code, 0);
  EXPECT_THAT(ls.out, HasSubstr("Revenue"));
  EXPECT_THAT(ls.out, HasSubstr("std::string"));
  EXPECT_THAT(run({"stats", "--dir", path}).out, HasSubstr("entries 3\n"));
  EXPECT_THAT(run({"invalidate", "Orders", "--cascade", "--dir", path}).out,
              HasSubstr("removed 2 entries"));
  EXPECT_THAT(run({"gc", "--max-bytes", "0", "--dir", path}).out, HasSubstr("removed 1 entries"));
  EXPECT_THAT(run({"clear", "--dir", path}).out, HasSubstr("removed 0 entries"));
}

TEST(CacheCommand, ClearErrorsForBadUsageAndMissingDirectories) {
  testing::TempDir dir;
  Result missing = run({"ls", "--dir", (dir.path() / "nowhere").string()});
  EXPECT_EQ(missing.code, 1);
  EXPECT_THAT(missing.err, HasSubstr("is not a result-cache directory"));
  EXPECT_EQ(run({"frobnicate"}).code, 2);
  EXPECT_EQ(run({"invalidate", "--dir", dir.path().string()}).code, 2);  // factory missing
}

}  // namespace
}  // namespace setl::cli
