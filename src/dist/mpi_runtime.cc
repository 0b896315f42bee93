// MPI_COMM_WORLD as a Communicator. Collectives are MPI's: sizes are exchanged first
// (MPI_Alltoall, MPI_Allgather, MPI_Bcast of a count) so that every receive buffer is
// allocated before the payload moves, and every count and displacement is checked against
// INT_MAX, as Open MPI 4.1 has no large-count calls. Calls are serialized by a mutex, so
// MPI's thread level only has to allow calls from any thread (MPI_THREAD_SERIALIZED).
#include <chrono>
#include <climits>
#include <cstdio>
#include <cstdlib>
#include <mutex>

#include <mpi.h>

#include "setl/core/error.h"
#include "setl/dist/mpi.h"

namespace setl::dist {
namespace {

std::mutex start_mutex;
MpiRuntime* runtime = nullptr;

[[noreturn]] void fail_call(const char* call, int code) {
  char text[MPI_MAX_ERROR_STRING] = {};
  int length = 0;
  MPI_Error_string(code, text, &length);
  throw DistributedError(std::string(call) + " failed: " + std::string(text, length));
}

void check(const char* call, int code) {
  if (code != MPI_SUCCESS) {
    fail_call(call, code);
  }
}

class MpiCommunicator : public Communicator {
 public:
  MpiCommunicator() {
    check("MPI_Comm_rank", MPI_Comm_rank(MPI_COMM_WORLD, &rank_));
    check("MPI_Comm_size", MPI_Comm_size(MPI_COMM_WORLD, &size_));
  }
  int rank() const override { return rank_; }
  int size() const override { return size_; }

 protected:
  std::vector<std::string> move_all_to_all(std::vector<std::string> sends) override {
    if (sends.size() != static_cast<size_t>(size_)) {
      throw InternalError("all_to_all needs one message per rank");
    }
    Timed timed(*this);
    std::vector<int> send_counts(sends.size());
    std::vector<int> send_offsets(sends.size());
    std::string send_buffer;
    for (size_t rank = 0; rank < sends.size(); ++rank) {
      send_offsets[rank] = count_of(send_buffer.size(), "an exchange's messages");
      send_counts[rank] = count_of(sends[rank].size(), "an exchange message");
      send_buffer += sends[rank];
      if (rank != static_cast<size_t>(rank_)) {
        counters().bytes_sent += static_cast<int64_t>(sends[rank].size());
      }
    }
    count_of(send_buffer.size(), "an exchange's messages");
    std::vector<int> receive_counts(sends.size());
    check("MPI_Alltoall", MPI_Alltoall(send_counts.data(), 1, MPI_INT, receive_counts.data(), 1,
                                       MPI_INT, MPI_COMM_WORLD));
    std::vector<int> receive_offsets;
    std::string receive_buffer(
        offsets_of(receive_counts, receive_offsets, "the messages arriving in an exchange"), '\0');
    check("MPI_Alltoallv",
          MPI_Alltoallv(send_buffer.data(), send_counts.data(), send_offsets.data(), MPI_BYTE,
                        receive_buffer.data(), receive_counts.data(), receive_offsets.data(),
                        MPI_BYTE, MPI_COMM_WORLD));
    std::vector<std::string> received(sends.size());
    for (size_t rank = 0; rank < sends.size(); ++rank) {
      received[rank] = receive_buffer.substr(static_cast<size_t>(receive_offsets[rank]),
                                             static_cast<size_t>(receive_counts[rank]));
      if (rank != static_cast<size_t>(rank_)) {
        counters().bytes_received += receive_counts[rank];
      }
    }
    return received;
  }

  std::vector<std::string> move_all_gather(std::string value) override {
    Timed timed(*this);
    int mine = count_of(value.size(), "a gathered value");
    std::vector<int> counts(static_cast<size_t>(size_));
    check("MPI_Allgather",
          MPI_Allgather(&mine, 1, MPI_INT, counts.data(), 1, MPI_INT, MPI_COMM_WORLD));
    std::vector<int> offsets;
    std::string buffer(offsets_of(counts, offsets, "the gathered values"), '\0');
    check("MPI_Allgatherv",
          MPI_Allgatherv(value.data(), mine, MPI_BYTE, buffer.data(), counts.data(), offsets.data(),
                         MPI_BYTE, MPI_COMM_WORLD));
    std::vector<std::string> all(counts.size());
    for (size_t rank = 0; rank < counts.size(); ++rank) {
      all[rank] =
          buffer.substr(static_cast<size_t>(offsets[rank]), static_cast<size_t>(counts[rank]));
      if (rank != static_cast<size_t>(rank_)) {
        counters().bytes_received += counts[rank];
        counters().bytes_sent += mine;
      }
    }
    return all;
  }

  std::string move_broadcast(std::string value, int root) override {
    Timed timed(*this);
    int count = rank_ == root ? count_of(value.size(), "a broadcast value") : 0;
    check("MPI_Bcast", MPI_Bcast(&count, 1, MPI_INT, root, MPI_COMM_WORLD));
    value.resize(static_cast<size_t>(count));
    check("MPI_Bcast", MPI_Bcast(value.data(), count, MPI_BYTE, root, MPI_COMM_WORLD));
    (rank_ == root ? counters().bytes_sent : counters().bytes_received) += count;
    return value;
  }

 public:
  [[noreturn]] void abort(const std::string& message, int exit_code) override {
    std::fprintf(stderr, "setl: %s\n", message.c_str());
    std::fflush(stderr);
    MPI_Abort(MPI_COMM_WORLD, exit_code);
    std::_Exit(exit_code);  // MPI_Abort does not return; if it did, the rank still ends
  }

 private:
  // Holds the MPI lock and counts the collective's time.
  class Timed {
   public:
    explicit Timed(MpiCommunicator& owner)
        : owner_(owner), lock_(owner.mutex_), start_(std::chrono::steady_clock::now()) {}
    ~Timed() {
      owner_.counters().rounds += 1;
      owner_.counters().nanoseconds += std::chrono::duration_cast<std::chrono::nanoseconds>(
                                           std::chrono::steady_clock::now() - start_)
                                           .count();
    }
    Timed(const Timed&) = delete;
    Timed& operator=(const Timed&) = delete;

   private:
    MpiCommunicator& owner_;
    std::lock_guard<std::mutex> lock_;
    std::chrono::steady_clock::time_point start_;
  };

  // A byte count as MPI's int. A larger one ends the run: the other ranks are already in
  // the collective and could not learn of an exception here.
  int count_of(size_t bytes, const char* what) {
    if (bytes > static_cast<size_t>(INT_MAX)) {
      abort(describe() + ": " + what + " would take " + std::to_string(bytes) +
                " bytes, more than one MPI call can move (2 GiB); lower chunk_bytes",
            1);
    }
    return static_cast<int>(bytes);
  }

  // Where each rank's bytes start in one buffer of them all; returns the buffer's size.
  size_t offsets_of(const std::vector<int>& counts, std::vector<int>& offsets, const char* what) {
    offsets.assign(counts.size(), 0);
    size_t total = 0;
    for (size_t rank = 0; rank < counts.size(); ++rank) {
      offsets[rank] = count_of(total, what);
      total += static_cast<size_t>(counts[rank]);
    }
    count_of(total, what);
    return total;
  }

  int rank_ = 0;
  int size_ = 1;
  std::mutex mutex_;
};

}  // namespace

struct MpiRuntime::State {
  std::unique_ptr<MpiCommunicator> world;
};

MpiRuntime::MpiRuntime() : state_(std::make_unique<State>()) {}

MpiRuntime::~MpiRuntime() {
  int finalized = 0;
  MPI_Finalized(&finalized);
  if (!finalized) {
    MPI_Finalize();
  }
}

MpiRuntime& MpiRuntime::start(int* argc, char*** argv) {
  std::lock_guard lock(start_mutex);
  if (runtime != nullptr) {
    return *runtime;
  }
  int initialized = 0;
  MPI_Initialized(&initialized);
  if (!initialized) {
    int provided = 0;
    check("MPI_Init_thread", MPI_Init_thread(argc, argv, MPI_THREAD_SERIALIZED, &provided));
    if (provided < MPI_THREAD_SERIALIZED) {
      throw DistributedError(
          "this MPI library cannot be called from more than one thread (MPI_THREAD_SERIALIZED)");
    }
  }
  // Errors come back as codes (turned into DistributedError), not as MPI's own abort.
  MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_RETURN);
  static MpiRuntime instance;  // finalized at exit, after main returns
  instance.state_->world = std::make_unique<MpiCommunicator>();
  runtime = &instance;
  return instance;
}

MpiRuntime* MpiRuntime::get() noexcept {
  std::lock_guard lock(start_mutex);
  return runtime;
}

Communicator& MpiRuntime::world() noexcept {
  return *state_->world;
}
int MpiRuntime::rank() const noexcept {
  return state_->world->rank();
}
int MpiRuntime::size() const noexcept {
  return state_->world->size();
}

void MpiRuntime::distribute_queries(engine::DistributedContext options) {
  options.communicator = state_->world.get();
  engine::set_default_distributed_context(options);
}

bool launched_by_mpi() noexcept {
  for (const char* name : {"OMPI_COMM_WORLD_SIZE", "PMIX_RANK", "PMI_SIZE", "MPI_LOCALNRANKS"}) {
    if (std::getenv(name) != nullptr) {
      return true;
    }
  }
  return false;
}

}  // namespace setl::dist
