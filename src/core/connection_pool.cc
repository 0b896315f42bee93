#include "setl/core/connection_pool.h"

#include "endpoint_registry.h"

namespace setl {

void PoolOptions::validate() const {
  if (max_size < 1) {
    throw ConfigError("connection pool: max_size must be at least 1");
  }
  if (idle_timeout <= std::chrono::nanoseconds(0) ||
      acquire_timeout <= std::chrono::nanoseconds(0)) {
    throw ConfigError("connection pool: idle_timeout and acquire_timeout must be positive");
  }
}

PoolRegistry& PoolRegistry::global() {
  static PoolRegistry registry;
  return registry;
}

void PoolRegistry::configure(std::string prefix, PoolOptions options) {
  options.validate();
  std::lock_guard lock(mutex_);
  options_[std::move(prefix)] = options;
}

PoolOptions PoolRegistry::options_for(const std::string& endpoint) const {
  std::lock_guard lock(mutex_);
  return options_locked(endpoint);
}

PoolOptions PoolRegistry::options_locked(const std::string& endpoint) const {
  return detail::options_for_prefix(options_, endpoint);
}

std::vector<PoolStats> PoolRegistry::stats() const {
  return detail::gather_stats<PoolStats>(mutex_, pools_);
}

void PoolRegistry::close_idle() {
  std::vector<std::shared_ptr<PoolBase>> pools;
  {
    std::lock_guard lock(mutex_);
    for (const auto& [endpoint, pool] : pools_) {
      pools.push_back(pool);
    }
  }
  for (const auto& pool : pools) {
    pool->close_idle();
  }
}

}  // namespace setl
