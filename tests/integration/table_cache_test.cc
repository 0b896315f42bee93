// Tables in the disk tier of the result cache (Parquet entries), and two processes sharing
// one cache directory (feature ids CA-n).
#include <cstdio>

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include "setl/cache_codecs.h"
#include "setl/workflow/pipeline.h"
#include "testing/columns.h"
#include "testing/temp_dir.h"

namespace setl {
namespace {

using engine::Table;
using testing::cells;
using ::testing::ElementsAre;
using workflow::CacheMode;

struct Person {
  int64_t id;
  std::string name;
};

}  // namespace
}  // namespace setl

SETL_SCHEMA(setl::Person, id, name);

namespace setl {
namespace {

TEST(TableCache, CA11_TablesAndDatasetsRoundTripThroughParquetEntries) {
  testing::TempDir dir;
  workflow::DiskCache cache(dir.path());
  add_table_codecs(cache);
  add_dataset_codec<Person>(cache);
  Table table = Table::from_columns({{"id", testing::int64s({1, std::nullopt, 3})},
                                     {"name", testing::strings({"a", "b", std::nullopt})}});
  cache.store("t", std::make_shared<const Table>(table), workflow::type_info_of<Table>(), {},
              {.factory = "T"});
  auto back =
      std::static_pointer_cast<const Table>(cache.load("t", workflow::type_info_of<Table>()));
  ASSERT_TRUE(back);
  EXPECT_THAT(cells(*back, "id"), ElementsAre("1", "null", "3"));
  EXPECT_THAT(cells(*back, "name"), ElementsAre("a", "b", "null"));

  engine::Dataset<Person> people(
      Table::from_columns({{"id", testing::int64s({7})}, {"name", testing::strings({"Ada"})}}));
  cache.store("p", std::make_shared<const engine::Dataset<Person>>(people),
              workflow::type_info_of<engine::Dataset<Person>>(), {}, {.factory = "P"});
  auto loaded = std::static_pointer_cast<const engine::Dataset<Person>>(
      cache.load("p", workflow::type_info_of<engine::Dataset<Person>>()));
  ASSERT_TRUE(loaded);
  EXPECT_EQ(loaded->table().at(0, "name").as_string(), "Ada");

  std::vector<Person> records = {{1, "Grace"}, {2, "Edsger"}};
  cache.store("r", std::make_shared<const std::vector<Person>>(records),
              workflow::type_info_of<std::vector<Person>>(), {}, {.factory = "R"});
  auto rows = std::static_pointer_cast<const std::vector<Person>>(
      cache.load("r", workflow::type_info_of<std::vector<Person>>()));
  ASSERT_TRUE(rows);
  ASSERT_EQ(rows->size(), 2u);
  EXPECT_EQ((*rows)[1].name, "Edsger");
}

class SlowTable : public workflow::Factory<Table> {
 public:
  SlowTable() {
    set_cache_policy({.mode = CacheMode::kMemoryAndDisk});
    set_reads_only_deliveries();
  }
  Table process() override {
    engine::ColumnBuilder values(engine::DataType::int64());
    for (int64_t i = 0; i < 200'000; ++i) {
      values.append_int(i);
    }
    return Table::from_columns({{"v", values.finish()}});
  }
};

class Total : public workflow::Factory<int64_t> {
 public:
  Total() {
    set_cache_policy({.mode = CacheMode::kMemoryAndDisk});
    set_reads_only_deliveries();
  }
  int64_t process() override {
    int64_t total = 0;
    for (const engine::ColumnPtr& chunk : table_->column_chunks("v")) {
      for (int64_t row = 0; row < chunk->length(); ++row) {
        total += chunk->values<int64_t>()[row];
      }
    }
    return total;
  }

 private:
  workflow::Delivery<Table> table_{this};
};

int64_t run_pipeline(const std::filesystem::path& cache_dir) {
  auto disk = std::make_shared<workflow::DiskCache>(cache_dir);
  add_table_codecs(*disk);
  workflow::Pipeline pipeline("shared");
  pipeline.set_cache(std::make_shared<workflow::ResultCache>());
  pipeline.set_disk_cache(disk);
  pipeline.add_factory<SlowTable>();
  pipeline.add_factory<Total>();
  pipeline.run();
  return pipeline.get_output<int64_t>("Total");
}

TEST(TableCache, CA12_TwoProcessesSharingACacheDirectoryBothFinishCorrectly) {
  testing::TempDir dir;
  constexpr int64_t kExpected = 200'000LL * 199'999 / 2;
  constexpr int kChildren = 3;
  std::vector<pid_t> children;
  for (int c = 0; c < kChildren; ++c) {
    pid_t pid = fork();
    ASSERT_GE(pid, 0);
    if (pid == 0) {
      int status = 1;
      try {
        status = run_pipeline(dir.path()) == kExpected ? 0 : 2;
      } catch (const std::exception& error) {
        std::fprintf(stderr, "child %d: %s\n", c, error.what());
        status = 3;
      }
      _exit(status);
    }
    children.push_back(pid);
  }
  EXPECT_EQ(run_pipeline(dir.path()), kExpected);
  for (pid_t pid : children) {
    int status = 0;
    waitpid(pid, &status, 0);
    EXPECT_TRUE(WIFEXITED(status));
    EXPECT_EQ(WEXITSTATUS(status), 0);
  }
  EXPECT_EQ(run_pipeline(dir.path()), kExpected);  // and afterwards, from the cache
  auto disk = std::make_shared<workflow::DiskCache>(dir.path());
  EXPECT_EQ(disk->stats().entries, 2);
}

}  // namespace
}  // namespace setl
