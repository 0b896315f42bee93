#include "setl/core/parallel.h"

#include <algorithm>
#include <atomic>
#include <exception>
#include <thread>
#include <vector>

#include "setl/core/error.h"
#include "setl/core/job_group.h"

namespace setl {

void run_parallel(size_t count, size_t max_threads, const std::function<void(size_t)>& task) {
  if (max_threads == 0) {
    max_threads = std::max<size_t>(1, std::thread::hardware_concurrency());
  }
  size_t num_threads = std::min(count, max_threads);
  std::vector<std::exception_ptr> errors(count);
  std::atomic<size_t> next{0};
  std::atomic<bool> failed{false};
  JobContext context = JobContext::capture();  // workers run in the caller's job group

  auto worker = [&] {
    JobContextScope scope(context);
    while (!failed.load(std::memory_order_acquire)) {
      size_t index = next.fetch_add(1, std::memory_order_relaxed);
      if (index >= count) {
        return;
      }
      try {
        task(index);
      } catch (...) {
        errors[index] = std::current_exception();
        failed.store(true, std::memory_order_release);
      }
    }
  };

  std::vector<std::thread> threads;
  threads.reserve(num_threads > 0 ? num_threads - 1 : 0);
  for (size_t i = 1; i < num_threads; ++i) {
    threads.emplace_back(worker);
  }
  worker();
  for (std::thread& thread : threads) {
    thread.join();
  }
  // The first real failure, not the cancellations it caused in its siblings.
  std::exception_ptr first;
  for (const std::exception_ptr& error : errors) {
    if (!error) {
      continue;
    }
    try {
      std::rethrow_exception(error);
    } catch (const CancelledError&) {
      first = first ? first : error;
    } catch (...) {
      std::rethrow_exception(error);
    }
  }
  if (first) {
    std::rethrow_exception(first);
  }
}

}  // namespace setl
