// How many threads the engine's operators use. The default is every core; 1 runs
// everything on the calling thread.
#pragma once

#include <cstddef>
#include <functional>

namespace setl::engine {

/// Sets the worker count of the engine's task arena (0 = all cores).
void set_num_threads(int threads);
int num_threads();

/// Calls body(0) ... body(count - 1) on the engine's arena (morsel-parallel). The caller's
/// cancellation token is checked before each call and is current inside it; the first
/// exception stops the loop and is rethrown here.
void parallel_for(size_t count, const std::function<void(size_t)>& body);

}  // namespace setl::engine
