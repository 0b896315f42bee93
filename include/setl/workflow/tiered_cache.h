// The result cache as the pipeline sees it: the tiers a factory's CacheMode selects,
// asked in order — memory first, then disk — through the one CacheTier interface that
// ResultCache and DiskCache implement (result_cache.h), a disk hit promoted into memory.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "setl/core/type_name.h"
#include "setl/workflow/result_cache.h"

namespace setl::workflow {

class TieredCache {
 public:
  TieredCache() = default;
  /// Either tier may be null.
  TieredCache(std::shared_ptr<CacheTier> memory, std::shared_ptr<CacheTier> disk);

  /// The tiers `mode` uses that are present and can hold `type`.
  std::vector<CacheTier*> tiers(CacheMode mode, const TypeInfo& type) const;
  bool empty() const noexcept { return !memory_ && !disk_; }
  /// Why a tier that `mode` names and that is present cannot hold `type` ("no codec for
  /// T in the disk cache"); empty when it can, or when the tier is simply absent.
  std::string refusal(CacheMode mode, const TypeInfo& type) const;

  bool contains(CacheMode mode, const std::string& key, const TypeInfo& type) const;

  struct Found {
    std::shared_ptr<const void> payload;
    std::string_view tier;  ///< which tier had it
  };
  /// Looks in each tier in order. A hit in a lower tier is stored in the upper ones with
  /// the size `bytes_of` gives for the payload.
  Found load(CacheMode mode, const std::string& key, const TypeInfo& type,
             std::chrono::milliseconds ttl, const CacheKeyParts& parts,
             const std::function<int64_t(const std::shared_ptr<const void>&)>& bytes_of);

  /// Stores in every tier of `mode`; returns "tier: reason" for each tier that failed
  /// (the cache is an optimisation: a failure costs a recomputation, not the run).
  std::vector<std::string> store(CacheMode mode, const std::string& key, const CachedValue& value,
                                 const CacheKeyParts& parts);

  /// The latest key parts of a factory from the first tier that has them.
  std::optional<CacheKeyParts> last_parts(const std::string& factory) const;

 private:
  std::shared_ptr<CacheTier> memory_;
  std::shared_ptr<CacheTier> disk_;
};

}  // namespace setl::workflow
