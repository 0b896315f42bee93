// A text test compiled once from its constant pattern (LIKE, contains, starts_with,
// ends_with): LIKE patterns made of literal pieces and % run as prefix, suffix and memmem
// searches instead of the general backtracking match (private to the engine).
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace setl::engine::detail {

/// SQL LIKE with % (any run) and _ (one code point), case-sensitive, no escape character.
bool like_match(std::string_view text, std::string_view pattern);

class TextMatcher {
 public:
  enum class Kind { kLike, kContains, kStartsWith, kEndsWith };

  TextMatcher(Kind kind, std::string_view pattern);

  bool matches(std::string_view text) const;

 private:
  // The text must start with prefix_, end with suffix_, and hold middle_ in order between.
  bool matches_pieces(std::string_view text) const;

  std::string pattern_;
  bool general_ = false;  // a LIKE pattern with _: the backtracking match
  bool exact_ = false;    // no % at all: the text equals prefix_
  std::string prefix_;
  std::string suffix_;
  std::vector<std::string> middle_;
};

}  // namespace setl::engine::detail
