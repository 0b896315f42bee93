#include "sql/lexer.h"

#include <cctype>

#include "setl/core/error.h"

namespace setl::sql::detail {
namespace {

bool word_start(char c) {
  return std::isalpha(static_cast<unsigned char>(c)) || c == '_';
}
bool word_part(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) || c == '_';
}
bool digit(char c) {
  return std::isdigit(static_cast<unsigned char>(c)) != 0;
}

std::string lower_case(std::string_view text) {
  std::string out(text);
  for (char& c : out) {
    c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  }
  return out;
}

class Lexer {
 public:
  explicit Lexer(std::string_view text) : text_(text) {}

  std::vector<Token> run() {
    while (skip_space_and_comments()) {
      Token token;
      token.position = i_;
      char c = text_[i_];
      if (word_start(c)) {
        size_t start = i_;
        while (i_ < text_.size() && word_part(text_[i_])) {
          ++i_;
        }
        token.kind = TokenKind::kWord;
        token.text = std::string(text_.substr(start, i_ - start));
      } else if (digit(c) || (c == '.' && i_ + 1 < text_.size() && digit(text_[i_ + 1]))) {
        token.kind = TokenKind::kNumber;
        token.text = number();
      } else if (c == '\'' || c == '"') {
        token.kind = TokenKind::kString;
        token.text = quoted(c, "string");
      } else if (c == '`') {
        token.kind = TokenKind::kQuotedName;
        token.text = quoted(c, "quoted name");
      } else {
        token.kind = TokenKind::kSymbol;
        token.text = symbol();
      }
      token.lower = token.kind == TokenKind::kWord ? lower_case(token.text) : token.text;
      tokens_.push_back(std::move(token));
    }
    Token end;
    end.position = text_.size();
    tokens_.push_back(end);
    return std::move(tokens_);
  }

 private:
  [[noreturn]] void fail(size_t position, const std::string& message) const {
    throw ParseError(located(text_, position, message));
  }

  // False at the end of the text.
  bool skip_space_and_comments() {
    while (i_ < text_.size()) {
      if (std::isspace(static_cast<unsigned char>(text_[i_]))) {
        ++i_;
      } else if (text_.substr(i_, 2) == "--") {
        while (i_ < text_.size() && text_[i_] != '\n') {
          ++i_;
        }
      } else if (text_.substr(i_, 2) == "/*") {
        size_t end = text_.find("*/", i_ + 2);
        if (end == std::string_view::npos) {
          fail(i_, "unterminated comment starting here");
        }
        i_ = end + 2;
      } else {
        return true;
      }
    }
    return false;
  }

  std::string number() {
    size_t start = i_;
    while (i_ < text_.size() && (digit(text_[i_]) || text_[i_] == '.')) {
      ++i_;
    }
    if (i_ < text_.size() && (text_[i_] == 'e' || text_[i_] == 'E')) {
      size_t exponent = i_ + 1;
      if (exponent < text_.size() && (text_[exponent] == '+' || text_[exponent] == '-')) {
        ++exponent;
      }
      if (exponent < text_.size() && digit(text_[exponent])) {
        i_ = exponent;
        while (i_ < text_.size() && digit(text_[i_])) {
          ++i_;
        }
      }
    }
    // Spark's typed suffixes (10L, 1.5D, 2.0BD) are not part of this dialect: a letter
    // glued to a number is a mistake worth pointing at.
    if (i_ < text_.size() && word_start(text_[i_])) {
      fail(i_, "unexpected letter after the number '" +
                   std::string(text_.substr(start, i_ - start)) + "'");
    }
    return std::string(text_.substr(start, i_ - start));
  }

  // A doubled quote stands for itself; in strings a backslash escapes the next character.
  std::string quoted(char quote, const char* what) {
    size_t start = i_++;
    std::string value;
    while (true) {
      if (i_ >= text_.size()) {
        fail(start, std::string("unterminated ") + what + " starting here");
      }
      char c = text_[i_++];
      if (c == quote) {
        if (i_ < text_.size() && text_[i_] == quote) {
          value += quote;
          ++i_;
          continue;
        }
        return value;
      }
      if (c == '\\' && quote != '`' && i_ < text_.size()) {
        char escaped = text_[i_++];
        value += escaped == 'n' ? '\n' : escaped == 't' ? '\t' : escaped == 'r' ? '\r' : escaped;
        continue;
      }
      value += c;
    }
  }

  std::string symbol() {
    static constexpr std::string_view kTwoCharacter[] = {
        "<=", ">=", "<>", "!=", "||", "==", "::", "<=>"};
    if (text_.substr(i_, 3) == "<=>") {
      i_ += 3;
      return "<=>";
    }
    for (std::string_view candidate : kTwoCharacter) {
      if (text_.substr(i_, candidate.size()) == candidate) {
        i_ += candidate.size();
        return std::string(candidate);
      }
    }
    char c = text_[i_];
    static constexpr std::string_view kSingle = "(),.;*+-/%=<>";
    if (kSingle.find(c) == std::string_view::npos) {
      fail(i_, std::string("unexpected character '") + c + "'");
    }
    ++i_;
    return std::string(1, c);
  }

  std::string_view text_;
  size_t i_ = 0;
  std::vector<Token> tokens_;
};

}  // namespace

std::vector<Token> tokenize(std::string_view text) {
  return Lexer(text).run();
}

std::string located(std::string_view text, size_t position, const std::string& message) {
  size_t line = 1;
  size_t line_start = 0;
  for (size_t i = 0; i < position && i < text.size(); ++i) {
    if (text[i] == '\n') {
      ++line;
      line_start = i + 1;
    }
  }
  size_t line_end = text.find('\n', line_start);
  std::string_view line_text =
      text.substr(line_start, line_end == std::string_view::npos ? std::string_view::npos
                                                                 : line_end - line_start);
  size_t column = position - line_start + 1;
  // Tabs stay tabs under the caret so that it lines up in a terminal.
  std::string pad;
  for (size_t i = 0; i + 1 < column && i < line_text.size(); ++i) {
    pad += line_text[i] == '\t' ? '\t' : ' ';
  }
  return "line " + std::to_string(line) + ", column " + std::to_string(column) + ": " + message +
         "\n  " + std::string(line_text) + "\n  " + pad + "^";
}

}  // namespace setl::sql::detail
