// A distributed run inside one process: `size` ranks as threads, each with its own
// Communicator, for tests and for trying distributed plans without mpirun. Collectives
// meet in shared memory; abort() (or an exception escaping a rank) ends every rank's
// collectives with a DistributedError naming the rank, as MPI_Abort ends an MPI job.
//
//   LocalCluster cluster(4);
//   cluster.run([&](Communicator& comm) {
//     DistributedScope scope({.communicator = &comm});
//     Table result = query.collect();          // the same rows on every rank
//   });
#pragma once

#include <functional>
#include <memory>

#include "setl/core/communicator.h"

namespace setl {
namespace detail {
struct LocalClusterState;
}  // namespace detail

class LocalCluster {
 public:
  /// Throws: StateError unless 1 <= size <= 256.
  explicit LocalCluster(int size);
  ~LocalCluster();
  LocalCluster(const LocalCluster&) = delete;
  LocalCluster& operator=(const LocalCluster&) = delete;

  int size() const noexcept;
  /// Runs `work` on every rank (rank 0 on the calling thread) and waits for all. If a rank
  /// throws, the others' collectives fail and the first rank's exception to fail (the
  /// cause, not the DistributedErrors it caused) is rethrown here. A cluster runs once.
  void run(const std::function<void(Communicator&)>& work);

 private:
  std::shared_ptr<detail::LocalClusterState> shared_;
};

}  // namespace setl
