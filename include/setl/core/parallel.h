// Runs a fixed set of independent tasks on a few threads, for coarse-grained work such as
// the factories of a parallel stage. (Fine-grained data parallelism belongs to the
// engine's TBB arena, not here.)
#pragma once

#include <cstddef>
#include <functional>
#include <vector>

namespace setl {

/// Calls task(0) ... task(count - 1) on up to `max_threads` threads (the caller's thread is
/// one of them) and returns when all started tasks have finished. After a task throws, no
/// new task starts; the exception of the lowest-numbered failed task is rethrown, preferring a
/// real failure over the CancelledErrors it may have caused in the other tasks.
/// `max_threads` 0 means std::thread::hardware_concurrency().
void run_parallel(size_t count, size_t max_threads, const std::function<void(size_t)>& task);

/// Calls task(i) for every i < predecessors.size(), each once all of predecessors[i] have
/// returned, on up to `max_threads` threads (the caller's among them; 0: one per core);
/// independent tasks run concurrently. After a task throws, no new task starts and
/// `on_failure` runs once (to cancel the running ones); the first real failure is
/// rethrown as in run_parallel. Throws: StateError if the predecessors form a cycle or
/// name a task that does not exist.
///
/// With `may_start`, a ready task starts only while may_start() is true or no task runs
/// (so the run always progresses); it is asked with the scheduler's lock held before
/// every start and every few milliseconds while tasks wait (admission control: memory
/// thresholds).
void run_dag(const std::vector<std::vector<size_t>>& predecessors, size_t max_threads,
             const std::function<void(size_t)>& task, const std::function<void()>& on_failure = {},
             const std::function<bool()>& may_start = {});

}  // namespace setl
