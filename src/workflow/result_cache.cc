#include "setl/workflow/result_cache.h"

#include <fmt/format.h>

#include "setl/core/error.h"

namespace setl::workflow {

std::string stable_hash(const std::string& text) {
  auto fnv = [&](uint64_t hash) {
    for (unsigned char c : text) {
      hash ^= c;
      hash *= 0x100000001b3ull;
    }
    return hash;
  };
  return fmt::format("{:016x}{:016x}", fnv(0xcbf29ce484222325ull), fnv(0x84222325cbf29ce4ull));
}

CacheMode parse_cache_mode(std::string_view name) {
  if (name == "off")
    return CacheMode::kOff;
  if (name == "memory")
    return CacheMode::kMemory;
  if (name == "disk")
    return CacheMode::kDisk;
  if (name == "memory+disk" || name == "memory_and_disk")
    return CacheMode::kMemoryAndDisk;
  throw ConfigError("unknown cache mode '" + std::string(name) +
                    "'; expected off, memory, disk or memory+disk");
}

ResultCache::ResultCache(int64_t max_bytes, std::shared_ptr<const Clock> clock)
    : max_bytes_(max_bytes), clock_(clock ? std::move(clock) : real_clock()) {}

bool ResultCache::contains(const std::string& key, const TypeInfo& type) const {
  std::lock_guard lock(mutex_);
  auto it = slots_.find(key);
  if (it == slots_.end() || it->second.entry.type == nullptr || !(*it->second.entry.type == type)) {
    return false;
  }
  const Entry& entry = it->second.entry;
  return entry.ttl.count() == 0 || clock_->steady_now() - entry.created <= entry.ttl;
}

std::optional<ResultCache::Entry> ResultCache::find(const std::string& key) {
  std::lock_guard lock(mutex_);
  auto it = slots_.find(key);
  if (it == slots_.end()) {
    ++stats_.misses;
    return std::nullopt;
  }
  const Entry& entry = it->second.entry;
  if (entry.ttl.count() > 0 && clock_->steady_now() - entry.created > entry.ttl) {
    stats_.bytes -= entry.bytes;
    recency_.erase(it->second.position);
    slots_.erase(it);
    ++stats_.misses;
    return std::nullopt;
  }
  recency_.splice(recency_.begin(), recency_, it->second.position);
  ++stats_.hits;
  return entry;
}

void ResultCache::store(const std::string& key, Entry entry, const CacheKeyParts& parts) {
  std::lock_guard lock(mutex_);
  last_parts_[parts.factory] = parts;
  if (entry.bytes > max_bytes_) {
    return;
  }
  auto it = slots_.find(key);
  if (it != slots_.end()) {
    stats_.bytes -= it->second.entry.bytes;
    recency_.erase(it->second.position);
    slots_.erase(it);
  }
  recency_.push_front(key);
  stats_.bytes += entry.bytes;
  slots_.emplace(key, Slot{std::move(entry), parts.factory, recency_.begin()});
  evict_locked();
}

std::shared_ptr<const void> ResultCache::load(const std::string& key, const TypeInfo& type) {
  std::optional<Entry> entry = find(key);
  if (!entry || entry->type == nullptr || !(*entry->type == type)) {
    return nullptr;
  }
  return entry->payload;
}

void ResultCache::store(const std::string& key, const CachedValue& value,
                        const CacheKeyParts& parts) {
  store(key, Entry{value.payload, value.type, value.bytes, clock_->steady_now(), value.ttl}, parts);
}

void ResultCache::evict_locked() {
  while (stats_.bytes > max_bytes_ && !recency_.empty()) {
    evict_oldest_locked();
  }
}

int64_t ResultCache::evict_oldest_locked() {
  auto it = slots_.find(recency_.back());
  int64_t freed = it->second.entry.bytes;
  stats_.bytes -= freed;
  slots_.erase(it);
  recency_.pop_back();
  ++stats_.evictions;
  return freed;
}

int64_t ResultCache::evict_bytes(int64_t bytes) {
  std::lock_guard lock(mutex_);
  int64_t freed = 0;
  while (freed < bytes && !recency_.empty()) {
    freed += evict_oldest_locked();
  }
  return freed;
}

std::optional<CacheKeyParts> ResultCache::last_parts(const std::string& factory) const {
  std::lock_guard lock(mutex_);
  auto it = last_parts_.find(factory);
  if (it == last_parts_.end()) {
    return std::nullopt;
  }
  return it->second;
}

void ResultCache::invalidate(const std::string& factory) {
  std::lock_guard lock(mutex_);
  for (auto it = slots_.begin(); it != slots_.end();) {
    if (it->second.factory == factory) {
      stats_.bytes -= it->second.entry.bytes;
      recency_.erase(it->second.position);
      it = slots_.erase(it);
    } else {
      ++it;
    }
  }
  last_parts_.erase(factory);
}

void ResultCache::clear() {
  std::lock_guard lock(mutex_);
  slots_.clear();
  recency_.clear();
  last_parts_.clear();
  stats_.bytes = 0;
}

ResultCache::Stats ResultCache::stats() const {
  std::lock_guard lock(mutex_);
  Stats stats = stats_;
  stats.entries = static_cast<int64_t>(slots_.size());
  return stats;
}

std::string_view to_string(CacheDecision::Outcome outcome) {
  switch (outcome) {
    case CacheDecision::Outcome::kOff:
      return "off";
    case CacheDecision::Outcome::kUncacheable:
      return "uncacheable";
    case CacheDecision::Outcome::kHit:
      return "hit";
    case CacheDecision::Outcome::kMiss:
      return "miss";
    case CacheDecision::Outcome::kSkipped:
      return "skipped";
  }
  return "?";
}

}  // namespace setl::workflow
