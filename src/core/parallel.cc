#include "setl/core/parallel.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <exception>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "setl/core/error.h"
#include "setl/core/job_group.h"

namespace setl {

namespace {

// The first real failure, not the cancellations it caused in its siblings.
void rethrow_first_failure(const std::vector<std::exception_ptr>& errors) {
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

size_t thread_budget(size_t max_threads) {
  return max_threads == 0 ? std::max<size_t>(1, std::thread::hardware_concurrency()) : max_threads;
}

}  // namespace

void run_parallel(size_t count, size_t max_threads, const std::function<void(size_t)>& task) {
  size_t num_threads = std::min(count, thread_budget(max_threads));
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
  rethrow_first_failure(errors);
}

void run_dag(const std::vector<std::vector<size_t>>& predecessors, size_t max_threads,
             const std::function<void(size_t)>& task, const std::function<void()>& on_failure,
             const std::function<bool()>& may_start) {
  size_t count = predecessors.size();
  std::vector<size_t> waiting(count);
  std::vector<std::vector<size_t>> successors(count);
  for (size_t i = 0; i < count; ++i) {
    waiting[i] = predecessors[i].size();
    for (size_t before : predecessors[i]) {
      if (before >= count) {
        throw StateError("run_dag: task " + std::to_string(i) + " waits for task " +
                         std::to_string(before) + ", which does not exist");
      }
      successors[before].push_back(i);
    }
  }
  std::vector<size_t> ready;
  for (size_t i = count; i-- > 0;) {
    if (waiting[i] == 0) {
      ready.push_back(i);
    }
  }
  {
    // A cycle leaves tasks that never become ready: find it before starting anything.
    std::vector<size_t> left = waiting;
    std::vector<size_t> stack = ready;
    size_t reached = 0;
    while (!stack.empty()) {
      size_t i = stack.back();
      stack.pop_back();
      ++reached;
      for (size_t next : successors[i]) {
        if (--left[next] == 0) {
          stack.push_back(next);
        }
      }
    }
    if (reached != count) {
      throw StateError("run_dag: the tasks' predecessors form a cycle");
    }
  }
  std::vector<std::exception_ptr> errors(count);
  std::mutex mutex;
  std::condition_variable changed;
  size_t finished = 0;
  size_t running = 0;
  bool failed = false;
  JobContext context = JobContext::capture();

  // A worker keeps one newly ready successor for itself: a chain runs on one thread
  // without waking another for every link.
  auto worker = [&] {
    JobContextScope scope(context);
    std::unique_lock lock(mutex);
    constexpr size_t kNone = static_cast<size_t>(-1);
    size_t mine = kNone;
    // Asked before every start, also when nothing runs, so it sees every crossing.
    auto admitted = [&] { return !may_start || may_start() || running == 0; };
    for (;;) {
      if (mine != kNone && !failed && !admitted()) {
        ready.push_back(mine);
        mine = kNone;
      }
      if (mine == kNone) {
        while (!failed && !(ready.empty() && finished == count) && (ready.empty() || !admitted())) {
          if (ready.empty()) {
            changed.wait(lock);
          } else {
            // Memory can fall while tasks run, not only when one finishes: look again soon.
            changed.wait_for(lock, std::chrono::milliseconds(5));
          }
        }
        if (ready.empty() || failed) {
          return;
        }
        mine = ready.back();
        ready.pop_back();
      } else if (failed) {
        return;
      }
      size_t i = mine;
      mine = kNone;
      ++running;
      lock.unlock();
      std::exception_ptr error;
      try {
        task(i);
      } catch (...) {
        error = std::current_exception();
      }
      bool first_failure = false;
      lock.lock();
      --running;
      ++finished;
      if (error) {
        errors[i] = error;
        first_failure = !failed;
        failed = true;
      } else {
        for (size_t next : successors[i]) {
          if (--waiting[next] == 0) {
            if (mine != kNone) {
              ready.push_back(next);
            } else {
              mine = next;
            }
          }
        }
      }
      if (!ready.empty() || finished == count || failed) {
        changed.notify_all();
      }
      if (first_failure && on_failure) {
        lock.unlock();
        on_failure();
        lock.lock();
      }
    }
  };
  size_t num_threads = std::min(count, thread_budget(max_threads));
  std::vector<std::thread> threads;
  for (size_t t = 1; t < num_threads; ++t) {
    threads.emplace_back(worker);
  }
  worker();
  for (std::thread& thread : threads) {
    thread.join();
  }
  rethrow_first_failure(errors);
}

}  // namespace setl
