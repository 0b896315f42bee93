// Distributed writes: every rank writes its part of a partitioned dataset and rank 0
// commits them at once; a rank that cannot write leaves nothing committed on any rank.
#include <algorithm>
#include <mutex>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "oracle/sqlite_oracle.h"
#include "random_tables.h"
#include "setl/core/error.h"
#include "setl/core/local_cluster.h"
#include "setl/storage/partitioned_connector.h"
#include "testing/temp_dir.h"

namespace setl::testing {
namespace {

using engine::Table;
using storage::PartitionedConnector;
using storage::PartitionFormat;
using storage::SaveMode;

std::shared_ptr<PartitionedConnector> dataset(const TempDir& directory) {
  return storage::make_connector<PartitionedConnector>(
      directory.path() / "out", PartitionFormat::kParquet, std::vector<std::string>{"g"});
}

Table part_of(int rank) {
  return random_table(200 + 50 * rank, Keys::kSkewed, static_cast<uint32_t>(20 + rank));
}

TEST(WriteParts, EveryRanksRowsAreCommittedTogether) {
  TempDir directory;
  dataset(directory)->write(random_table(10, Keys::kSpread, 1), SaveMode::kOverwrite);
  LocalCluster cluster(3);
  cluster.run([&](Communicator& comm) {
    dataset(directory)->write_parts(part_of(comm.rank()), SaveMode::kOverwrite, comm);
  });
  Table expected = part_of(0).union_all(part_of(1)).union_all(part_of(2));
  Table read = dataset(directory)->read().select({"k", "s", "g", "v", "d"});
  EXPECT_EQ(compare_rows(rows_of(expected), rows_of(read), false), "");

  LocalCluster appending(3);
  appending.run([&](Communicator& comm) {
    dataset(directory)->write_parts(part_of(comm.rank()), SaveMode::kAppend, comm);
  });
  EXPECT_EQ(dataset(directory)->read().num_rows(), 2 * expected.num_rows());
}

TEST(WriteParts, ARankThatCannotWriteLeavesTheDatasetAsItWas) {
  TempDir directory;
  Table before = random_table(10, Keys::kSpread, 1);
  dataset(directory)->write(before, SaveMode::kOverwrite);
  LocalCluster cluster(3);
  std::mutex mutex;
  std::vector<std::string> errors;
  EXPECT_THROW(cluster.run([&](Communicator& comm) {
    // Rank 2's part lacks the partition column.
    Table part = comm.rank() == 2 ? part_of(2).drop({"g"}) : part_of(comm.rank());
    try {
      dataset(directory)->write_parts(part, SaveMode::kOverwrite, comm);
    } catch (const Error& error) {
      std::lock_guard lock(mutex);
      errors.push_back(error.what());
      throw;
    }
  }),
               Error);
  ASSERT_EQ(errors.size(), 3u);
  EXPECT_EQ(std::count_if(errors.begin(), errors.end(),
                          [](const std::string& error) {
                            return error.find("refused on rank 2 of 3") != std::string::npos;
                          }),
            2);
  for (const std::string& error : errors) {
    // Rank 2 has its own error; the others name rank 2 and quote it.
    EXPECT_THAT(error, ::testing::HasSubstr("no column \"g\""));
  }
  Table read = dataset(directory)->read().select({"k", "s", "g", "v", "d"});
  EXPECT_EQ(compare_rows(rows_of(before), rows_of(read), false), "");
}

TEST(WriteParts, SaveModesAreJudgedOnceForAllRanks) {
  TempDir directory;
  dataset(directory)->write(random_table(10, Keys::kSpread, 1), SaveMode::kOverwrite);
  LocalCluster ignoring(2);
  ignoring.run([&](Communicator& comm) {
    dataset(directory)->write_parts(part_of(comm.rank()), SaveMode::kIgnore, comm);
  });
  EXPECT_EQ(dataset(directory)->read().num_rows(), 10);
  LocalCluster refusing(2);
  EXPECT_THROW(refusing.run([&](Communicator& comm) {
    dataset(directory)->write_parts(part_of(comm.rank()), SaveMode::kErrorIfExists, comm);
  }),
               IoError);
  EXPECT_EQ(dataset(directory)->read().num_rows(), 10);
}

}  // namespace
}  // namespace setl::testing
