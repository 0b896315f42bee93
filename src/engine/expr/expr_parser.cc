// Recursive-descent parser for expression text (see Expr in expr.h for the grammar's
// meaning). Precedence, lowest first: OR; AND; NOT; comparison, IS [NOT] NULL,
// [NOT] IN, [NOT] BETWEEN, [NOT] LIKE; + - ||; * / %; unary minus; primary.
#include <algorithm>
#include <cctype>
#include <charconv>
#include <optional>
#include <set>

#include "engine/expr/expr_node.h"
#include "engine/functions/registry.h"
#include "setl/core/error.h"
#include "setl/core/suggest.h"
#include "setl/engine/functions.h"

namespace setl::engine {
namespace {

enum class TokenKind { kIdentifier, kQuotedIdentifier, kNumber, kString, kSymbol, kEnd };

struct Token {
  TokenKind kind = TokenKind::kEnd;
  std::string text;
  size_t position = 0;  // byte offset in the source
};

std::string lower_case(std::string_view text) {
  std::string out(text);
  for (char& c : out) {
    c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  }
  return out;
}

class Parser {
 public:
  Parser(std::string_view source, const ParseOptions& options)
      : source_(source), options_(options) {
    tokenize();
  }

  Expr parse() {
    Expr expr = parse_or();
    if (peek().kind != TokenKind::kEnd) {
      fail(peek(), "expected an operator or the end of the expression");
    }
    return expr;
  }

 private:
  [[noreturn]] void fail(size_t position, const std::string& message) const {
    size_t line = 1;
    size_t line_start = 0;
    for (size_t i = 0; i < position && i < source_.size(); ++i) {
      if (source_[i] == '\n') {
        ++line;
        line_start = i + 1;
      }
    }
    size_t line_end = source_.find('\n', line_start);
    std::string_view line_text =
        source_.substr(line_start, line_end == std::string_view::npos ? std::string_view::npos
                                                                      : line_end - line_start);
    size_t column = position - line_start + 1;
    throw ParseError("line " + std::to_string(line) + ", column " + std::to_string(column) + ": " +
                     message + "\n  " + std::string(line_text) + "\n  " +
                     std::string(column - 1, ' ') + "^");
  }
  [[noreturn]] void fail(const Token& token, const std::string& message) const {
    std::string found =
        token.kind == TokenKind::kEnd ? "the end of the expression" : "'" + token.text + "'";
    fail(token.position, message + ", found " + found);
  }

  void tokenize() {
    size_t i = 0;
    while (i < source_.size()) {
      char c = source_[i];
      if (std::isspace(static_cast<unsigned char>(c))) {
        ++i;
        continue;
      }
      Token token;
      token.position = i;
      if (std::isalpha(static_cast<unsigned char>(c)) || c == '_') {
        size_t start = i;
        while (i < source_.size() &&
               (std::isalnum(static_cast<unsigned char>(source_[i])) || source_[i] == '_')) {
          ++i;
        }
        token.kind = TokenKind::kIdentifier;
        token.text = std::string(source_.substr(start, i - start));
      } else if (std::isdigit(static_cast<unsigned char>(c)) ||
                 (c == '.' && i + 1 < source_.size() &&
                  std::isdigit(static_cast<unsigned char>(source_[i + 1])))) {
        size_t start = i;
        while (i < source_.size() &&
               (std::isdigit(static_cast<unsigned char>(source_[i])) || source_[i] == '.')) {
          ++i;
        }
        if (i < source_.size() && (source_[i] == 'e' || source_[i] == 'E')) {
          ++i;
          if (i < source_.size() && (source_[i] == '+' || source_[i] == '-')) {
            ++i;
          }
          while (i < source_.size() && std::isdigit(static_cast<unsigned char>(source_[i]))) {
            ++i;
          }
        }
        token.kind = TokenKind::kNumber;
        token.text = std::string(source_.substr(start, i - start));
      } else if (c == '\'' || c == '"' || c == '`') {
        char quote = c;
        ++i;
        std::string text;
        while (true) {
          if (i >= source_.size()) {
            fail(token.position, std::string("unterminated ") +
                                     (quote == '\'' ? "string" : "quoted identifier") +
                                     " starting here");
          }
          if (source_[i] == quote) {
            if (i + 1 < source_.size() && source_[i + 1] == quote) {
              text += quote;
              i += 2;
              continue;
            }
            ++i;
            break;
          }
          text += source_[i++];
        }
        token.kind = quote == '\'' ? TokenKind::kString : TokenKind::kQuotedIdentifier;
        token.text = std::move(text);
      } else {
        constexpr std::string_view kTwoCharSymbols[] = {"<=", ">=", "!=", "<>", "==", "||"};
        token.kind = TokenKind::kSymbol;
        std::string_view two = source_.substr(i, 2);
        if (std::find(std::begin(kTwoCharSymbols), std::end(kTwoCharSymbols), two) !=
            std::end(kTwoCharSymbols)) {
          token.text = std::string(two);
        }
        if (token.text.empty()) {
          if (std::string_view("+-*/%=<>(),").find(c) == std::string_view::npos) {
            fail(i, std::string("unexpected character '") + c + "'");
          }
          token.text = std::string(1, c);
        }
        i += token.text.size();
      }
      tokens_.push_back(std::move(token));
    }
    Token end;
    end.position = source_.size();
    tokens_.push_back(end);
  }

  const Token& peek(size_t ahead = 0) const {
    return tokens_[std::min(index_ + ahead, tokens_.size() - 1)];
  }
  const Token& next() { return tokens_[std::min(index_++, tokens_.size() - 1)]; }

  bool is_keyword(const Token& token, std::string_view keyword) const {
    return token.kind == TokenKind::kIdentifier && lower_case(token.text) == keyword;
  }
  bool at_keyword(std::string_view keyword) const { return is_keyword(peek(), keyword); }
  bool accept_keyword(std::string_view keyword) {
    if (is_keyword(peek(), keyword)) {
      ++index_;
      return true;
    }
    return false;
  }
  void expect_keyword(std::string_view keyword) {
    if (!accept_keyword(keyword)) {
      std::string upper(keyword);
      for (char& c : upper) {
        c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
      }
      fail(peek(), "expected " + upper);
    }
  }
  bool accept_symbol(std::string_view symbol) {
    if (peek().kind == TokenKind::kSymbol && peek().text == symbol) {
      ++index_;
      return true;
    }
    return false;
  }
  void expect_symbol(std::string_view symbol) {
    if (!accept_symbol(symbol)) {
      fail(peek(), "expected '" + std::string(symbol) + "'");
    }
  }

  // Counts nested parse levels (parentheses, NOT, unary minus, call arguments): the
  // parser recurses on them, so they are bounded like the trees it builds.
  struct DepthGuard {
    Parser& parser;
    explicit DepthGuard(Parser& owner) : parser(owner) {
      // Up to three guarded levels per nesting (parenthesis, NOT, sign).
      if (++parser.depth_ > 3 * Expr::kMaxDepth) {
        parser.fail(parser.peek(), "the expression nests too deeply (at most " +
                                       std::to_string(Expr::kMaxDepth) + " levels)");
      }
    }
    ~DepthGuard() { --parser.depth_; }
  };

  Expr parse_or() {
    DepthGuard guard(*this);
    Expr left = parse_and();
    while (accept_keyword("or")) {
      left = left || parse_and();
    }
    return left;
  }

  Expr parse_and() {
    Expr left = parse_not();
    while (accept_keyword("and")) {
      left = left && parse_not();
    }
    return left;
  }

  Expr parse_not() {
    DepthGuard guard(*this);
    if (accept_keyword("not")) {
      return !parse_not();
    }
    return parse_predicate();
  }

  Expr parse_predicate() {
    Expr left = parse_additive();
    const Token& token = peek();
    if (token.kind == TokenKind::kSymbol) {
      static const std::pair<const char*, const char*> kComparisons[] = {
          {"=", "="}, {"==", "="},  {"!=", "!="}, {"<>", "!="},
          {"<", "<"}, {"<=", "<="}, {">", ">"},   {">=", ">="}};
      for (const auto& [symbol, function] : kComparisons) {
        if (token.text == symbol) {
          ++index_;
          return call(function, {left, parse_additive()});
        }
      }
    }
    if (accept_keyword("is")) {
      bool negated = accept_keyword("not");
      expect_keyword("null");
      return negated ? left.is_not_null() : left.is_null();
    }
    bool negated = false;
    if (is_keyword(peek(), "not") && (is_keyword(peek(1), "in") || is_keyword(peek(1), "between") ||
                                      is_keyword(peek(1), "like"))) {
      ++index_;
      negated = true;
    }
    std::optional<Expr> predicate;
    if (accept_keyword("in")) {
      expect_symbol("(");
      std::vector<Expr> values{parse_or()};
      while (accept_symbol(",")) {
        values.push_back(parse_or());
      }
      expect_symbol(")");
      predicate = left.isin(std::move(values));
    } else if (accept_keyword("between")) {
      Expr low = parse_additive();
      expect_keyword("and");
      Expr high = parse_additive();
      predicate = left.between(low, high);
    } else if (accept_keyword("like")) {
      predicate = call("like", {left, parse_additive()});
    }
    if (predicate) {
      return negated ? !*predicate : *predicate;
    }
    return left;
  }

  Expr parse_additive() {
    Expr left = parse_multiplicative();
    while (true) {
      if (accept_symbol("+")) {
        left = left + parse_multiplicative();
      } else if (accept_symbol("-")) {
        left = left - parse_multiplicative();
      } else if (accept_symbol("||")) {
        left = call("concat_op", {left, parse_multiplicative()});
      } else {
        return left;
      }
    }
  }

  Expr parse_multiplicative() {
    Expr left = parse_unary();
    while (true) {
      if (accept_symbol("*")) {
        left = left * parse_unary();
      } else if (accept_symbol("/")) {
        left = left / parse_unary();
      } else if (accept_symbol("%")) {
        left = left % parse_unary();
      } else {
        return left;
      }
    }
  }

  Expr parse_unary() {
    DepthGuard guard(*this);
    if (accept_symbol("-")) {
      const Token& token = peek();
      if (token.kind == TokenKind::kNumber) {
        ++index_;
        return number("-" + token.text, token);
      }
      return -parse_unary();
    }
    if (accept_symbol("+")) {
      return parse_unary();
    }
    return parse_primary();
  }

  Expr number(const std::string& text, const Token& token) {
    bool is_float = text.find_first_of(".eE") != std::string::npos;
    if (!is_float) {
      int64_t value = 0;
      auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
      if (error == std::errc() && end == text.data() + text.size()) {
        return Expr(Scalar::int64(value));
      }
    }
    double value = 0;
    auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (error != std::errc() || end != text.data() + text.size()) {
      fail(token.position, "'" + text + "' is not a valid number");
    }
    return Expr(Scalar::float64(value));
  }

  Expr parse_primary() {
    const Token& token = next();
    switch (token.kind) {
      case TokenKind::kNumber:
        return number(token.text, token);
      case TokenKind::kString:
        return Expr(Scalar::string(token.text));
      case TokenKind::kQuotedIdentifier:
        return col(token.text);
      case TokenKind::kSymbol:
        if (token.text == "(") {
          Expr inner = parse_or();
          expect_symbol(")");
          return inner;
        }
        fail(token, "expected a value, a column or '('");
      case TokenKind::kEnd:
        fail(token, "expected a value, a column or '('");
      case TokenKind::kIdentifier:
        break;
    }
    std::string word = lower_case(token.text);
    if (word == "true" || word == "false") {
      return Expr(Scalar::boolean(word == "true"));
    }
    if (word == "null") {
      return Expr();
    }
    if ((word == "date" || word == "timestamp") && peek().kind == TokenKind::kString) {
      const Token& text = next();
      return Expr(Scalar::string(text.text))
          .cast(word == "date" ? DataType::date32() : DataType::timestamp());
    }
    if (word == "case") {
      return parse_case(token);
    }
    if ((word == "cast" || word == "try_cast") && accept_symbol("(")) {
      Expr value = parse_or();
      expect_keyword("as");
      const Token& type_token = next();
      if (type_token.kind != TokenKind::kIdentifier) {
        fail(type_token, "expected a type name");
      }
      std::string type_text = type_token.text;
      if (accept_symbol("(")) {  // decimal(15, 2)
        type_text += "(";
        while (peek().kind == TokenKind::kNumber ||
               (peek().kind == TokenKind::kSymbol && peek().text == ",")) {
          type_text += next().text;
        }
        expect_symbol(")");
        type_text += ")";
      }
      DataType type;
      try {
        type = parse_type(type_text);
      } catch (const ParseError& error) {
        fail(type_token.position, error.message());
      } catch (const SchemaError& error) {
        fail(type_token.position, error.message());
      }
      expect_symbol(")");
      return word == "cast" ? value.cast(type) : value.try_cast(type);
    }
    if (accept_symbol("(")) {
      return parse_call(token, word);
    }
    return col(token.text);
  }

  Expr parse_case(const Token& token) {
    fn::CaseBuilder builder = [&] {
      expect_keyword("when");
      Expr condition = parse_or();
      expect_keyword("then");
      return fn::when(condition, parse_or());
    }();
    while (accept_keyword("when")) {
      Expr condition = parse_or();
      expect_keyword("then");
      builder = std::move(builder).when(condition, parse_or());
    }
    std::optional<Expr> otherwise;
    if (accept_keyword("else")) {
      otherwise = parse_or();
    }
    if (!accept_keyword("end")) {
      fail(peek(),
           "expected END to close the CASE at column " + std::to_string(token.position + 1));
    }
    return otherwise ? std::move(builder).otherwise(*otherwise) : std::move(builder).end();
  }

  Expr parse_call(const Token& name_token, const std::string& name) {
    const detail::FunctionRegistry& registry = detail::FunctionRegistry::instance();
    if (name == "count" && accept_symbol("*")) {
      expect_symbol(")");
      return at_keyword("over") ? parse_window(name, fn::count_all()) : fn::count_all();
    }
    std::vector<Expr> args;
    if (!accept_symbol(")")) {
      args.push_back(parse_or());
      while (accept_symbol(",")) {
        args.push_back(parse_or());
      }
      expect_symbol(")");
    }
    const std::vector<std::string>& host = options_.host_functions;
    if (std::find(host.begin(), host.end(), name) != host.end()) {
      return call(name, std::move(args));
    }
    Expr function;
    try {
      function = function_call(name, std::move(args));
    } catch (const ParseError& error) {
      fail(name_token.position, error.message());
    }
    if (registry.window(name) != nullptr ||
        (function.kind() == ExprKind::kAggregate && at_keyword("over"))) {
      return parse_window(name, function);
    }
    return function;
  }

  std::string parse_column_name() {
    const Token& token = next();
    if (token.kind != TokenKind::kIdentifier && token.kind != TokenKind::kQuotedIdentifier) {
      fail(token, "expected a column name");
    }
    return token.text;
  }

  Expr parse_window(const std::string& name, const Expr& function) {
    if (!accept_keyword("over")) {
      fail(peek(), name + "() is a window function: expected OVER (PARTITION BY ... ORDER BY ...)");
    }
    expect_symbol("(");
    WindowSpec window;
    if (accept_keyword("partition")) {
      expect_keyword("by");
      window.partition_by.push_back(parse_column_name());
      while (accept_symbol(",")) {
        window.partition_by.push_back(parse_column_name());
      }
    }
    if (accept_keyword("order")) {
      expect_keyword("by");
      do {
        SortKey key{parse_column_name(), false, std::nullopt};
        if (accept_keyword("desc")) {
          key.descending = true;
        } else {
          accept_keyword("asc");
        }
        if (accept_keyword("nulls")) {
          if (accept_keyword("first")) {
            key.nulls_first = true;
          } else {
            expect_keyword("last");
            key.nulls_first = false;
          }
        }
        window.order_by.push_back(std::move(key));
      } while (accept_symbol(","));
    }
    if (at_keyword("rows") || at_keyword("range")) {
      window.frame = parse_frame();
    }
    const Token& close = peek();
    expect_symbol(")");
    try {
      return function.over(std::move(window));
    } catch (const ParseError& error) {
      fail(close, error.message());
    }
  }

  // ROWS|RANGE BETWEEN bound AND bound, or ROWS|RANGE bound (which ends at CURRENT ROW).
  WindowFrame parse_frame() {
    const Token& start = peek();
    bool rows = accept_keyword("rows");
    if (!rows) {
      expect_keyword("range");
    }
    bool between = accept_keyword("between");
    FrameBound first = parse_frame_bound();
    FrameBound second = current_row();
    if (between) {
      expect_keyword("and");
      second = parse_frame_bound();
    }
    try {
      return rows ? rows_between(first, second) : range_between(first, second);
    } catch (const ParseError& error) {
      fail(start, error.message());
    }
  }

  FrameBound parse_frame_bound() {
    if (accept_keyword("unbounded")) {
      if (accept_keyword("preceding")) {
        return unbounded_preceding();
      }
      if (!accept_keyword("following")) {
        fail(peek(), "expected PRECEDING or FOLLOWING after UNBOUNDED");
      }
      return unbounded_following();
    }
    if (accept_keyword("current")) {
      expect_keyword("row");
      return current_row();
    }
    const Token& token = peek();
    Expr offset = parse_unary();
    if (offset.kind() != ExprKind::kLiteral) {
      fail(token, "expected UNBOUNDED, CURRENT ROW or a number before PRECEDING or FOLLOWING");
    }
    try {
      if (accept_keyword("preceding")) {
        return preceding(offset.literal());
      }
      if (!accept_keyword("following")) {
        fail(peek(), "expected PRECEDING or FOLLOWING after the frame's offset");
      }
      return following(offset.literal());
    } catch (const ParseError& error) {
      fail(token, error.message());
    }
  }

  std::string_view source_;
  const ParseOptions& options_;
  std::vector<Token> tokens_;
  size_t index_ = 0;
  int depth_ = 0;
};

}  // namespace

Expr parse_expr(std::string_view text) {
  return parse_expr(text, ParseOptions{});
}

Expr parse_expr(std::string_view text, const ParseOptions& options) {
  return Parser(text, options).parse();
}

}  // namespace setl::engine
