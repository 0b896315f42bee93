#include "setl/core/memory_context.h"

#include <mutex>

namespace setl {
namespace {

std::mutex default_mutex;
std::shared_ptr<const MemoryContext> default_context = std::make_shared<MemoryContext>();
thread_local const MemoryContext* scoped = nullptr;
// Keeps the default this thread last read alive while it uses it.
thread_local std::shared_ptr<const MemoryContext> default_seen;

}  // namespace

const MemoryContext& current_memory_context() {
  if (scoped != nullptr) {
    return *scoped;
  }
  std::lock_guard lock(default_mutex);
  default_seen = default_context;
  return *default_seen;
}

void set_default_memory_context(MemoryContext context) {
  std::lock_guard lock(default_mutex);
  default_context = std::make_shared<MemoryContext>(std::move(context));
}

MemoryContextScope::MemoryContextScope(MemoryContext context)
    : previous_(scoped), context_(std::move(context)) {
  scoped = &context_;
}

MemoryContextScope::~MemoryContextScope() {
  scoped = previous_;
}

}  // namespace setl
