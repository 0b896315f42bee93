// Running on a cluster with MPI (Open MPI from Debian): the same program started by
// `mpirun -np N` runs on N ranks (SPMD). MpiRuntime initialises MPI once per process,
// gives the world communicator, and makes every LazyFrame query of the process
// distributed (setl/engine/distributed.h). Started without mpirun, it is one rank.
//
//   int main(int argc, char** argv) {
//     setl::dist::MpiRuntime& mpi = setl::dist::MpiRuntime::start(&argc, &argv);
//     mpi.distribute_queries();                 // every collect() now runs on all ranks
//     ...
//   }
//
// A rank that fails calls abort(): the message (naming the rank) goes to stderr and
// MPI_Abort ends every rank, so no rank waits forever in an exchange; a rank that is killed
// makes mpirun end the others.
#pragma once

#include <memory>

#include "setl/core/communicator.h"
#include "setl/engine/distributed.h"

namespace setl::dist {

class MpiRuntime {
 public:
  /// Initialises MPI (asking for MPI_THREAD_MULTIPLE) on the first call; later calls
  /// return the same runtime. MPI is finalized when the process exits normally.
  /// Throws: DistributedError if MPI cannot start.
  static MpiRuntime& start(int* argc, char*** argv);
  /// The runtime if start() was called, else null.
  static MpiRuntime* get() noexcept;

  /// Every rank of the job (MPI_COMM_WORLD).
  Communicator& world() noexcept;
  int rank() const noexcept;
  int size() const noexcept;
  /// Makes world() the distributed context of every thread without a DistributedScope,
  /// with `options`' thresholds (its communicator is ignored).
  void distribute_queries(engine::DistributedContext options = {});

  MpiRuntime(const MpiRuntime&) = delete;
  MpiRuntime& operator=(const MpiRuntime&) = delete;
  ~MpiRuntime();

 private:
  MpiRuntime();
  struct State;
  std::unique_ptr<State> state_;
};

/// True if this process was started by an MPI launcher (mpirun, srun with PMIx).
bool launched_by_mpi() noexcept;

}  // namespace setl::dist
