// Parsing of text cells into typed values, shared by casts and the text readers. Each
// function returns false (leaving `out` unspecified) when the whole text is not a value
// of the type; surrounding spaces are ignored.
#pragma once

#include <cstdint>
#include <string_view>

namespace setl::engine {

bool parse_int64(std::string_view text, int64_t& out);
bool parse_float64(std::string_view text, double& out);
/// true/false, yes/no, t/f, 1/0 in any case.
bool parse_bool(std::string_view text, bool& out);
/// "YYYY-MM-DD" to days since 1970-01-01, with calendar validation.
bool parse_date(std::string_view text, int32_t& out);
/// "YYYY-MM-DD", "YYYY-MM-DD HH:MM[:SS[.ffffff]]" (or 'T' between), optional trailing 'Z',
/// to microseconds since the epoch (UTC).
bool parse_timestamp(std::string_view text, int64_t& out);

/// True if `text` is well-formed UTF-8 (no truncated or stray continuation bytes).
bool is_valid_utf8(std::string_view text);

}  // namespace setl::engine
