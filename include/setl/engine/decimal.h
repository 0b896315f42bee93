// Exact decimal numbers: a decimal(p, s) value is an integer `unscaled` standing for
// unscaled / 10^s, with at most p digits (1 <= p <= 38, 0 <= s <= p). Columns hold the
// unscaled integers as little-endian two's complement 128-bit words, as Arrow's
// decimal128 does. These helpers are exact: every function that could lose a digit or
// overflow says so in its result instead.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace setl::engine {

__extension__ using int128 = __int128;
__extension__ using uint128 = unsigned __int128;

inline constexpr int kMaxDecimalPrecision = 38;

/// 10^exponent for 0 <= exponent <= 38.
int128 pow10_int128(int exponent);
/// Whether `unscaled` has at most `precision` digits.
bool fits_precision(int128 unscaled, int precision);

/// "-12.30" for (-1230, scale 2).
std::string format_decimal(int128 unscaled, int scale);
/// Parses "12.3", "-0.05", "1e3", "+7" into an unscaled value at `scale`, rounding half
/// away from zero past `scale` digits (surrounding blanks ignored); false if the text is
/// not a number or the result has more than `precision` digits.
bool parse_decimal(std::string_view text, int precision, int scale, int128& unscaled);

/// `unscaled` moved from scale `from` to scale `to` (rounding half away from zero when
/// digits are dropped); false on overflow of `precision` digits.
bool rescale_decimal(int128 unscaled, int from, int to, int precision, int128& result);
/// The nearest double (exact for up to 15 significant digits).
double decimal_to_double(int128 unscaled, int scale);
/// A float constant as its shortest text writes it: 0.05 is 5 at scale 2 in decimal(2,2),
/// 100.5 is decimal(4,1). nullopt for NaN, infinities, exponent notation (1e-07) and more
/// than 38 digits.
struct WrittenDecimal {
  int128 unscaled = 0;
  int precision = 1;
  int scale = 0;
};
std::optional<WrittenDecimal> decimal_as_written(double value);
/// The decimal nearest to `value` at `scale`; false for NaN, infinities and values of
/// more than `precision` digits.
bool decimal_from_double(double value, int precision, int scale, int128& unscaled);

}  // namespace setl::engine
