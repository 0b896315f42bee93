// A factory's result-cache key, as its own unit: what goes in (name, code_version(),
// cache_parameters(), output type, source fingerprints, and one key per input — an
// upstream factory's key, an external input's or a source's fingerprint, an auto-load's
// source fingerprint and condition, a depends_on factory's key), whether the result is
// cacheable at all, and, for a miss, what changed since the factory's last entry.
#pragma once

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "setl/workflow/result_cache.h"

namespace setl::workflow {

/// What a key is made of, before hashing.
struct CacheKeyInputs {
  std::string factory;
  std::string code_version;
  std::string parameters;
  std::string output_type;
  /// Fingerprints of what the factory reads besides its deliveries; nullopt: unknown.
  std::optional<std::vector<std::string>> sources;
  /// (label, key) per input, in declaration order, then order-only dependencies; an
  /// empty key marks an input without a version.
  std::vector<std::pair<std::string, std::string>> inputs;
  /// Why the result cannot be cached even with all of the above (e.g. it read resources
  /// through context()); empty when there is no such reason.
  std::string veto;
};

/// Hashes the inputs into CacheKeyParts; `key` stays empty when something has no version.
CacheKeyParts make_cache_key(const CacheKeyInputs& inputs);

/// The hash of every part, versioned or not (the result-cache key when all are): what a
/// run journal records to tell whether a factory's work changed between runs.
std::string identity_key(const CacheKeyParts& parts);
/// Why `parts` has no key, for people ("source fingerprints unknown: ...; input 'x' ...").
std::string uncacheable_reason(const CacheKeyParts& parts);

/// What differs between a factory's key now and its latest entry, for a miss.
std::string explain_miss(const CacheKeyParts& now, const std::optional<CacheKeyParts>& before);

}  // namespace setl::workflow
