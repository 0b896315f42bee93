// Result caching: a factory whose name, code_version(), cache_parameters(), source
// fingerprints and inputs' keys are unchanged hands over its earlier output without
// reading or processing. Keys chain down the DAG (a factory's key contains its inputs'
// keys), so a change anywhere upstream invalidates exactly what depends on it.
//
//   auto cache = std::make_shared<setl::workflow::ResultCache>(512 << 20);  // 512 MiB
//   pipeline.set_cache(cache);
//   orders.set_cache_policy({.mode = CacheMode::kMemory, .ttl = std::chrono::hours(24)});
//   pipeline.run();                    // computes and remembers
//   pipeline.run();                    // hands over the remembered outputs
//   pipeline.cache_report();           // per factory: hit or miss, and why
//
// Bump code_version() whenever a factory's logic changes. External inputs need a
// fingerprint (InputOptions::fingerprint) and factories reading connectors should return
// the connectors' fingerprints from source_fingerprints(); without them their consumers
// are never served from the cache.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <list>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "setl/core/clock.h"
#include "setl/core/type_name.h"

namespace setl::workflow {

enum class CacheMode {
  kOff,            ///< always compute (the default)
  kMemory,         ///< keep outputs in the pipeline's ResultCache
  kDisk,           ///< keep outputs in the pipeline's DiskCache (needs a codec for the type)
  kMemoryAndDisk,  ///< both: memory first, then disk
};
inline bool uses_memory(CacheMode mode) {
  return mode == CacheMode::kMemory || mode == CacheMode::kMemoryAndDisk;
}
inline bool uses_disk(CacheMode mode) {
  return mode == CacheMode::kDisk || mode == CacheMode::kMemoryAndDisk;
}
/// "off", "memory", "disk", "memory+disk" (also "memory_and_disk"). Throws: ConfigError.
CacheMode parse_cache_mode(std::string_view name);

struct CachePolicy {
  CacheMode mode = CacheMode::kOff;
  /// How long an entry serves; zero means until evicted.
  std::chrono::milliseconds ttl{0};
};

/// What went into a factory's cache key, kept so that a miss can say what changed.
struct CacheKeyParts {
  std::string factory;
  std::string code_version;
  std::string parameters;
  std::string output_type;
  std::vector<std::string> sources;                         ///< source fingerprints
  std::vector<std::pair<std::string, std::string>> inputs;  ///< (input, its key)
  std::string veto;  ///< a reason not to cache whatever the rest says (not stored)
  std::string key;   ///< hash of all the above; empty when not cacheable
};

/// A stable 128-bit hash (two FNV-1a passes) as 32 hex digits.
std::string stable_hash(const std::string& text);

/// A value to keep: the payload, its type, its size in memory and how long it serves.
struct CachedValue {
  std::shared_ptr<const void> payload;
  const TypeInfo* type = nullptr;
  int64_t bytes = 0;
  std::chrono::milliseconds ttl{0};
};

/// One level of the result cache.
class CacheTier {
 public:
  virtual ~CacheTier() = default;
  virtual std::string_view tier_name() const noexcept = 0;
  /// Whether values of `type` can be kept here at all (the disk needs a codec).
  virtual bool can_store(const TypeInfo& type) const = 0;
  /// True if an unexpired entry of `type` is under `key`; reads no payload.
  virtual bool contains(const std::string& key, const TypeInfo& type) const = 0;
  /// The payload under `key` if present, of `type`, unexpired and intact; else null.
  virtual std::shared_ptr<const void> load(const std::string& key, const TypeInfo& type) = 0;
  /// Keeps a value. Throws: IoError and the like when the tier cannot.
  virtual void store(const std::string& key, const CachedValue& value,
                     const CacheKeyParts& parts) = 0;
  /// The key parts of a factory's most recent entry, for explaining misses.
  virtual std::optional<CacheKeyParts> last_parts(const std::string& factory) const = 0;
};

/// In-memory results, least recently used first out when over the byte budget. Shared by
/// every pipeline that is given it; thread-safe. Its CacheTier face is in tiered_cache.h.
class ResultCache : public CacheTier {
 public:
  /// `clock` decides when entries with a TTL expire (a ManualClock in tests).
  explicit ResultCache(int64_t max_bytes = int64_t{1} << 30,
                       std::shared_ptr<const Clock> clock = real_clock());

  // CacheTier
  std::string_view tier_name() const noexcept override { return "memory"; }
  bool can_store(const TypeInfo&) const override { return true; }
  std::shared_ptr<const void> load(const std::string& key, const TypeInfo& type) override;
  void store(const std::string& key, const CachedValue& value, const CacheKeyParts& parts) override;

  struct Entry {
    std::shared_ptr<const void> payload;
    const TypeInfo* type = nullptr;
    int64_t bytes = 0;
    std::chrono::steady_clock::time_point created;
    std::chrono::milliseconds ttl{0};
  };

  /// True if an unexpired entry of `type` is stored under `key` (changes nothing).
  bool contains(const std::string& key, const TypeInfo& type) const override;
  /// The entry for `key`, if present and not expired (expired entries are dropped).
  std::optional<Entry> find(const std::string& key);
  /// Stores (or replaces) an entry, evicting the least recently used beyond the budget.
  /// An entry larger than the whole budget is not kept.
  void store(const std::string& key, Entry entry, const CacheKeyParts& parts);
  /// The key parts a factory had at its latest store, for explaining misses.
  std::optional<CacheKeyParts> last_parts(const std::string& factory) const override;
  /// Drops the entries of one factory (all keys it stored).
  void invalidate(const std::string& factory);
  /// Drops least recently used entries until at least `bytes` are freed (or none is
  /// left); returns the bytes freed. A run's memory budget calls it before operators
  /// have to spill.
  int64_t evict_bytes(int64_t bytes);
  void clear();

  struct Stats {
    int64_t entries = 0;
    int64_t bytes = 0;
    int64_t hits = 0;
    int64_t misses = 0;
    int64_t evictions = 0;
  };
  Stats stats() const;
  int64_t max_bytes() const noexcept { return max_bytes_; }

 private:
  struct Slot {
    Entry entry;
    std::string factory;
    std::list<std::string>::iterator position;  // in recency_, most recent first
  };
  void evict_locked();
  int64_t evict_oldest_locked();  // returns the bytes freed

  int64_t max_bytes_;
  std::shared_ptr<const Clock> clock_;
  mutable std::mutex mutex_;
  std::unordered_map<std::string, Slot> slots_;
  std::list<std::string> recency_;
  std::map<std::string, CacheKeyParts> last_parts_;
  Stats stats_;
};

/// One factory's outcome in the latest run.
struct CacheDecision {
  std::string factory;
  enum class Outcome { kOff, kUncacheable, kHit, kMiss, kSkipped } outcome = Outcome::kOff;
  std::string key;
  /// For a miss: what differs from the factory's latest entry ("code_version 'v1' → 'v2'",
  /// "input 'Orders' changed", "expired", "first run", ...); for uncacheable: why.
  std::string reason;
};
std::string_view to_string(CacheDecision::Outcome outcome);

}  // namespace setl::workflow
