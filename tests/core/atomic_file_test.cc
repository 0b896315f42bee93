#include "setl/core/atomic_file.h"

#include <algorithm>
#include <fstream>
#include <optional>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "setl/core/error.h"
#include "testing/temp_dir.h"

namespace setl {
namespace {

std::vector<std::string> names_in(const std::filesystem::path& dir) {
  std::vector<std::string> names;
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    names.push_back(entry.path().filename().string());
  }
  std::sort(names.begin(), names.end());
  return names;
}

TEST(AtomicFile, TheTargetChangesOnlyOnCommit) {
  testing::TempDir dir;
  std::filesystem::path target = dir.write("out.txt", "old");
  {
    AtomicFile file(target);
    file.stream() << "new";
    EXPECT_EQ(testing::read_file(target), "old");  // nothing visible before the commit
    file.commit();
  }
  EXPECT_EQ(testing::read_file(target), "new");
  {
    AtomicFile abandoned(target);
    abandoned.stream() << "never";
  }  // destroyed uncommitted: the target and the folder are as they were
  EXPECT_EQ(testing::read_file(target), "new");
  EXPECT_THAT(names_in(dir.path()), ::testing::ElementsAre("out.txt"));
}

TEST(AtomicFile, CopiesAnExistingFileAndCreatesFolders) {
  testing::TempDir dir;
  std::filesystem::path source = dir.write("a.txt", "head\n");
  std::filesystem::path target = dir.path() / "new" / "folder" / "b.txt";
  AtomicFile file(target);
  file.copy_from(source);
  file.stream() << "tail\n";
  file.commit();
  EXPECT_EQ(testing::read_file(target), "head\ntail\n");
  EXPECT_THROW(AtomicFile(source / "child"), IoError);  // a file is not a folder
  write_atomically(target, "whole");
  EXPECT_EQ(testing::read_file(target), "whole");
}

TEST(AtomicFile, OnlyTemporariesNobodyHoldsAreRemoved) {
  testing::TempDir dir;
  // What a killed writer leaves: a temporary with no lock on it.
  dir.write(".out.txt.tmp-123", "partial");
  dir.write(".other.txt.tmp-9", "partial");
  dir.write("out.txt.tmp-notours", "user data");  // not hidden: not one of ours
  EXPECT_TRUE(is_temporary_name(".out.txt.tmp-123"));
  EXPECT_FALSE(is_temporary_name("out.txt.tmp-notours"));
  // A live writer's temporary carries a lock until it is renamed.
  std::filesystem::path live = dir.path() / ".out.txt.tmp-live";
  std::optional<FileLock> held = FileLock::try_lock(live);
  ASSERT_TRUE(held.has_value());
  EXPECT_EQ(remove_abandoned_temporaries(dir.path(), "out.txt"), 1);
  EXPECT_THAT(names_in(dir.path()), ::testing::ElementsAre(".other.txt.tmp-9", ".out.txt.tmp-live",
                                                           "out.txt.tmp-notours"));
  held.reset();
  EXPECT_EQ(remove_abandoned_temporaries(dir.path()), 2);
  EXPECT_THAT(names_in(dir.path()), ::testing::ElementsAre("out.txt.tmp-notours"));
}

TEST(FileLock, IsExclusiveUntilReleased) {
  testing::TempDir dir;
  std::filesystem::path target = dir.path() / "t.csv";
  EXPECT_EQ(lock_path_for(target), dir.path() / ".t.csv.lock");
  {
    FileLock lock(lock_path_for(target));
    EXPECT_FALSE(FileLock::try_lock(lock_path_for(target)).has_value());
  }
  EXPECT_TRUE(FileLock::try_lock(lock_path_for(target)).has_value());
  EXPECT_THROW(FileLock(dir.path() / "missing" / "x.lock"), IoError);
}

}  // namespace
}  // namespace setl
