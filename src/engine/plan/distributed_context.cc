#include <mutex>

#include "setl/engine/distributed.h"

namespace setl::engine {
namespace {

std::mutex default_mutex;
std::shared_ptr<const DistributedContext> default_context = std::make_shared<DistributedContext>();
thread_local const DistributedContext* scoped = nullptr;
thread_local std::shared_ptr<const DistributedContext> default_seen;

}  // namespace

const DistributedContext* current_distributed_context() {
  const DistributedContext* context = scoped;
  if (context == nullptr) {
    std::lock_guard lock(default_mutex);
    default_seen = default_context;
    context = default_seen.get();
  }
  return context->communicator != nullptr ? context : nullptr;
}

void set_default_distributed_context(DistributedContext context) {
  std::lock_guard lock(default_mutex);
  default_context = std::make_shared<DistributedContext>(context);
}

DistributedScope::DistributedScope(DistributedContext context)
    : previous_(scoped), context_(context) {
  scoped = &context_;
}

DistributedScope::~DistributedScope() {
  scoped = previous_;
}

}  // namespace setl::engine
