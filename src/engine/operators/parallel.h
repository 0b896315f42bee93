// Morsel-parallel loops on the engine's oneTBB arena (private to the engine). The caller's
// cancellation token is captured and checked before every morsel; the first exception
// stops the loop and is rethrown on the calling thread.
#pragma once

#include <cstddef>
#include <functional>

namespace setl::engine::detail {

void parallel_for(size_t count, const std::function<void(size_t)>& body);

/// Runs `body` inside the engine's arena (tasks it spawns run on the engine's workers).
void in_arena(const std::function<void()>& body);

}  // namespace setl::engine::detail
