#include "engine/functions/text_match.h"

#include <cstring>

namespace setl::engine::detail {
namespace {

bool is_continuation(unsigned char c) {
  return (c & 0xC0) == 0x80;
}

size_t next_code_point(std::string_view text, size_t at) {
  ++at;
  while (at < text.size() && is_continuation(static_cast<unsigned char>(text[at]))) {
    ++at;
  }
  return at;
}

// Where `needle` first occurs in `haystack`, or npos. memmem is the libc's vectorised search.
size_t find_piece(std::string_view haystack, std::string_view needle) {
  const void* found = memmem(haystack.data(), haystack.size(), needle.data(), needle.size());
  return found == nullptr ? std::string_view::npos
                          : static_cast<size_t>(static_cast<const char*>(found) - haystack.data());
}

}  // namespace

bool like_match(std::string_view text, std::string_view pattern) {
  size_t t = 0;
  size_t p = 0;
  size_t star_p = std::string_view::npos;
  size_t star_t = 0;
  while (t < text.size()) {
    if (p < pattern.size() && pattern[p] == '%') {
      star_p = p++;
      star_t = t;
    } else if (p < pattern.size() && pattern[p] == '_') {
      t = next_code_point(text, t);
      ++p;
    } else if (p < pattern.size() && pattern[p] == text[t]) {
      ++t;
      ++p;
    } else if (star_p != std::string_view::npos) {
      p = star_p + 1;
      star_t = next_code_point(text, star_t);
      t = star_t;
    } else {
      return false;
    }
  }
  while (p < pattern.size() && pattern[p] == '%') {
    ++p;
  }
  return p == pattern.size();
}

TextMatcher::TextMatcher(Kind kind, std::string_view pattern) : pattern_(pattern) {
  switch (kind) {
    case Kind::kContains:
      middle_.emplace_back(pattern);
      return;
    case Kind::kStartsWith:
      prefix_ = pattern;
      return;
    case Kind::kEndsWith:
      suffix_ = pattern;
      return;
    case Kind::kLike:
      break;
  }
  if (pattern.find('_') != std::string_view::npos) {
    general_ = true;
    return;
  }
  // Literal pieces between the %s; pieces are whole UTF-8 strings, so a byte match of one
  // always starts and ends on code point boundaries of the text.
  std::vector<std::string> pieces;
  size_t start = 0;
  while (true) {
    size_t percent = pattern.find('%', start);
    pieces.emplace_back(pattern.substr(start, percent - start));
    if (percent == std::string_view::npos) {
      break;
    }
    start = percent + 1;
  }
  if (pieces.size() == 1) {
    exact_ = true;
    prefix_ = pieces.front();
    return;
  }
  prefix_ = pieces.front();
  suffix_ = pieces.back();
  for (size_t i = 1; i + 1 < pieces.size(); ++i) {
    if (!pieces[i].empty()) {
      middle_.push_back(std::move(pieces[i]));
    }
  }
}

bool TextMatcher::matches(std::string_view text) const {
  if (general_) {
    return like_match(text, pattern_);
  }
  if (exact_) {
    return text == prefix_;
  }
  return matches_pieces(text);
}

bool TextMatcher::matches_pieces(std::string_view text) const {
  if (text.size() < prefix_.size() + suffix_.size() || !text.starts_with(prefix_) ||
      !text.ends_with(suffix_)) {
    return false;
  }
  // Greedy leftmost placement of each middle piece is optimal: any match leaves at least as
  // much room for the pieces after it.
  std::string_view rest =
      text.substr(prefix_.size(), text.size() - prefix_.size() - suffix_.size());
  for (const std::string& piece : middle_) {
    size_t at = find_piece(rest, piece);
    if (at == std::string_view::npos) {
      return false;
    }
    rest.remove_prefix(at + piece.size());
  }
  return true;
}

}  // namespace setl::engine::detail
