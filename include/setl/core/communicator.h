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
#include <optional>
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

/// One rank's end. Collectives are non-virtual: before moving anything, each tells the
/// ranks whether the calling thread's work is cancelled (current_cancellation()) on any of
/// them; if so it moves nothing, cancels the calling thread's token on every rank with
/// that rank's reason and throws CancelledError on every rank, so cancelled ranks stop
/// together at the same collective instead of leaving the others waiting. Implementations
/// provide the moving (the move_* functions).
class Communicator {
 public:
  virtual ~Communicator() = default;
  /// This rank, 0 to size() - 1.
  virtual int rank() const = 0;
  virtual int size() const = 0;

  /// Collective: `sends[d]` goes to rank d (sends.size() == size()); returns what each
  /// rank sent here, by source rank. Each message stays below 2 GiB (MPI counts are int):
  /// callers cut larger exchanges into rounds. Throws: DistributedError when a rank
  /// aborted; CancelledError when a rank's work is cancelled.
  std::vector<std::string> all_to_all(std::vector<std::string> sends);
  /// Collective: every rank's `value`, by rank.
  std::vector<std::string> all_gather(std::string value);
  /// Collective: `value` of rank `root` on every rank.
  std::string broadcast(std::string value, int root);
  /// Collective: returns once every rank called it.
  void barrier();

  /// For a rank whose work stopped with CancelledError outside a collective (an operator
  /// checked its token first): unless the ranks already stopped together at the last
  /// collective, meets the others at their next collective, where they stop with
  /// CancelledError naming this rank and `reason`, and cancel their job group at
  /// `group_path` (the outermost cancelled group around this thread when empty). Returns
  /// once they know; the caller rethrows its error. Collective when it meets them.
  void stop_together(const std::string& reason, const std::string& group_path = {});

  /// Ends the run on every rank with `message` (naming this rank) and `exit_code` (the
  /// job's exit status under MPI: 130 for a cancelled run). Does not return.
  [[noreturn]] virtual void abort(const std::string& message, int exit_code = 1) = 0;

  /// "rank 2 of 4", for messages.
  std::string describe() const;
  ExchangeCounters& counters() noexcept { return counters_; }

 protected:
  virtual std::vector<std::string> move_all_to_all(std::vector<std::string> sends) = 0;
  virtual std::vector<std::string> move_all_gather(std::string value) = 0;
  virtual std::string move_broadcast(std::string value, int root) = 0;

 private:
  // Gathers `value` behind a flag saying whether this rank is cancelled (with `note`, the
  // group and reason, instead of the value); throws CancelledError on every rank if any is.
  std::vector<std::string> gather_unless_cancelled(std::string value,
                                                   std::optional<std::string> note);

  ExchangeCounters counters_;
  // The last collective ended in a cancellation every rank saw (stop_together then has
  // nothing to tell); cleared by the next collective that completes.
  std::atomic<bool> stopped_together_{false};
};

}  // namespace setl
