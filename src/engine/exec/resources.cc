#include "setl/engine/resources.h"

#include <mutex>

namespace setl::engine {
namespace {

std::mutex default_mutex;
std::shared_ptr<const ExecutionResources> default_resources =
    std::make_shared<ExecutionResources>();
thread_local const ExecutionResources* scoped = nullptr;
// Keeps the default a thread last read alive while it uses it.
thread_local std::shared_ptr<const ExecutionResources> default_seen;

}  // namespace

const ExecutionResources& current_resources() {
  if (scoped != nullptr) {
    return *scoped;
  }
  std::lock_guard lock(default_mutex);
  default_seen = default_resources;
  return *default_seen;
}

void set_default_resources(ExecutionResources resources) {
  std::lock_guard lock(default_mutex);
  default_resources = std::make_shared<ExecutionResources>(std::move(resources));
}

ResourcesScope::ResourcesScope(ExecutionResources resources)
    : previous_(scoped), resources_(std::move(resources)) {
  scoped = &resources_;
}

ResourcesScope::~ResourcesScope() {
  scoped = previous_;
}

}  // namespace setl::engine
