// LocalCluster: collectives between ranks as threads, proven without sleeps — every
// rank's view of each collective is checked, and a failing rank releases the others.
#include "setl/core/local_cluster.h"

#include <atomic>
#include <mutex>
#include <stdexcept>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "setl/core/cancellation.h"
#include "setl/core/error.h"
#include "setl/core/job_group.h"

namespace setl {
namespace {

TEST(LocalCluster, AllToAllDeliversEachMessageToItsRank) {
  constexpr int kRanks = 5;
  LocalCluster cluster(kRanks);
  std::mutex mutex;
  std::vector<std::vector<std::string>> received(kRanks);
  cluster.run([&](Communicator& comm) {
    // Many rounds in a row: a rank that runs ahead must not take another round's messages.
    for (int round = 0; round < 200; ++round) {
      std::vector<std::string> sends;
      for (int to = 0; to < comm.size(); ++to) {
        sends.push_back(std::to_string(round) + ":" + std::to_string(comm.rank()) + ">" +
                        std::to_string(to));
      }
      std::vector<std::string> got = comm.all_to_all(std::move(sends));
      for (int from = 0; from < comm.size(); ++from) {
        ASSERT_EQ(
            got[static_cast<size_t>(from)],
            std::to_string(round) + ":" + std::to_string(from) + ">" + std::to_string(comm.rank()));
      }
    }
    std::vector<std::string> all = comm.all_gather("rank" + std::to_string(comm.rank()));
    std::lock_guard lock(mutex);  // after the collective: the others must reach it too
    received[static_cast<size_t>(comm.rank())] = std::move(all);
  });
  for (const auto& all : received) {
    EXPECT_THAT(all, ::testing::ElementsAre("rank0", "rank1", "rank2", "rank3", "rank4"));
  }
}

TEST(LocalCluster, BroadcastAndBarrierAndCounters) {
  LocalCluster cluster(3);
  std::atomic<int> agreed{0};
  cluster.run([&](Communicator& comm) {
    std::string value = comm.broadcast(comm.rank() == 2 ? "from two" : "ignored", 2);
    if (value == "from two") {
      ++agreed;
    }
    comm.barrier();
    EXPECT_EQ(agreed.load(), 3);  // every rank incremented before anyone left the barrier
    // Rank r gets 10 * (r + 1) bytes from each of the two others, and the broadcast's 8
    // unless it sent it; before each of the three collectives, a one-byte header from each
    // of the two others (whether their work was cancelled).
    comm.all_to_all({std::string(10, 'x'), std::string(20, 'y'), std::string(30, 'z')});
    int64_t broadcast = comm.rank() == 2 ? 0 : 8;
    EXPECT_EQ(comm.counters().bytes_received, broadcast + 2 * 10 * (comm.rank() + 1) + 3 * 2);
  });
}

TEST(LocalCluster, ARankThatThrowsReleasesTheOthersWithItsError) {
  LocalCluster cluster(4);
  std::mutex mutex;
  std::vector<std::string> seen;
  EXPECT_THROW(cluster.run([&](Communicator& comm) {
    if (comm.rank() == 3) {
      throw std::runtime_error("rank 3 cannot go on");
    }
    try {
      comm.barrier();  // would wait forever for rank 3
    } catch (const DistributedError& error) {
      std::lock_guard lock(mutex);
      seen.push_back(error.what());
      throw;
    }
  }),
               std::runtime_error);  // the cause, not what it caused
  ASSERT_EQ(seen.size(), 3u);
  for (const std::string& error : seen) {
    EXPECT_THAT(error, ::testing::HasSubstr("rank 3 of 4 failed: rank 3 cannot go on"));
  }
}

TEST(LocalCluster, AbortEndsEveryRanksCollectives) {
  LocalCluster cluster(3);
  EXPECT_THROW(cluster.run([&](Communicator& comm) {
    if (comm.rank() == 0) {
      comm.abort("rank 0 of 3: giving up");
    }
    comm.all_gather("never complete");
  }),
               DistributedError);
}

TEST(LocalCluster, ACancelledRankStopsEveryRankAtTheSameCollective) {
  LocalCluster cluster(3);
  std::atomic<int> stopped{0};
  cluster.run([&](Communicator& comm) {
    (void)comm.all_gather("before");
    {
      JobGroup work("work");
      if (comm.rank() == 1) {
        (void)cancel_job_group(work.id(), "stop here");
      }
      try {
        (void)comm.all_to_all(std::vector<std::string>(3, "rows"));
        ADD_FAILURE() << "rank " << comm.rank() << " moved rows after a rank was cancelled";
      } catch (const CancelledError& error) {
        EXPECT_THAT(error.what(), ::testing::HasSubstr("stop here (cancelled on rank 1 of 3"));
        EXPECT_TRUE(work.token().cancelled()) << "each rank's group 'work' is cancelled";
        ++stopped;
      }
    }
    // Nobody is left inside the cancelled collective: the ranks go on together.
    EXPECT_EQ(comm.all_gather(std::to_string(comm.rank())),
              (std::vector<std::string>{"0", "1", "2"}));
  });
  EXPECT_EQ(stopped, 3);
}

TEST(LocalCluster, StopTogetherMeetsTheOthersAtTheirNextCollective) {
  LocalCluster cluster(3);
  std::atomic<int> stopped{0};
  cluster.run([&](Communicator& comm) {
    JobGroup outer("outer");
    if (comm.rank() == 2) {
      // This rank's work in "outer/step" stopped (and its group ended) before the broadcast
      // the others are in.
      comm.stop_together("rank 2 gave up", outer.info().path + "/step");
      comm.stop_together("said once");  // the ranks already stopped together: no collective
      EXPECT_FALSE(outer.token().cancelled()) << "the rank that stopped cancels nothing more";
    } else {
      JobGroup step("step");
      try {
        (void)comm.broadcast("value", 0);
        ADD_FAILURE() << "the broadcast went on without rank 2";
      } catch (const CancelledError& error) {
        EXPECT_THAT(error.what(), ::testing::HasSubstr("rank 2 gave up (cancelled on rank 2"));
        EXPECT_TRUE(step.token().cancelled()) << "the group rank 2 named is cancelled";
        EXPECT_FALSE(outer.token().cancelled()) << "and not the groups around it";
        ++stopped;
      }
    }
    comm.barrier();
    EXPECT_EQ(comm.broadcast(comm.rank() == 0 ? "after" : "", 0), "after");
  });
  EXPECT_EQ(stopped, 2);
}

TEST(LocalCluster, RefusesBadSizesAndASecondRun) {
  EXPECT_THROW(LocalCluster(0), StateError);
  EXPECT_THROW(LocalCluster(257), StateError);
  LocalCluster cluster(2);
  cluster.run([](Communicator& comm) { EXPECT_THROW(comm.all_to_all({"one"}), InternalError); });
  EXPECT_THROW(cluster.run([](Communicator&) {}), StateError);
}

}  // namespace
}  // namespace setl
