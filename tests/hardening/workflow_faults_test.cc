// Faults inside a run: a cache that cannot store, a failing factory beside running ones,
// a pipeline used after it was moved.
#include <atomic>
#include <latch>
#include <thread>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "setl/core/cancellation.h"
#include "setl/core/error.h"
#include "setl/workflow/disk_cache.h"
#include "setl/workflow/pipeline.h"
#include "testing/temp_dir.h"

namespace setl::workflow {
namespace {

using ::testing::HasSubstr;
using testing::message_of;

class Numbers : public Factory<std::vector<int64_t>> {
 public:
  explicit Numbers(int& runs) : runs_(runs) {
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

// Finding: a disk-cache store failure (disk full, or gc removing an in-flight temporary)
// failed the whole run after the factories had run and written.
TEST(WorkflowFaults, ACacheThatCannotStoreIsAWarningNotAFailure) {
  testing::TempDir dir;
  auto disk = std::make_shared<DiskCache>(dir.path() / "cache");
  disk->add_builtin_codecs();
  // The entries directory becomes a file: every store now fails with an IoError.
  std::filesystem::remove_all(dir.path() / "cache" / "entries");
  dir.write("cache/entries", "not a directory");
  int runs = 0;
  Pipeline pipeline("stores");
  pipeline.set_disk_cache(disk);
  pipeline.add_factory<Numbers>(runs);
  EXPECT_NO_THROW(pipeline.run());
  EXPECT_EQ(runs, 1);
  EXPECT_EQ(pipeline.get_output<std::vector<int64_t>>().size(), 3u);
  ASSERT_EQ(pipeline.cache_store_failures().size(), 1u);
  EXPECT_THAT(pipeline.cache_store_failures()[0], HasSubstr("Numbers"));
}

// Finding: a failing factory in a parallel stage did not cancel its running siblings,
// whose write() still ran.
class Fails : public Factory<int> {
 public:
  explicit Fails(std::latch& started) : started_(started) {}
  int process() override {
    started_.arrive_and_wait();  // the sibling is running
    throw IoError("source is gone");
  }

 private:
  std::latch& started_;
};

class Slow : public Factory<std::string> {
 public:
  Slow(std::latch& started, std::atomic<bool>& wrote) : started_(started), wrote_(wrote) {}
  std::string process() override {
    started_.arrive_and_wait();
    // Works until cancelled (a real factory checks between batches the same way).
    while (!current_cancellation().cancelled()) {
      std::this_thread::yield();
    }
    current_cancellation().check();
    return "done";
  }
  void write() override { wrote_ = true; }

 private:
  std::latch& started_;
  std::atomic<bool>& wrote_;
};

TEST(WorkflowFaults, AFailingFactoryCancelsItsParallelSiblings) {
  std::latch started(2);
  std::atomic<bool> wrote{false};
  Pipeline pipeline("fails");
  Stage& stage = pipeline.add_stage();
  stage.set_parallel(true, 2);
  stage.add_factory<Fails>(started);
  stage.add_factory<Slow>(started, wrote);
  // The factory's own error is what the run reports, not the cancellation it caused.
  EXPECT_THAT(message_of<IoError>([&] { pipeline.run(); }), HasSubstr("source is gone"));
  EXPECT_FALSE(wrote);
}

// Finding: running a moved-from Pipeline said "a job group needs a name".
TEST(WorkflowFaults, AMovedFromPipelineSaysSo) {
  int runs = 0;
  Pipeline original("moved");
  original.add_factory<Numbers>(runs);
  Pipeline target = std::move(original);
  EXPECT_THAT(message_of<StateError>([&] { original.run(); }),  // NOLINT(bugprone-use-after-move)
              HasSubstr("moved from"));
  Pipeline assigned("other");
  assigned = std::move(target);
  EXPECT_NO_THROW(assigned.run());
  EXPECT_THROW(target.run(), StateError);  // NOLINT(bugprone-use-after-move)
}

}  // namespace
}  // namespace setl::workflow
