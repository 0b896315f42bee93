// The disk tier of the result cache (feature ids CA-n).
#include "setl/workflow/disk_cache.h"

#include <fstream>
#include <thread>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "setl/workflow/pipeline.h"
#include "testing/temp_dir.h"

namespace setl::workflow {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::UnorderedElementsAre;

CacheKeyParts parts_of(std::string factory, std::vector<std::string> input_keys = {}) {
  CacheKeyParts parts;
  parts.factory = std::move(factory);
  for (std::string& key : input_keys) {
    parts.inputs.emplace_back("input", std::move(key));
  }
  return parts;
}

TEST(DiskCache, CA6_StoresAndLoadsBuiltInTypesAcrossInstances) {
  testing::TempDir dir;
  {
    DiskCache cache(dir.path() / "cache");
    cache.add_builtin_codecs();
    cache.store(
        "k1",
        std::make_shared<const std::vector<std::string>>(std::vector<std::string>{"a", "", "ünï"}),
        type_info_of<std::vector<std::string>>(), {}, parts_of("Names"));
    cache.store("k2", std::make_shared<const double>(2.5), type_info_of<double>(), {},
                parts_of("Rate"));
  }
  DiskCache reopened(dir.path() / "cache");
  reopened.add_builtin_codecs();
  auto names = std::static_pointer_cast<const std::vector<std::string>>(
      reopened.load("k1", type_info_of<std::vector<std::string>>()));
  ASSERT_TRUE(names);
  EXPECT_THAT(*names, ElementsAre("a", "", "ünï"));
  EXPECT_EQ(*std::static_pointer_cast<const double>(reopened.load("k2", type_info_of<double>())),
            2.5);
  EXPECT_FALSE(reopened.load("k2", type_info_of<int64_t>()));  // another type: not returned
  EXPECT_FALSE(reopened.load("missing", type_info_of<double>()));
  EXPECT_EQ(reopened.stats().entries, 2);
  EXPECT_EQ(reopened.list()[0].factory, "Names");
}

TEST(DiskCache, CA7_CorruptOrTruncatedEntriesAreDeletedNotReturned) {
  testing::TempDir dir;
  DiskCache cache(dir.path());
  cache.add_builtin_codecs();
  for (const char* key : {"flipped", "cut", "gone"}) {
    cache.store(key, std::make_shared<const std::string>(std::string(1000, 'x')),
                type_info_of<std::string>(), {}, parts_of(key));
  }
  auto entry = [&](const char* key) {
    return dir.path() / "entries" / (std::string(key) + ".entry");
  };
  {
    std::fstream file(entry("flipped"), std::ios::in | std::ios::out | std::ios::binary);
    file.seekp(500);
    file.put('y');
  }
  std::filesystem::resize_file(entry("cut"), 100);
  std::filesystem::remove(entry("gone"));
  for (const char* key : {"flipped", "cut", "gone"}) {
    EXPECT_FALSE(cache.load(key, type_info_of<std::string>())) << key;
    EXPECT_FALSE(std::filesystem::exists(entry(key))) << key;
  }
  EXPECT_EQ(cache.stats().entries, 0);
}

TEST(DiskCache, CA8_InvalidateCascadesToEntriesComputedFromTheRemovedOnes) {
  testing::TempDir dir;
  DiskCache cache(dir.path());
  cache.add_builtin_codecs();
  auto value = std::make_shared<const int64_t>(1);
  cache.store("a", value, type_info_of<int64_t>(), {}, parts_of("A"));
  cache.store("b", value, type_info_of<int64_t>(), {}, parts_of("B", {"a"}));
  cache.store("c", value, type_info_of<int64_t>(), {}, parts_of("C", {"b"}));
  cache.store("d", value, type_info_of<int64_t>(), {}, parts_of("D"));
  EXPECT_THAT(cache.invalidate("B", false), ElementsAre("b"));
  cache.store("b", value, type_info_of<int64_t>(), {}, parts_of("B", {"a"}));
  EXPECT_THAT(cache.invalidate("A", true), UnorderedElementsAre("a", "b", "c"));
  ASSERT_EQ(cache.list().size(), 1u);
  EXPECT_EQ(cache.list()[0].key, "d");
}

TEST(DiskCache, CA9_GcRemovesExpiredThenLeastRecentlyUsedEntries) {
  testing::TempDir dir;
  auto clock = std::make_shared<ManualClock>();
  DiskCache cache(dir.path(), clock);
  cache.add_builtin_codecs();
  auto big = std::make_shared<const std::string>(std::string(1000, 'x'));
  cache.store("old", big, type_info_of<std::string>(), std::chrono::milliseconds(1),
              parts_of("Old"));
  cache.store("first", big, type_info_of<std::string>(), {}, parts_of("First"));
  EXPECT_EQ(cache.stats().expired, 0);
  clock->advance(std::chrono::milliseconds(20));
  cache.store("second", big, type_info_of<std::string>(), {}, parts_of("Second"));
  EXPECT_EQ(cache.stats().expired, 1);
  EXPECT_EQ(cache.gc(1500), 2);  // the expired one, then the least recently used
  ASSERT_EQ(cache.list().size(), 1u);
  EXPECT_EQ(cache.list()[0].key, "second");
  cache.clear();
  EXPECT_EQ(cache.stats().entries, 0);
}

class Counted : public Factory<std::vector<int64_t>> {
 public:
  explicit Counted(int& runs) : runs_(runs) {
    set_cache_policy({.mode = CacheMode::kDisk});
    set_reads_only_deliveries();
  }
  std::vector<int64_t> process() override {
    ++runs_;
    return {1, 2, 3};
  }

 private:
  int& runs_;
};

struct Opaque {
  int value = 0;
};
class NoCodec : public Factory<Opaque> {
 public:
  NoCodec() {
    set_cache_policy({.mode = CacheMode::kDisk});
    set_reads_only_deliveries();
  }
  Opaque process() override { return {7}; }
};

TEST(DiskCache, CA10_PipelinesInLaterProcessesAreServedFromDisk) {
  testing::TempDir dir;
  int runs = 0;
  for (int process = 0; process < 2; ++process) {
    auto disk = std::make_shared<DiskCache>(dir.path());  // a fresh instance, as a new process
    disk->add_builtin_codecs();
    Pipeline pipeline("persisted");
    pipeline.set_disk_cache(disk);
    pipeline.add_factory<Counted>(runs);
    pipeline.add_factory<NoCodec>();
    pipeline.run();
    EXPECT_THAT(pipeline.get_output<std::vector<int64_t>>("Counted"), ElementsAre(1, 2, 3));
    EXPECT_EQ(std::string(to_string(pipeline.cache_report()[0].outcome)),
              process == 0 ? "miss" : "hit");
    EXPECT_THAT(pipeline.cache_report()[1].reason, HasSubstr("no codec for"));
  }
  EXPECT_EQ(runs, 1);
}

}  // namespace
}  // namespace setl::workflow
