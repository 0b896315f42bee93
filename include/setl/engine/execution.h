// How many threads the engine's operators use. The process default is every core; work
// under a MemoryContext with `threads` set (a pipeline run's `engine.threads`, or a
// MemoryContextScope) uses that many instead. 1 runs everything on the calling thread.
#pragma once

#include <cstddef>
#include <functional>

namespace setl::engine {

/// Sets the process default thread count (0 = all cores).
void set_num_threads(int threads);
/// The thread count work started on this thread uses: the current MemoryContext's
/// `threads` if set, else the process default.
int num_threads();

/// Calls body(0) ... body(count - 1) on the engine's arena (morsel-parallel). The caller's
/// cancellation token is checked before each call and is current inside it; the first
/// exception stops the loop and is rethrown here.
void parallel_for(size_t count, const std::function<void(size_t)>& body);

}  // namespace setl::engine
