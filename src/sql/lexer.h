// SQL text as tokens (private to the SQL front end), and the one way its errors point
// into the text: line, column and a caret under the offending place.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace setl::sql::detail {

enum class TokenKind { kWord, kQuotedName, kNumber, kString, kSymbol, kEnd };

struct Token {
  TokenKind kind = TokenKind::kEnd;
  std::string text;   // a word as written, a string's or quoted name's value
  std::string lower;  // a word in lower case (keywords and names compare by it)
  size_t position = 0;
};

/// Splits `text` into tokens; `--` and `/* */` comments are skipped. Throws: ParseError
/// (with a caret) for an unterminated string, name or comment, or a stray character.
std::vector<Token> tokenize(std::string_view text);

/// "line L, column C: message" with the line's text and a caret under `position`.
std::string located(std::string_view text, size_t position, const std::string& message);

}  // namespace setl::sql::detail
