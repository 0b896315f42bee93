// Morsel-parallel loops on the engine's oneTBB arenas (private to the engine). The caller's
// cancellation token is captured and checked before every morsel; the first exception
// stops the loop and is rethrown on the calling thread.
#pragma once

#include <cstddef>
#include <functional>

namespace setl::engine::detail {

void parallel_for(size_t count, const std::function<void(size_t)>& body);

/// Runs `body` inside the arena of num_threads() workers (tasks it spawns run there).
void in_arena(const std::function<void()>& body);

/// Makes num_threads() answer `threads` on this thread until destroyed: set on every task
/// the engine spawns, so nested parallel work keeps the count of the query that spawned it.
class TaskThreadsScope {
 public:
  explicit TaskThreadsScope(int threads);
  ~TaskThreadsScope();
  TaskThreadsScope(const TaskThreadsScope&) = delete;
  TaskThreadsScope& operator=(const TaskThreadsScope&) = delete;

 private:
  int previous_;
};

}  // namespace setl::engine::detail
