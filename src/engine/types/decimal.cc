#include "setl/engine/decimal.h"

#include <algorithm>
#include <array>
#include <cmath>

#include <fmt/format.h>

namespace setl::engine {
namespace {

constexpr std::array<int128, kMaxDecimalPrecision + 1> make_powers() {
  std::array<int128, kMaxDecimalPrecision + 1> powers{};
  int128 power = 1;
  for (size_t i = 0; i < powers.size(); ++i) {
    powers[i] = power;
    power = i + 1 < powers.size() ? power * 10 : power;
  }
  return powers;
}
constexpr std::array<int128, kMaxDecimalPrecision + 1> kPowers = make_powers();

int128 magnitude(int128 value) {
  return value < 0 ? -value : value;
}

}  // namespace

int128 pow10_int128(int exponent) {
  return kPowers[static_cast<size_t>(exponent)];
}

bool fits_precision(int128 unscaled, int precision) {
  // The most negative 128-bit value has no magnitude; it has 39 digits anyway.
  if (unscaled == -unscaled && unscaled != 0) {
    return false;
  }
  return magnitude(unscaled) < kPowers[static_cast<size_t>(precision)];
}

std::string format_decimal(int128 unscaled, int scale) {
  bool negative = unscaled < 0;
  // Digits of the magnitude, least significant first; unsigned so the minimum value works.
  uint128 rest =
      negative ? uint128{0} - static_cast<uint128>(unscaled) : static_cast<uint128>(unscaled);
  std::string digits;
  do {
    digits.push_back(static_cast<char>('0' + static_cast<int>(rest % 10)));
    rest /= 10;
  } while (rest != 0);
  while (static_cast<int>(digits.size()) <= scale) {
    digits.push_back('0');
  }
  std::string text = negative ? "-" : "";
  for (size_t i = digits.size(); i-- > 0;) {
    text.push_back(digits[i]);
    if (scale > 0 && i == static_cast<size_t>(scale)) {
      text.push_back('.');
    }
  }
  return text;
}

bool parse_decimal(std::string_view text, int precision, int scale, int128& unscaled) {
  auto blank = [](char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; };
  while (!text.empty() && blank(text.front())) {
    text.remove_prefix(1);
  }
  while (!text.empty() && blank(text.back())) {
    text.remove_suffix(1);
  }
  size_t pos = 0;
  bool negative = false;
  if (pos < text.size() && (text[pos] == '+' || text[pos] == '-')) {
    negative = text[pos] == '-';
    ++pos;
  }
  // The first 38 significant digits are gathered into `value` (the next one rounds) with
  // `exponent` tracking where the decimal point falls, clamped far beyond any scale so a
  // hostile run of digits cannot overflow it.
  constexpr int kExponentLimit = 1'000'000;
  int128 value = 0;
  int kept = 0;            // digits accumulated in value
  int exponent = 0;        // value * 10^exponent is the number read so far
  int first_dropped = -1;  // the first digit that did not fit: half away from zero
  bool any_digit = false;
  bool after_point = false;
  for (; pos < text.size(); ++pos) {
    char c = text[pos];
    if (c == '.' && !after_point) {
      after_point = true;
      continue;
    }
    if (c < '0' || c > '9') {
      break;
    }
    any_digit = true;
    int digit = c - '0';
    if (kept == 0 && digit == 0) {
      exponent = std::max(exponent - (after_point ? 1 : 0), -kExponentLimit);
      continue;
    }
    if (kept < kMaxDecimalPrecision) {  // 38 digits always fit in 128 bits
      value = value * 10 + digit;
      ++kept;
      exponent -= after_point ? 1 : 0;
    } else {
      if (first_dropped < 0) {
        first_dropped = digit;
      }
      exponent = std::min(exponent + (after_point ? 0 : 1), kExponentLimit);
    }
  }
  if (!any_digit) {
    return false;
  }
  if (pos < text.size() && (text[pos] == 'e' || text[pos] == 'E')) {
    ++pos;
    bool exponent_negative = false;
    if (pos < text.size() && (text[pos] == '+' || text[pos] == '-')) {
      exponent_negative = text[pos] == '-';
      ++pos;
    }
    int64_t shift = 0;
    bool any = false;
    for (; pos < text.size() && text[pos] >= '0' && text[pos] <= '9'; ++pos) {
      shift = std::min<int64_t>(shift * 10 + (text[pos] - '0'), 100000);
      any = true;
    }
    if (!any) {
      return false;
    }
    exponent = std::clamp(exponent + static_cast<int>(exponent_negative ? -shift : shift),
                          -kExponentLimit, kExponentLimit);
  }
  if (pos != text.size()) {
    return false;
  }
  if (value == 0) {
    unscaled = 0;
    return true;
  }
  // Bring value * 10^exponent to value' * 10^-scale.
  int shift = exponent + scale;
  if (shift > 0) {
    if (shift > kMaxDecimalPrecision) {
      return false;
    }
    if (__builtin_mul_overflow(value, kPowers[static_cast<size_t>(shift)], &value)) {
      return false;
    }
  } else if (shift < 0) {
    int drop = -shift;
    if (drop > kMaxDecimalPrecision) {  // value < 10^38: every digit goes, none rounds up
      first_dropped = 0;
      value = 0;
    } else {
      int128 divisor = kPowers[static_cast<size_t>(drop)];
      first_dropped = static_cast<int>(value % divisor / (divisor / 10));
      value /= divisor;
    }
  }
  if (first_dropped >= 5) {
    value += 1;
  }
  unscaled = negative ? -value : value;
  return fits_precision(unscaled, precision);
}

bool rescale_decimal(int128 unscaled, int from, int to, int precision, int128& result) {
  if (to >= from) {
    if (to - from > kMaxDecimalPrecision ||
        __builtin_mul_overflow(unscaled, kPowers[static_cast<size_t>(to - from)], &result)) {
      return false;
    }
  } else {
    int128 divisor = kPowers[static_cast<size_t>(from - to)];
    int128 quotient = unscaled / divisor;
    int128 remainder = magnitude(unscaled % divisor);
    if (remainder * 2 >= divisor) {
      quotient += unscaled < 0 ? -1 : 1;
    }
    result = quotient;
  }
  return fits_precision(result, precision);
}

double decimal_to_double(int128 unscaled, int scale) {
  // Exact when the unscaled value and the power of ten are both exact doubles.
  return static_cast<double>(unscaled) / static_cast<double>(kPowers[static_cast<size_t>(scale)]);
}

std::optional<WrittenDecimal> decimal_as_written(double value) {
  std::string text = fmt::format("{}", value);
  if (text.find_first_not_of("-0123456789.") != std::string::npos) {
    return std::nullopt;
  }
  size_t point = text.find('.');
  WrittenDecimal written;
  written.scale = point == std::string::npos ? 0 : static_cast<int>(text.size() - point - 1);
  if (written.scale > kMaxDecimalPrecision ||
      !parse_decimal(text, kMaxDecimalPrecision, written.scale, written.unscaled)) {
    return std::nullopt;
  }
  int digits = 1;
  for (int128 rest = magnitude(written.unscaled); rest >= 10; rest /= 10) {
    ++digits;
  }
  written.precision = std::max(digits, written.scale);
  return written;
}

bool decimal_from_double(double value, int precision, int scale, int128& unscaled) {
  if (!std::isfinite(value) || std::fabs(value) >= 1e39) {
    return false;
  }
  // The shortest text that reads back as `value` is what the user wrote (0.05, not
  // 0.05000000000000000277); it then converts exactly.
  return parse_decimal(fmt::format("{}", value), precision, scale, unscaled);
}

}  // namespace setl::engine
