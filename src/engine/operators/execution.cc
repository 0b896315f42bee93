#include "setl/engine/execution.h"

#include <atomic>
#include <exception>
#include <memory>
#include <mutex>
#include <thread>

#include <oneapi/tbb/parallel_for.h>
#include <oneapi/tbb/task_arena.h>

#include "engine/operators/parallel.h"
#include "setl/core/cancellation.h"
#include "setl/core/job_group.h"

namespace setl::engine {
namespace {

std::mutex arena_mutex;
int configured_threads = 0;
std::shared_ptr<tbb::task_arena> shared_arena;

std::shared_ptr<tbb::task_arena> arena() {
  std::lock_guard lock(arena_mutex);
  if (!shared_arena) {
    int threads = configured_threads > 0
                      ? configured_threads
                      : static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
    shared_arena = std::make_shared<tbb::task_arena>(threads);
  }
  return shared_arena;
}

}  // namespace

void set_num_threads(int threads) {
  std::lock_guard lock(arena_mutex);
  configured_threads = threads < 0 ? 0 : threads;
  shared_arena.reset();
}

int num_threads() {
  return arena()->max_concurrency();
}

namespace detail {

void parallel_for(size_t count, const std::function<void(size_t)>& body) {
  CancellationToken token = current_cancellation();
  JobContext context = JobContext::capture();  // tasks run in the caller's job group
  if (count == 0) {
    return;
  }
  std::shared_ptr<tbb::task_arena> workers = arena();
  if (count == 1 || workers->max_concurrency() == 1) {
    for (size_t i = 0; i < count; ++i) {
      token.check();
      body(i);
    }
    return;
  }
  std::exception_ptr error;
  std::mutex error_mutex;
  std::atomic<bool> failed{false};
  workers->execute([&] {
    tbb::parallel_for(tbb::blocked_range<size_t>(0, count, 1),
                      [&](const tbb::blocked_range<size_t>& range) {
                        for (size_t i = range.begin(); i != range.end(); ++i) {
                          if (failed.load(std::memory_order_relaxed)) {
                            return;
                          }
                          try {
                            JobContextScope scope(context);
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
  arena()->execute(body);
}

}  // namespace detail
}  // namespace setl::engine

namespace setl::engine {

void parallel_for(size_t count, const std::function<void(size_t)>& body) {
  detail::parallel_for(count, body);
}

}  // namespace setl::engine
