// The ranks of a distributed run and how they talk: a Communicator is one rank's end of a
// group of `size()` processes (or threads) running the same program (SPMD). The engine
// exchanges record batches through it and the workflow agrees on plans with it; the MPI
// layer (setl/dist/mpi.h) implements it over MPI_COMM_WORLD, LocalCluster
// (setl/core/local_cluster.h) with threads of one process for tests.
//
// Every collective must be called by every rank, in the same order; a rank that cannot go
// on calls abort(), which ends the collectives of every other rank with an error naming it
// (under MPI: the whole job ends), so a failure never leaves the others waiting.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace setl {

/// What went through a communicator (counters only grow).
struct ExchangeCounters {
  std::atomic<int64_t> bytes_sent{0};      ///< to other ranks (not to itself)
  std::atomic<int64_t> bytes_received{0};  ///< from other ranks
  std::atomic<int64_t> rounds{0};          ///< collective calls
  std::atomic<int64_t> nanoseconds{0};     ///< spent inside collectives (waiting included)
};

class Communicator {
 public:
  virtual ~Communicator() = default;
  /// This rank, 0 to size() - 1.
  virtual int rank() const = 0;
  virtual int size() const = 0;

  /// Collective: `sends[d]` goes to rank d (sends.size() == size()); returns what each
  /// rank sent here, by source rank. Each message stays below 2 GiB (MPI counts are int):
  /// callers cut larger exchanges into rounds. Throws: DistributedError when a rank aborted.
  virtual std::vector<std::string> all_to_all(std::vector<std::string> sends) = 0;
  /// Collective: every rank's `value`, by rank.
  virtual std::vector<std::string> all_gather(std::string value) = 0;
  /// Collective: `value` of rank `root` on every rank.
  virtual std::string broadcast(std::string value, int root) = 0;
  /// Collective: returns once every rank called it.
  virtual void barrier() = 0;
  /// Ends the run on every rank with `message` (naming this rank) and `exit_code` (the
  /// job's exit status under MPI: 130 for a cancelled run). Does not return.
  [[noreturn]] virtual void abort(const std::string& message, int exit_code = 1) = 0;

  /// "rank 2 of 4", for messages.
  std::string describe() const;
  ExchangeCounters& counters() noexcept { return counters_; }

 private:
  ExchangeCounters counters_;
};

}  // namespace setl
