// Numbers read from text that came from outside (a file name, a schema, a config value).
// std::stoi and friends throw std::invalid_argument or std::out_of_range, which are not
// setl errors and so reach users as crashes; these answer nullopt instead, and read the
// whole text or nothing.
//
//   if (auto scale = setl::parse_number<int>(digits)) { ... }
#pragma once

#include <charconv>
#include <concepts>
#include <optional>
#include <string_view>

namespace setl {

/// The whole of `text` as a T (no sign for unsigned types, no spaces, no "+"), or nullopt
/// when it is not one or does not fit. `base` applies to integers only.
template <class T>
requires std::integral<T> || std::floating_point<T> std::optional<T> parse_number(
    std::string_view text, int base = 10) {
  T value{};
  const char* end = text.data() + text.size();
  std::from_chars_result result{};
  if constexpr (std::integral<T>) {
    result = std::from_chars(text.data(), end, value, base);
  } else {
    result = std::from_chars(text.data(), end, value);
  }
  if (text.empty() || result.ec != std::errc() || result.ptr != end) {
    return std::nullopt;
  }
  return value;
}

}  // namespace setl
