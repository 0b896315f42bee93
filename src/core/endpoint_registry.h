// What the registries of circuit breakers and connection pools share: options by name
// prefix, and statistics gathered without holding the registry's lock.
#pragma once

#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

namespace setl::detail {

/// The options configured for the longest prefix of `name` ("" matches every name), or the
/// defaults.
template <class Options>
Options options_for_prefix(const std::map<std::string, Options>& by_prefix,
                           const std::string& name) {
  Options options;
  size_t longest = 0;
  for (const auto& [prefix, configured] : by_prefix) {
    if (name.starts_with(prefix) && prefix.size() >= longest) {
      longest = prefix.size();
      options = configured;
    }
  }
  return options;
}

/// `stats()` of every entry, called after the lock is released (an entry takes its own).
template <class Stats, class Entry>
std::vector<Stats> gather_stats(std::mutex& mutex,
                                const std::map<std::string, std::shared_ptr<Entry>>& entries) {
  std::vector<std::shared_ptr<Entry>> copies;
  {
    std::lock_guard lock(mutex);
    for (const auto& [name, entry] : entries) {
      copies.push_back(entry);
    }
  }
  std::vector<Stats> all;
  for (const auto& entry : copies) {
    all.push_back(entry->stats());
  }
  return all;
}

}  // namespace setl::detail
