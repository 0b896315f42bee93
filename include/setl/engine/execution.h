// How many threads the engine's operators use. The default is every core; 1 runs
// everything on the calling thread.
#pragma once

namespace setl::engine {

/// Sets the worker count of the engine's task arena (0 = all cores).
void set_num_threads(int threads);
int num_threads();

}  // namespace setl::engine
