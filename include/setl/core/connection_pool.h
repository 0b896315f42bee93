// Connection pools: one per endpoint (a database file, a server and database), shared by
// every factory and thread of the process. A checkout takes the most recently returned
// idle connection that passes the health check (a broken one is closed and replaced),
// opens a new one while fewer than `max_size` are open, or waits for one to come back.
// Idle connections older than `idle_timeout` are closed.
//
//   setl::PoolRegistry::global().configure("postgres:", {.max_size = 4});
//   auto pool = setl::PoolRegistry::global().get<PGconn>("postgres:db1:5432/sales", hooks);
//   auto lease = pool->acquire();          // back to the pool when destroyed
//   run_query(*lease);                     // lease.discard() if it broke
//
// The SQLite and PostgreSQL connectors draw their connections here; their statistics are
// in every run's report (RunResult::pools()) and in the monitor's /metrics.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include "setl/core/cancellation.h"
#include "setl/core/error.h"

namespace setl {

struct PoolOptions {
  size_t max_size = 4;
  std::chrono::nanoseconds idle_timeout = std::chrono::minutes(5);
  /// How long a checkout waits for a connection when all are in use (then TimeoutError).
  std::chrono::nanoseconds acquire_timeout = std::chrono::seconds(60);
  /// Throws: ConfigError.
  void validate() const;
};

struct PoolStats {
  std::string endpoint;
  int64_t max_size = 0;
  int64_t open = 0;  ///< idle + in use
  int64_t idle = 0;
  int64_t in_use = 0;
  int64_t created = 0;  ///< connections opened
  int64_t reused = 0;   ///< checkouts served by an idle connection
  int64_t broken = 0;   ///< closed because a health check failed or a user discarded them
  int64_t expired = 0;  ///< closed after idle_timeout
  int64_t waits = 0;    ///< checkouts that waited for a connection to come back
};

class PoolBase {
 public:
  virtual ~PoolBase() = default;
  virtual PoolStats stats() const = 0;
  /// Closes the idle connections (connections in use close when they come back).
  virtual void close_idle() = 0;
};

template <class Connection>
class ConnectionPool : public PoolBase,
                       public std::enable_shared_from_this<ConnectionPool<Connection>> {
 public:
  struct Hooks {
    /// Opens a connection; throws what the connector throws (classified).
    std::function<std::unique_ptr<Connection>()> open;
    /// Whether an idle connection can still be used (checked at checkout).
    std::function<bool(Connection&)> healthy;
  };

  /// A connection checked out; it goes back to the pool when destroyed, unless discarded.
  class Lease {
   public:
    Lease(Lease&& other) noexcept = default;
    Lease& operator=(Lease&&) = delete;
    Lease(const Lease&) = delete;
    ~Lease() {
      if (pool_ && connection_) {
        pool_->give_back(std::move(connection_), discarded_);
      }
    }
    Connection& operator*() const { return *connection_; }
    Connection* operator->() const { return connection_.get(); }
    /// The connection is broken (or in an unknown state after an error): close it instead of
    /// returning it.
    void discard() noexcept { discarded_ = true; }

   private:
    friend class ConnectionPool;
    Lease(std::shared_ptr<ConnectionPool> pool, std::unique_ptr<Connection> connection)
        : pool_(std::move(pool)), connection_(std::move(connection)) {}
    std::shared_ptr<ConnectionPool> pool_;
    std::unique_ptr<Connection> connection_;
    bool discarded_ = false;
  };

  ConnectionPool(std::string endpoint, PoolOptions options, Hooks hooks)
      : endpoint_(std::move(endpoint)), options_(options), hooks_(std::move(hooks)) {
    options_.validate();
  }

  /// Throws: what opening a connection throws; TimeoutError when none came back within
  /// acquire_timeout; CancelledError.
  Lease acquire() {
    auto deadline = std::chrono::steady_clock::now() + options_.acquire_timeout;
    std::unique_lock lock(mutex_);
    for (bool waited = false;;) {
      close_expired(lock);
      if (!idle_.empty()) {
        std::unique_ptr<Connection> connection = std::move(idle_.back().first);
        idle_.pop_back();
        ++in_use_;
        lock.unlock();
        bool healthy = !hooks_.healthy || hooks_.healthy(*connection);
        lock.lock();
        if (healthy) {
          ++reused_;
          return Lease(this->shared_from_this(), std::move(connection));
        }
        --in_use_;
        ++broken_;
        lock.unlock();
        connection.reset();  // closed outside the lock
        lock.lock();
        continue;
      }
      if (static_cast<size_t>(in_use_) + idle_.size() < options_.max_size) {
        ++in_use_;  // reserved while it opens
        lock.unlock();
        std::unique_ptr<Connection> connection;
        try {
          connection = hooks_.open();
        } catch (...) {
          lock.lock();
          --in_use_;
          available_.notify_one();
          throw;
        }
        lock.lock();
        ++created_;
        return Lease(this->shared_from_this(), std::move(connection));
      }
      if (!waited) {
        ++waits_;
        waited = true;
      }
      // Short waits: a cancelled run does not sit here until the deadline.
      available_.wait_for(lock, std::chrono::milliseconds(20));
      lock.unlock();
      current_cancellation().check();
      lock.lock();
      if (std::chrono::steady_clock::now() >= deadline) {
        throw TimeoutError("connection pool '" + endpoint_ + "': all " +
                           std::to_string(options_.max_size) + " connections stayed in use for " +
                           std::to_string(std::chrono::duration_cast<std::chrono::milliseconds>(
                                              options_.acquire_timeout)
                                              .count()) +
                           " ms");
      }
    }
  }

  PoolStats stats() const override {
    std::lock_guard lock(mutex_);
    auto idle = static_cast<int64_t>(idle_.size());
    return {endpoint_,      static_cast<int64_t>(options_.max_size),
            idle + in_use_, idle,
            in_use_,        created_,
            reused_,        broken_,
            expired_,       waits_};
  }

  void close_idle() override {
    std::deque<std::pair<std::unique_ptr<Connection>, std::chrono::steady_clock::time_point>> old;
    {
      std::lock_guard lock(mutex_);
      old.swap(idle_);
    }
  }

 private:
  void give_back(std::unique_ptr<Connection> connection, bool discarded) {
    {
      std::lock_guard lock(mutex_);
      --in_use_;
      if (!discarded) {
        idle_.emplace_back(std::move(connection), std::chrono::steady_clock::now());
      } else {
        ++broken_;
      }
    }
    available_.notify_one();
    connection.reset();  // a discarded one closes outside the lock
  }

  void close_expired(std::unique_lock<std::mutex>& lock) {
    auto now = std::chrono::steady_clock::now();
    std::vector<std::unique_ptr<Connection>> expired;
    while (!idle_.empty() && now - idle_.front().second >= options_.idle_timeout) {
      expired.push_back(std::move(idle_.front().first));
      idle_.pop_front();
      ++expired_;
    }
    if (!expired.empty()) {
      lock.unlock();
      expired.clear();
      lock.lock();
    }
  }

  std::string endpoint_;
  PoolOptions options_;
  Hooks hooks_;
  mutable std::mutex mutex_;
  std::condition_variable available_;
  // Oldest returned first: checkouts take from the back, expiry closes from the front.
  std::deque<std::pair<std::unique_ptr<Connection>, std::chrono::steady_clock::time_point>> idle_;
  int64_t in_use_ = 0;
  int64_t created_ = 0;
  int64_t reused_ = 0;
  int64_t broken_ = 0;
  int64_t expired_ = 0;
  int64_t waits_ = 0;
};

/// The process's pools, one per endpoint, created on first use with the options configured
/// for the longest matching prefix of the endpoint's name.
class PoolRegistry {
 public:
  static PoolRegistry& global();
  /// Throws: ConfigError for invalid options.
  void configure(std::string prefix, PoolOptions options);
  PoolOptions options_for(const std::string& endpoint) const;

  /// The pool of `endpoint`, made with `hooks` the first time.
  /// Throws: InternalError if the endpoint's pool holds another connection type.
  template <class Connection>
  std::shared_ptr<ConnectionPool<Connection>> get(
      const std::string& endpoint, typename ConnectionPool<Connection>::Hooks hooks) {
    std::lock_guard lock(mutex_);
    auto found = pools_.find(endpoint);
    if (found != pools_.end()) {
      auto typed = std::dynamic_pointer_cast<ConnectionPool<Connection>>(found->second);
      if (!typed) {
        throw InternalError("connection pool '" + endpoint + "' holds another connection type");
      }
      return typed;
    }
    auto pool = std::make_shared<ConnectionPool<Connection>>(endpoint, options_locked(endpoint),
                                                             std::move(hooks));
    pools_.emplace(endpoint, pool);
    return pool;
  }

  std::vector<PoolStats> stats() const;
  /// Closes every pool's idle connections.
  void close_idle();

 private:
  PoolOptions options_locked(const std::string& endpoint) const;

  mutable std::mutex mutex_;
  std::map<std::string, PoolOptions> options_;
  std::map<std::string, std::shared_ptr<PoolBase>> pools_;
};

}  // namespace setl
