// Connection pools through the public API: connections are reused, a broken one (failed
// health check or discarded) is closed and replaced, the size limit makes checkouts wait
// and time out, idle connections expire, statistics add up, and a failed open leaves the
// pool usable.
#include "setl/core/connection_pool.h"

#include <atomic>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace setl {
namespace {

using namespace std::chrono_literals;

struct FakeConnection {
  int id = 0;
  bool broken = false;
  std::atomic<int>* closed = nullptr;
  ~FakeConnection() {
    if (closed != nullptr) {
      ++*closed;
    }
  }
};

struct FakeServer {
  std::atomic<int> opened{0};
  std::atomic<int> closed{0};
  bool refuse = false;
  ConnectionPool<FakeConnection>::Hooks hooks() {
    return {.open =
                [this] {
                  if (refuse) {
                    throw TransientError("connection refused");
                  }
                  auto connection = std::make_unique<FakeConnection>();
                  connection->id = ++opened;
                  connection->closed = &closed;
                  return connection;
                },
            .healthy = [](FakeConnection& connection) { return !connection.broken; }};
  }
};

TEST(ConnectionPool, ReusesConnectionsAndReplacesBrokenOnes) {
  FakeServer server;
  auto pool =
      std::make_shared<ConnectionPool<FakeConnection>>("fake", PoolOptions{}, server.hooks());
  int first_id = 0;
  {
    auto lease = pool->acquire();
    first_id = lease->id;
  }
  {
    auto lease = pool->acquire();
    EXPECT_EQ(lease->id, first_id);  // reused
    lease->broken = true;            // e.g. the server restarted while it was idle
  }
  {
    auto lease = pool->acquire();  // the health check fails: closed, a new one opened
    EXPECT_NE(lease->id, first_id);
    lease.discard();  // an error left it mid-transaction
  }
  EXPECT_EQ(server.closed, 2);
  PoolStats stats = pool->stats();
  EXPECT_EQ(stats.created, 2);
  EXPECT_EQ(stats.reused, 1);
  EXPECT_EQ(stats.broken, 2);
  EXPECT_EQ(stats.open, 0);
}

TEST(ConnectionPool, AFullPoolMakesCheckoutsWaitThenTimeOut) {
  FakeServer server;
  auto small = std::make_shared<ConnectionPool<FakeConnection>>(
      "small", PoolOptions{.max_size = 2, .acquire_timeout = 50ms}, server.hooks());
  auto a = small->acquire();
  auto b = small->acquire();
  EXPECT_THROW(small->acquire(), TimeoutError);

  auto single = std::make_shared<ConnectionPool<FakeConnection>>(
      "single", PoolOptions{.max_size = 1}, server.hooks());
  auto held = std::make_unique<ConnectionPool<FakeConnection>::Lease>(single->acquire());
  int held_id = (*held)->id;
  std::atomic<int> got{0};
  std::thread waiter([&] { got = single->acquire()->id; });
  while (single->stats().waits < 1) {  // the waiter is waiting
    std::this_thread::yield();
  }
  held.reset();  // back to the pool: the waiter takes that very connection
  waiter.join();
  EXPECT_EQ(got, held_id);
  EXPECT_EQ(server.opened, 3);
  EXPECT_EQ(single->stats().created, 1);
  EXPECT_EQ(single->stats().reused, 1);
}

TEST(ConnectionPool, IdleConnectionsExpire) {
  FakeServer server;
  auto pool = std::make_shared<ConnectionPool<FakeConnection>>(
      "idle", PoolOptions{.idle_timeout = 1ms}, server.hooks());
  { auto lease = pool->acquire(); }
  std::this_thread::sleep_for(5ms);  // the pool reads the real clock; 1 ms has surely passed
  { auto lease = pool->acquire(); }
  EXPECT_EQ(pool->stats().expired, 1);
  EXPECT_EQ(server.opened, 2);
}

TEST(ConnectionPool, AFailedOpenLeavesThePoolUsable) {
  FakeServer server;
  auto pool = std::make_shared<ConnectionPool<FakeConnection>>("flaky", PoolOptions{.max_size = 1},
                                                               server.hooks());
  server.refuse = true;
  EXPECT_THROW(pool->acquire(), TransientError);
  server.refuse = false;
  auto lease = pool->acquire();  // the failed open did not keep the only slot
  EXPECT_EQ(lease->id, 1);
}

TEST(PoolRegistry, OnePoolPerEndpointWithTheLongestPrefixsOptions) {
  PoolRegistry registry;
  registry.configure("sqlite:", {.max_size = 1});
  FakeServer server;
  auto pool = registry.get<FakeConnection>("sqlite:/tmp/x.db", server.hooks());
  EXPECT_EQ(pool, registry.get<FakeConnection>("sqlite:/tmp/x.db", server.hooks()));
  EXPECT_EQ(pool->stats().max_size, 1);
  EXPECT_EQ(registry.options_for("postgres:x").max_size, PoolOptions{}.max_size);
  EXPECT_THROW(registry.get<int>("sqlite:/tmp/x.db", {}), InternalError);
  EXPECT_THROW(registry.configure("", {.max_size = 0}), ConfigError);
  { auto lease = pool->acquire(); }
  registry.close_idle();
  EXPECT_EQ(server.closed, 1);
  EXPECT_EQ(registry.stats().size(), 1u);
}

}  // namespace
}  // namespace setl
