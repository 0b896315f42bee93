#include "setl/engine/execution.h"

#include <atomic>
#include <exception>
#include <map>
#include <memory>
#include <mutex>
#include <thread>

#include <oneapi/tbb/parallel_for.h>
#include <oneapi/tbb/task_arena.h>

#include "engine/operators/parallel.h"
#include "setl/core/cancellation.h"
#include "setl/core/job_group.h"
#include "setl/core/memory_context.h"
#include "setl/core/process_memory.h"

namespace setl::engine {
namespace {

std::mutex arena_mutex;
int configured_threads = 0;
// One arena per thread count in use: runs with different counts never share workers'
// concurrency limits, and an arena is made once per count, not per query.
std::map<int, std::shared_ptr<tbb::task_arena>> arenas;
// On a task the engine runs: the thread count of the work that spawned it (a worker
// thread has no MemoryContext of its own).
thread_local int task_threads = 0;

int default_threads() {
  // hardware_concurrency() reads /sys on every call, and every operator asks.
  static const int hardware = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  std::lock_guard lock(arena_mutex);
  return configured_threads > 0 ? configured_threads : hardware;
}

std::shared_ptr<tbb::task_arena> arena_for(int threads) {
  memory::keep_freed_heap_memory();  // operators free and reallocate buffers per batch
  std::lock_guard lock(arena_mutex);
  std::shared_ptr<tbb::task_arena>& arena = arenas[threads];
  if (!arena) {
    arena = std::make_shared<tbb::task_arena>(threads);
  }
  return arena;
}

}  // namespace

void set_num_threads(int threads) {
  std::lock_guard lock(arena_mutex);
  configured_threads = threads < 0 ? 0 : threads;
}

int num_threads() {
  if (task_threads > 0) {
    return task_threads;
  }
  int scoped = current_memory_context().threads;
  return scoped > 0 ? scoped : default_threads();
}

namespace detail {

void parallel_for(size_t count, const std::function<void(size_t)>& body) {
  CancellationToken token = current_cancellation();
  JobContext context = JobContext::capture();  // tasks run in the caller's job group
  if (count == 0) {
    return;
  }
  const int threads = num_threads();
  if (count == 1 || threads == 1) {
    for (size_t i = 0; i < count; ++i) {
      token.check();
      body(i);
    }
    return;
  }
  std::exception_ptr error;
  std::mutex error_mutex;
  std::atomic<bool> failed{false};
  arena_for(threads)->execute([&] {
    tbb::parallel_for(tbb::blocked_range<size_t>(0, count, 1),
                      [&](const tbb::blocked_range<size_t>& range) {
                        for (size_t i = range.begin(); i != range.end(); ++i) {
                          if (failed.load(std::memory_order_relaxed)) {
                            return;
                          }
                          try {
                            JobContextScope scope(context);
                            TaskThreadsScope threads_scope(threads);
                            token.check();
                            body(i);
                          } catch (...) {
                            std::lock_guard lock(error_mutex);
                            if (!error) {
                              error = std::current_exception();
                            }
                            failed.store(true);
                          }
                        }
                      });
  });
  if (error) {
    std::rethrow_exception(error);
  }
}

void in_arena(const std::function<void()>& body) {
  const int threads = num_threads();
  arena_for(threads)->execute([&] {
    TaskThreadsScope scope(threads);
    body();
  });
}

TaskThreadsScope::TaskThreadsScope(int threads) : previous_(task_threads) {
  task_threads = threads;
}

TaskThreadsScope::~TaskThreadsScope() {
  task_threads = previous_;
}

}  // namespace detail
}  // namespace setl::engine

namespace setl::engine {

void parallel_for(size_t count, const std::function<void(size_t)>& body) {
  detail::parallel_for(count, body);
}

}  // namespace setl::engine
