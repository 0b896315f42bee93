// "Did you mean ...?" for error messages: the candidate closest to a misspelt name.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace setl {

/// Levenshtein distance between two strings (bytes), case-sensitive.
size_t edit_distance(std::string_view a, std::string_view b);

/// Returns the candidate nearest to `word` if it is close enough to be a likely typo
/// (distance at most max(1, |word| / 3)), comparing case-insensitively first.
std::optional<std::string> closest_match(std::string_view word,
                                         const std::vector<std::string>& candidates);

}  // namespace setl
