// Runs a fixed set of independent tasks on a few threads, for coarse-grained work such as
// the factories of a parallel stage. (Fine-grained data parallelism belongs to the
// engine's TBB arena, not here.)
#pragma once

#include <cstddef>
#include <functional>

namespace setl {

/// Calls task(0) ... task(count - 1) on up to `max_threads` threads (the caller's thread is
/// one of them) and returns when all started tasks have finished. After a task throws, no
/// new task starts; the exception of the lowest-numbered failed task is rethrown, preferring a
/// real failure over the CancelledErrors it may have caused in the other tasks.
/// `max_threads` 0 means std::thread::hardware_concurrency().
void run_parallel(size_t count, size_t max_threads, const std::function<void(size_t)>& task);

}  // namespace setl
