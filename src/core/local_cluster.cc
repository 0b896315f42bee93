// LocalCluster: ranks as threads meeting in shared memory. Every collective is a deposit
// into per-rank slots, a barrier, each rank taking what is addressed to it, and a second
// barrier before the slots are used again.
#include "setl/core/local_cluster.h"

#include <chrono>
#include <condition_variable>
#include <exception>
#include <mutex>
#include <optional>
#include <thread>

#include "setl/core/error.h"

namespace setl {

struct detail::LocalClusterState {
  explicit LocalClusterState(int ranks) : size(ranks), slots(static_cast<size_t>(ranks)) {}

  int size;
  std::mutex mutex;
  std::condition_variable changed;
  int arrived = 0;
  int64_t generation = 0;
  std::vector<std::vector<std::string>> slots;  // by source rank
  std::optional<std::string> abort_message;
  int aborted_by = -1;
  bool ran = false;

  // Waits until every rank arrived (the caller holds `lock`).
  void wait_all(std::unique_lock<std::mutex>& lock) {
    throw_if_aborted();
    int64_t entered = generation;
    if (++arrived == size) {
      arrived = 0;
      ++generation;
      changed.notify_all();
      return;
    }
    changed.wait(lock, [&] { return generation != entered || abort_message.has_value(); });
    if (generation == entered) {
      throw_if_aborted();  // the others will not come: a rank aborted
    }
  }
  void throw_if_aborted() const {
    if (abort_message) {
      throw DistributedError(*abort_message);
    }
  }
  // Marks the run aborted by `rank` (the first abort wins) and wakes every waiting rank.
  void abort_by(int rank, const std::string& message) {
    std::lock_guard lock(mutex);
    if (!abort_message) {
      abort_message = message;
      aborted_by = rank;
    }
    changed.notify_all();
  }
};

namespace {

class LocalCommunicator : public Communicator {
 public:
  LocalCommunicator(std::shared_ptr<detail::LocalClusterState> shared, int rank)
      : shared_(std::move(shared)), rank_(rank) {}

  int rank() const override { return rank_; }
  int size() const override { return shared_->size; }

 protected:
  std::vector<std::string> move_all_to_all(std::vector<std::string> sends) override {
    if (sends.size() != static_cast<size_t>(size())) {
      throw InternalError("all_to_all needs one message per rank");
    }
    return collective(std::move(sends), [&](std::vector<std::vector<std::string>>& slots) {
      std::vector<std::string> received(slots.size());
      for (size_t source = 0; source < slots.size(); ++source) {
        received[source] = std::move(slots[source][static_cast<size_t>(rank_)]);
        if (source != static_cast<size_t>(rank_)) {
          counters().bytes_received += static_cast<int64_t>(received[source].size());
          counters().bytes_sent +=
              static_cast<int64_t>(slots[static_cast<size_t>(rank_)][source].size());
        }
      }
      return received;
    });
  }

  std::vector<std::string> move_all_gather(std::string value) override {
    std::vector<std::string> mine{std::move(value)};
    return collective(std::move(mine), [&](std::vector<std::vector<std::string>>& slots) {
      std::vector<std::string> all;
      for (size_t source = 0; source < slots.size(); ++source) {
        all.push_back(slots[source][0]);
        if (source != static_cast<size_t>(rank_)) {
          counters().bytes_received += static_cast<int64_t>(all.back().size());
          counters().bytes_sent +=
              static_cast<int64_t>(slots[static_cast<size_t>(rank_)][0].size());
        }
      }
      return all;
    });
  }

  std::string move_broadcast(std::string value, int root) override {
    if (root < 0 || root >= size()) {
      throw InternalError("broadcast from rank " + std::to_string(root) + " of " +
                          std::to_string(size()));
    }
    std::vector<std::string> mine{rank_ == root ? std::move(value) : std::string()};
    std::vector<std::string> got =
        collective(std::move(mine), [&](std::vector<std::vector<std::string>>& slots) {
          return std::vector<std::string>{slots[static_cast<size_t>(root)][0]};
        });
    if (rank_ != root) {
      counters().bytes_received += static_cast<int64_t>(got[0].size());
    }
    return std::move(got[0]);
  }

 public:
  [[noreturn]] void abort(const std::string& message, int /*exit_code*/) override {
    const std::string& text = message;  // callers name the rank
    shared_->abort_by(rank_, text);
    throw DistributedError(text);
  }

 private:
  template <class Take>
  std::vector<std::string> collective(std::vector<std::string> contribution, const Take& take) {
    auto start = std::chrono::steady_clock::now();
    std::unique_lock lock(shared_->mutex);
    shared_->slots[static_cast<size_t>(rank_)] = std::move(contribution);
    shared_->wait_all(lock);
    std::vector<std::string> result = take(shared_->slots);
    shared_->wait_all(lock);
    counters().rounds += 1;
    counters().nanoseconds += std::chrono::duration_cast<std::chrono::nanoseconds>(
                                  std::chrono::steady_clock::now() - start)
                                  .count();
    return result;
  }

  std::shared_ptr<detail::LocalClusterState> shared_;
  int rank_;
};

}  // namespace

LocalCluster::LocalCluster(int size) {
  if (size < 1 || size > 256) {
    throw StateError("a LocalCluster has 1 to 256 ranks, not " + std::to_string(size));
  }
  shared_ = std::make_shared<detail::LocalClusterState>(size);
}

LocalCluster::~LocalCluster() = default;

int LocalCluster::size() const noexcept {
  return shared_->size;
}

void LocalCluster::run(const std::function<void(Communicator&)>& work) {
  {
    std::lock_guard lock(shared_->mutex);
    if (shared_->ran) {
      throw StateError("a LocalCluster runs once; make a new one");
    }
    shared_->ran = true;
  }
  const int size = shared_->size;
  std::vector<std::exception_ptr> failures(static_cast<size_t>(size));
  auto run_rank = [&](int rank) {
    LocalCommunicator communicator(shared_, rank);
    try {
      work(communicator);
    } catch (...) {
      failures[static_cast<size_t>(rank)] = std::current_exception();
      std::string what = "unknown exception";
      try {
        throw;
      } catch (const std::exception& error) {
        what = error.what();
      } catch (...) {
      }
      shared_->abort_by(rank, communicator.describe() + " failed: " + what);
    }
  };
  std::vector<std::thread> threads;
  for (int rank = 1; rank < size; ++rank) {
    threads.emplace_back(run_rank, rank);
  }
  run_rank(0);
  for (std::thread& thread : threads) {
    thread.join();
  }
  // The rank that aborted first holds the cause; the others failed because of it.
  int cause = shared_->aborted_by;
  if (cause >= 0 && failures[static_cast<size_t>(cause)]) {
    std::rethrow_exception(failures[static_cast<size_t>(cause)]);
  }
  for (const std::exception_ptr& failure : failures) {
    if (failure) {
      std::rethrow_exception(failure);
    }
  }
}

}  // namespace setl
