#include "setl/workflow/tiered_cache.h"

#include "setl/core/error.h"

namespace setl::workflow {

TieredCache::TieredCache(std::shared_ptr<CacheTier> memory, std::shared_ptr<CacheTier> disk)
    : memory_(std::move(memory)), disk_(std::move(disk)) {}

std::vector<CacheTier*> TieredCache::tiers(CacheMode mode, const TypeInfo& type) const {
  std::vector<CacheTier*> selected;
  if (uses_memory(mode) && memory_ && memory_->can_store(type)) {
    selected.push_back(memory_.get());
  }
  if (uses_disk(mode) && disk_ && disk_->can_store(type)) {
    selected.push_back(disk_.get());
  }
  return selected;
}

std::string TieredCache::refusal(CacheMode mode, const TypeInfo& type) const {
  if (uses_disk(mode) && disk_ && !disk_->can_store(type)) {
    return "no codec for " + type.name() + " in the disk cache";
  }
  if (uses_memory(mode) && memory_ && !memory_->can_store(type)) {
    return "the memory cache cannot hold " + type.name();
  }
  return {};
}

bool TieredCache::contains(CacheMode mode, const std::string& key, const TypeInfo& type) const {
  for (CacheTier* tier : tiers(mode, type)) {
    if (tier->contains(key, type)) {
      return true;
    }
  }
  return false;
}

TieredCache::Found TieredCache::load(
    CacheMode mode, const std::string& key, const TypeInfo& type, std::chrono::milliseconds ttl,
    const CacheKeyParts& parts,
    const std::function<int64_t(const std::shared_ptr<const void>&)>& bytes_of) {
  std::vector<CacheTier*> selected = tiers(mode, type);
  for (size_t i = 0; i < selected.size(); ++i) {
    std::shared_ptr<const void> payload = selected[i]->load(key, type);
    if (!payload) {
      continue;
    }
    for (size_t upper = 0; upper < i; ++upper) {
      selected[upper]->store(key, {payload, &type, bytes_of(payload), ttl}, parts);
    }
    return {std::move(payload), selected[i]->tier_name()};
  }
  return {};
}

std::vector<std::string> TieredCache::store(CacheMode mode, const std::string& key,
                                            const CachedValue& value, const CacheKeyParts& parts) {
  std::vector<std::string> failures;
  for (CacheTier* tier : tiers(mode, *value.type)) {
    try {
      tier->store(key, value, parts);
    } catch (const CancelledError&) {
      throw;
    } catch (const std::exception& error) {
      failures.push_back(std::string(tier->tier_name()) + ": " + error.what());
    }
  }
  return failures;
}

std::optional<CacheKeyParts> TieredCache::last_parts(const std::string& factory) const {
  for (const std::shared_ptr<CacheTier>& tier : {memory_, disk_}) {
    if (tier) {
      if (std::optional<CacheKeyParts> parts = tier->last_parts(factory)) {
        return parts;
      }
    }
  }
  return std::nullopt;
}

}  // namespace setl::workflow
