#include "setl/engine/parse_value.h"

#include <cctype>
#include <charconv>

#include "setl/engine/scalar.h"

namespace setl::engine {
namespace {

std::string_view strip(std::string_view text) {
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.front()))) {
    text.remove_prefix(1);
  }
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.back()))) {
    text.remove_suffix(1);
  }
  return text;
}

bool digits(std::string_view text, size_t at, size_t count, int64_t& out) {
  if (at + count > text.size()) {
    return false;
  }
  out = 0;
  for (size_t i = at; i < at + count; ++i) {
    if (!std::isdigit(static_cast<unsigned char>(text[i]))) {
      return false;
    }
    out = out * 10 + (text[i] - '0');
  }
  return true;
}

bool days_in_month_ok(int64_t year, int64_t month, int64_t day) {
  static const int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  if (month < 1 || month > 12 || day < 1) {
    return false;
  }
  bool leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
  int limit = kDays[month - 1] + (month == 2 && leap ? 1 : 0);
  return day <= limit;
}

}  // namespace

bool parse_int64(std::string_view text, int64_t& out) {
  text = strip(text);
  if (!text.empty() && text.front() == '+') {
    text.remove_prefix(1);
  }
  auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), out);
  return !text.empty() && error == std::errc() && end == text.data() + text.size();
}

bool parse_float64(std::string_view text, double& out) {
  text = strip(text);
  if (!text.empty() && text.front() == '+') {
    text.remove_prefix(1);
  }
  auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), out);
  return !text.empty() && error == std::errc() && end == text.data() + text.size();
}

bool parse_bool(std::string_view text, bool& out) {
  text = strip(text);
  std::string lower;
  for (char c : text) {
    lower += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  }
  if (lower == "true" || lower == "t" || lower == "yes" || lower == "1") {
    out = true;
    return true;
  }
  if (lower == "false" || lower == "f" || lower == "no" || lower == "0") {
    out = false;
    return true;
  }
  return false;
}

bool parse_date(std::string_view text, int32_t& out) {
  text = strip(text);
  int64_t year = 0;
  int64_t month = 0;
  int64_t day = 0;
  if (text.size() != 10 || text[4] != '-' || text[7] != '-' || !digits(text, 0, 4, year) ||
      !digits(text, 5, 2, month) || !digits(text, 8, 2, day) ||
      !days_in_month_ok(year, month, day)) {
    return false;
  }
  out = days_from_civil(year, static_cast<unsigned>(month), static_cast<unsigned>(day));
  return true;
}

bool parse_timestamp(std::string_view text, int64_t& out) {
  text = strip(text);
  if (!text.empty() && (text.back() == 'Z' || text.back() == 'z')) {
    text.remove_suffix(1);
  }
  int32_t days = 0;
  if (text.size() < 10 || !parse_date(text.substr(0, 10), days)) {
    return false;
  }
  int64_t micros = static_cast<int64_t>(days) * 86'400'000'000LL;
  if (text.size() == 10) {
    out = micros;
    return true;
  }
  int64_t hour = 0;
  int64_t minute = 0;
  int64_t second = 0;
  if ((text[10] != ' ' && text[10] != 'T') || text.size() < 16 || text[13] != ':' ||
      !digits(text, 11, 2, hour) || !digits(text, 14, 2, minute) || hour > 23 || minute > 59) {
    return false;
  }
  size_t at = 16;
  if (at < text.size()) {
    if (text[at] != ':' || !digits(text, at + 1, 2, second) || second > 59) {
      return false;
    }
    at += 3;
  }
  int64_t fraction = 0;
  if (at < text.size()) {
    if (text[at] != '.') {
      return false;
    }
    size_t count = text.size() - at - 1;
    if (count == 0 || count > 9 || !digits(text, at + 1, count, fraction)) {
      return false;
    }
    for (size_t i = count; i < 6; ++i) {
      fraction *= 10;
    }
    for (size_t i = 6; i < count; ++i) {
      fraction /= 10;
    }
  }
  out = micros + ((hour * 60 + minute) * 60 + second) * 1'000'000 + fraction;
  return true;
}

bool is_valid_utf8(std::string_view text) {
  size_t i = 0;
  while (i < text.size()) {
    unsigned char c = static_cast<unsigned char>(text[i]);
    if (c < 0x80) {
      ++i;
      continue;
    }
    size_t length = (c >> 5) == 0x6 ? 2 : (c >> 4) == 0xE ? 3 : (c >> 3) == 0x1E ? 4 : 0;
    if (length == 0 || i + length > text.size()) {
      return false;
    }
    for (size_t k = 1; k < length; ++k) {
      if ((static_cast<unsigned char>(text[i + k]) & 0xC0) != 0x80) {
        return false;
      }
    }
    i += length;
  }
  return true;
}

}  // namespace setl::engine
