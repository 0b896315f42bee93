// The disk tier of the result cache: one file per entry in a cache directory, indexed in
// SQLite (key, factory, created, last used, TTL, size, hits, the inputs' keys). Entries are
// written under a temporary name and renamed, carry a checksum, and are verified when
// read: a corrupt or truncated entry is logged, deleted and recomputed, never returned.
// Several processes can share one directory (SQLite locks the index; files appear whole).
//
// A type is stored through a Codec<T>; without one its factories stay in memory only.
// Built in: std::string, arithmetic types and std::vector of them (add_builtin_codecs());
// tables and datasets come from the storage layer (storage::add_table_codecs(), Parquet).
//
//   auto disk = std::make_shared<setl::workflow::DiskCache>(".setl-cache");
//   setl::storage::add_table_codecs(*disk);
//   pipeline.set_disk_cache(disk);
//   factory.set_cache_policy({.mode = CacheMode::kMemoryAndDisk, .ttl = std::chrono::hours(24)});
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <istream>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <ostream>
#include <string>
#include <type_traits>
#include <typeindex>
#include <vector>

#include "setl/core/clock.h"
#include "setl/core/type_name.h"
#include "setl/workflow/codecs.h"
#include "setl/workflow/deliverable.h"
#include "setl/workflow/result_cache.h"

namespace setl::workflow {

struct DiskCacheEntryInfo {
  std::string key;
  std::string factory;
  std::string type;
  std::chrono::system_clock::time_point created;
  std::chrono::system_clock::time_point last_used;
  std::chrono::milliseconds ttl{0};
  int64_t bytes = 0;
  int64_t hits = 0;
  std::vector<std::string> input_keys;
  bool expired = false;
};

class DiskCache : public CacheTier {
 public:
  /// Opens (creating) the directory and its index; `clock` stamps entries and decides
  /// when they expire (a ManualClock in tests). Throws: IoError.
  explicit DiskCache(std::filesystem::path directory,
                     std::shared_ptr<const Clock> clock = real_clock());
  ~DiskCache();
  DiskCache(const DiskCache&) = delete;
  DiskCache& operator=(const DiskCache&) = delete;

  const std::filesystem::path& directory() const noexcept { return directory_; }

  template <class T>
  void add_codec(std::shared_ptr<const Codec<T>> codec) {
    codecs_.add<T>(std::move(codec));
  }
  void add_codec_erased(const TypeInfo& type, std::shared_ptr<const CodecBase> codec) {
    codecs_.add_erased(type, std::move(codec));
  }
  /// Codecs for std::string, arithmetic types and std::vector of either.
  void add_builtin_codecs() { codecs_.add_builtin(); }
  CodecRegistry& codecs() noexcept { return codecs_; }
  bool can_store(const TypeInfo& type) const override;
  std::string_view tier_name() const noexcept override { return "disk"; }

  /// True if the index holds an unexpired entry of `type` under `key` (reads no file).
  bool contains(const std::string& key, const TypeInfo& type) const override;
  /// The value stored under `key` if present, of `type`, unexpired and intact.
  std::shared_ptr<const void> load(const std::string& key, const TypeInfo& type) override;
  void store(const std::string& key, const CachedValue& value,
             const CacheKeyParts& parts) override {
    store(key, value.payload, *value.type, value.ttl, parts);
  }
  /// Stores a value (replacing an entry with the same key). Throws: IoError.
  void store(const std::string& key, const std::shared_ptr<const void>& value, const TypeInfo& type,
             std::chrono::milliseconds ttl, const CacheKeyParts& parts);

  /// The key parts of a factory's most recent entry, for explaining misses.
  std::optional<CacheKeyParts> last_parts(const std::string& factory) const override;
  std::vector<DiskCacheEntryInfo> list() const;
  struct Stats {
    int64_t entries = 0;
    int64_t bytes = 0;
    int64_t hits = 0;
    int64_t expired = 0;
  };
  Stats stats() const;
  /// Removes a factory's entries; with `cascade`, also every entry computed from them
  /// (transitively). Returns the keys removed.
  std::vector<std::string> invalidate(const std::string& factory, bool cascade);
  /// Removes expired entries, then the least recently used until at most `max_bytes`
  /// remain (negative: no budget). Returns the number removed.
  int64_t gc(int64_t max_bytes = -1);
  /// Removes every entry.
  void clear();

 private:
  struct Index;
  std::filesystem::path entry_path(const std::string& key) const;
  void remove_entry(const std::string& key);

  int64_t now_ms() const;

  std::filesystem::path directory_;
  std::shared_ptr<const Clock> clock_;
  std::unique_ptr<Index> index_;
  mutable std::mutex mutex_;
  CodecRegistry codecs_;
};

}  // namespace setl::workflow
