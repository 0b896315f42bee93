// Expressions. Precedence, lowest first: OR; AND; NOT; comparisons, IS, [NOT] IN,
// BETWEEN, LIKE; + - ||; * / % DIV; unary minus and plus; primaries.
#include <algorithm>
#include <charconv>
#include <cstdlib>

#include "setl/core/error.h"
#include "sql/parser.h"

namespace setl::sql::detail {
namespace {

std::shared_ptr<Node> make(Node::Kind kind, size_t position) {
  auto node = std::make_shared<Node>();
  node->kind = kind;
  node->position = position;
  return node;
}

std::shared_ptr<Node> binary(std::string op, NodePtr left, NodePtr right, size_t position) {
  auto node = make(Node::Kind::kBinary, position);
  node->name = std::move(op);
  node->args = {std::move(left), std::move(right)};
  return node;
}

}  // namespace

NodePtr Parser::seal(const std::shared_ptr<Node>& node) const {
  size_t deepest = 0;
  auto see = [&](const NodePtr& child) {
    if (child) {
      deepest = std::max(deepest, child->depth);
    }
  };
  for (const NodePtr& arg : node->args) {
    see(arg);
  }
  if (node->window) {
    for (const NodePtr& key : node->window->partition_by) {
      see(key);
    }
    for (const WindowClause::Order& key : node->window->order_by) {
      see(key.expr);
    }
  }
  node->depth = deepest + 1;
  // With the levels the parser is inside, so that no path through the whole statement
  // (and no destructor's recursion) grows past the bound.
  if (node->depth + static_cast<size_t>(depth_) > kMaxTreeDepth) {
    fail(node->position, "the statement nests more than " + std::to_string(kMaxTreeDepth) +
                             " levels deep (a chain of operators nests as deep as it is long; "
                             "write x IN (...) for a long chain of ORs)");
  }
  return node;
}

NodePtr Parser::expression() {
  Depth depth(*this);
  return or_expression();
}

NodePtr Parser::or_expression() {
  NodePtr left = and_expression();
  while (at_keyword("or")) {
    size_t position = next().position;
    left = seal(binary("or", left, and_expression(), position));
  }
  return left;
}

NodePtr Parser::and_expression() {
  NodePtr left = not_expression();
  while (at_keyword("and")) {
    size_t position = next().position;
    left = seal(binary("and", left, not_expression(), position));
  }
  return left;
}

NodePtr Parser::not_expression() {
  if (at_keyword("not") && !at_keyword("exists", 1)) {
    Depth depth(*this);
    auto node = make(Node::Kind::kUnary, next().position);
    node->name = "not";
    node->args = {not_expression()};
    return seal(node);
  }
  return comparison();
}

NodePtr Parser::comparison() {
  NodePtr left = additive();
  while (true) {
    const Token& token = peek();
    size_t position = token.position;
    static constexpr std::string_view kComparisons[] = {"=",  "==", "<>", "!=", "<",
                                                        "<=", ">",  ">=", "<=>"};
    if (token.kind == TokenKind::kSymbol &&
        std::find(std::begin(kComparisons), std::end(kComparisons), token.text) !=
            std::end(kComparisons)) {
      std::string op = next().text;
      op = op == "==" ? "=" : op == "<>" ? "!=" : op;
      left = seal(binary(op, left, additive(), position));
      continue;
    }
    if (accept_keyword("is")) {
      bool negated = accept_keyword("not");
      if (accept_keyword("null")) {
        auto node = make(Node::Kind::kIsNull, position);
        node->negated = negated;
        node->args = {left};
        left = seal(node);
      } else if (at_keyword("true") || at_keyword("false")) {
        auto node = make(Node::Kind::kIsBool, position);
        node->text = next().lower;
        node->negated = negated;
        node->args = {left};
        left = seal(node);
      } else if (accept_keyword("distinct")) {
        expect_keyword("from");
        NodePtr right = additive();
        NodePtr same = seal(binary("<=>", left, right, position));
        if (negated) {
          left = same;
        } else {
          auto node = make(Node::Kind::kUnary, position);
          node->name = "not";
          node->args = {same};
          left = seal(node);
        }
      } else {
        fail_expected("NULL, TRUE, FALSE or DISTINCT FROM after IS");
      }
      continue;
    }
    bool negated = at_keyword("not") &&
                   (at_keyword("in", 1) || at_keyword("between", 1) || at_keyword("like", 1) ||
                    at_keyword("rlike", 1) || at_keyword("ilike", 1));
    if (negated) {
      next();
    }
    if (accept_keyword("in")) {
      expect_symbol("(");
      if (at_keyword("select") || at_keyword("with")) {
        auto node = make(Node::Kind::kInQuery, position);
        node->negated = negated;
        node->args = {left};
        node->query = query();
        expect_symbol(")");
        left = seal(node);
        continue;
      }
      auto node = make(Node::Kind::kInList, position);
      node->negated = negated;
      node->args = {left};
      do {
        node->args.push_back(expression());
      } while (accept_symbol(","));
      expect_symbol(")");
      left = seal(node);
      continue;
    }
    if (accept_keyword("between")) {
      auto node = make(Node::Kind::kBetween, position);
      node->negated = negated;
      NodePtr low = additive();
      expect_keyword("and");
      node->args = {left, low, additive()};
      left = seal(node);
      continue;
    }
    if (at_keyword("like") || at_keyword("rlike") || at_keyword("ilike")) {
      auto node = make(Node::Kind::kLike, position);
      node->name = next().lower;
      node->negated = negated;
      node->args = {left, additive()};
      left = seal(node);
      continue;
    }
    if (negated) {
      fail_expected("IN, BETWEEN or LIKE after NOT");
    }
    return left;
  }
}

NodePtr Parser::additive() {
  NodePtr left = multiplicative();
  while (at_symbol("+") || at_symbol("-") || at_symbol("||")) {
    const Token& token = next();
    left = seal(binary(token.text, left, multiplicative(), token.position));
  }
  return left;
}

NodePtr Parser::multiplicative() {
  NodePtr left = unary();
  while (at_symbol("*") || at_symbol("/") || at_symbol("%") || at_keyword("div")) {
    const Token& token = next();
    left = seal(binary(token.lower == "div" ? "div" : token.text, left, unary(), token.position));
  }
  return left;
}

NodePtr Parser::unary() {
  if (at_symbol("-") || at_symbol("+")) {
    Depth depth(*this);
    const Token& token = next();
    auto node = make(Node::Kind::kUnary, token.position);
    node->name = token.text;
    node->args = {unary()};
    return seal(node);
  }
  NodePtr value = primary();
  while (at_symbol("::")) {  // x::type, Spark's cast shorthand
    size_t position = next().position;
    auto node = make(Node::Kind::kCast, position);
    node->args = {value};
    node->name = type_name();
    value = node;
  }
  return value;
}

NodePtr Parser::primary() {
  const Token& token = peek();
  switch (token.kind) {
    case TokenKind::kNumber: {
      next();
      auto node = make(Node::Kind::kLiteral, token.position);
      node->literal_kind = Node::LiteralKind::kNumber;
      node->text = token.text;
      return seal(node);
    }
    case TokenKind::kString: {
      next();
      auto node = make(Node::Kind::kLiteral, token.position);
      node->literal_kind = Node::LiteralKind::kString;
      node->text = token.text;
      return seal(node);
    }
    case TokenKind::kQuotedName:
    case TokenKind::kWord:
      next();
      return word_expression(token);
    case TokenKind::kSymbol:
      if (accept_symbol("(")) {
        if (at_keyword("select") || at_keyword("with")) {
          auto node = make(Node::Kind::kScalarQuery, token.position);
          node->query = query();
          expect_symbol(")");
          return seal(node);
        }
        NodePtr inner = expression();
        expect_symbol(")");
        return inner;
      }
      break;
    case TokenKind::kEnd:
      break;
  }
  fail_expected("an expression");
}

NodePtr Parser::word_expression(const Token& word) {
  if (word.kind == TokenKind::kWord) {
    const std::string& lower = word.lower;
    if (lower == "null" || lower == "true" || lower == "false") {
      auto node = make(Node::Kind::kLiteral, word.position);
      node->literal_kind = lower == "null" ? Node::LiteralKind::kNull : Node::LiteralKind::kBool;
      node->text = lower;
      return seal(node);
    }
    if (lower == "case") {
      return case_expression(word);
    }
    if ((lower == "cast" || lower == "try_cast") && at_symbol("(")) {
      return cast_expression(word, lower == "try_cast");
    }
    if (lower == "interval") {
      return interval(word);
    }
    if ((lower == "date" || lower == "timestamp") && peek().kind == TokenKind::kString) {
      return typed_literal(
          word, lower == "date" ? Node::LiteralKind::kDate : Node::LiteralKind::kTimestamp);
    }
    if (lower == "exists" || (lower == "not" && at_keyword("exists"))) {
      bool negated = lower == "not";
      if (negated) {
        next();
      }
      expect_symbol("(");
      auto node = make(Node::Kind::kExists, word.position);
      node->negated = negated;
      node->query = query();
      expect_symbol(")");
      return seal(node);
    }
    if (reserved(lower) && !at_symbol("(")) {
      fail(word.position, "expected an expression, found the keyword '" + word.text + "'");
    }
  }
  if (at_symbol("(") && word.kind == TokenKind::kWord) {
    return function_call(word);
  }
  auto node = make(Node::Kind::kColumn, word.position);
  node->names.push_back(word.kind == TokenKind::kWord ? word.lower : word.text);
  while (at_symbol(".")) {
    next();
    node->names.push_back(name("a column name after '.'"));
  }
  return seal(node);
}

NodePtr Parser::function_call(const Token& name_token) {
  expect_symbol("(");
  auto node = make(Node::Kind::kFunction, name_token.position);
  node->name = name_token.lower;
  const std::string& fn = node->name;
  if (fn == "extract") {  // EXTRACT(field FROM value)
    std::string field = name("a date field (YEAR, MONTH, DAY, ...)");
    expect_keyword("from");
    node->name = field;
    node->args = {expression()};
    expect_symbol(")");
    return seal(node);
  }
  if (accept_symbol("*")) {
    node->args.push_back(make(Node::Kind::kStar, name_token.position));
  } else if (!at_symbol(")")) {
    if (accept_keyword("distinct")) {
      node->distinct = true;
    } else {
      accept_keyword("all");
    }
    node->args.push_back(expression());
    if ((fn == "substring" || fn == "substr") && accept_keyword("from")) {
      node->args.push_back(expression());  // SUBSTRING(x FROM start [FOR count])
      if (accept_keyword("for")) {
        node->args.push_back(expression());
      }
    } else if (fn == "trim" || fn == "position") {
      if (accept_keyword("in")) {  // POSITION(part IN text)
        node->args.push_back(expression());
      }
    }
    while (accept_symbol(",")) {
      node->args.push_back(expression());
    }
  }
  expect_symbol(")");
  if (accept_keyword("over")) {
    node->window = window_clause();
  }
  return seal(node);
}

std::shared_ptr<const WindowClause> Parser::window_clause() {
  auto window = std::make_shared<WindowClause>();
  expect_symbol("(");
  if (accept_keyword("partition")) {
    expect_keyword("by");
    do {
      window->partition_by.push_back(expression());
    } while (accept_symbol(","));
  }
  if (accept_keyword("order")) {
    expect_keyword("by");
    for (OrderItem& item : order_items()) {
      window->order_by.push_back({item.expr, item.descending, item.nulls_first});
    }
  }
  if (at_keyword("rows") || at_keyword("range")) {
    window->frame_position = peek().position;
    size_t first = index_;
    window->engine_frame = window_frame();
    for (size_t at = first; at < index_; ++at) {
      window->frame += (at > first ? " " : "") + tokens_[at].lower;
    }
  }
  expect_symbol(")");
  return window;
}

// ROWS|RANGE BETWEEN bound AND bound, or ROWS|RANGE bound (which ends at CURRENT ROW).
engine::WindowFrame Parser::window_frame() {
  size_t start = peek().position;
  bool rows = accept_keyword("rows");
  if (!rows) {
    expect_keyword("range");
  }
  bool between = accept_keyword("between");
  engine::FrameBound first = frame_bound();
  engine::FrameBound second = engine::current_row();
  if (between) {
    expect_keyword("and");
    second = frame_bound();
  }
  try {
    return rows ? engine::rows_between(first, second) : engine::range_between(first, second);
  } catch (const ParseError& error) {
    fail(start, error.message());
  }
}

engine::FrameBound Parser::frame_bound() {
  if (accept_keyword("unbounded")) {
    if (accept_keyword("preceding")) {
      return engine::unbounded_preceding();
    }
    if (!accept_keyword("following")) {
      fail_expected("PRECEDING or FOLLOWING");
    }
    return engine::unbounded_following();
  }
  if (accept_keyword("current")) {
    expect_keyword("row");
    return engine::current_row();
  }
  const Token& token = peek();
  if (at_keyword("interval")) {
    fail(token.position,
         "INTERVAL offsets in a window frame are not supported: order by a date and give "
         "the offset in days (RANGE BETWEEN 7 PRECEDING AND CURRENT ROW)");
  }
  if (token.kind != TokenKind::kNumber) {
    fail_expected("UNBOUNDED, CURRENT ROW or a number");
  }
  next();
  engine::Scalar offset;
  int64_t whole = 0;
  auto [end, error] =
      std::from_chars(token.text.data(), token.text.data() + token.text.size(), whole);
  if (error == std::errc() && end == token.text.data() + token.text.size()) {
    offset = engine::Scalar::int64(whole);
  } else {
    offset = engine::Scalar::float64(std::strtod(token.text.c_str(), nullptr));
  }
  bool preceding = accept_keyword("preceding");
  if (!preceding && !accept_keyword("following")) {
    fail_expected("PRECEDING or FOLLOWING");
  }
  try {
    return preceding ? engine::preceding(offset) : engine::following(offset);
  } catch (const ParseError& error) {
    fail(token.position, error.message());
  }
}

NodePtr Parser::case_expression(const Token& start) {
  auto node = make(Node::Kind::kCase, start.position);
  node->args.push_back(at_keyword("when") ? nullptr : expression());  // CASE x WHEN ...
  if (!at_keyword("when")) {
    fail_expected("WHEN");
  }
  while (accept_keyword("when")) {
    node->args.push_back(expression());
    expect_keyword("then");
    node->args.push_back(expression());
  }
  if (accept_keyword("else")) {
    node->args.push_back(expression());
    node->text = "else";
  }
  if (!accept_keyword("end")) {
    fail_expected("WHEN, ELSE or END to close the CASE at column " +
                  std::to_string(start.position + 1));
  }
  return seal(node);
}

NodePtr Parser::cast_expression(const Token& start, bool try_cast) {
  expect_symbol("(");
  auto node = make(Node::Kind::kCast, start.position);
  node->try_cast = try_cast;
  node->args = {expression()};
  expect_keyword("as");
  node->name = type_name();
  expect_symbol(")");
  return seal(node);
}

std::string Parser::type_name() {
  const Token& token = peek();
  if (token.kind != TokenKind::kWord) {
    fail_expected("a type name");
  }
  next();
  std::string type = token.lower;
  if (accept_symbol("(")) {  // decimal(15, 2), varchar(25)
    type += "(";
    do {
      const Token& number = next();
      if (number.kind != TokenKind::kNumber) {
        fail(number.position, "expected a number in the type's parameters");
      }
      type += (type.back() == '(' ? "" : ",") + number.text;
    } while (accept_symbol(","));
    expect_symbol(")");
    type += ")";
  }
  return type;
}

NodePtr Parser::interval(const Token& start) {
  // INTERVAL '3' MONTH, INTERVAL 3 MONTHS, INTERVAL '90' DAY (Spark and the standard).
  auto node = make(Node::Kind::kInterval, start.position);
  bool negative = accept_symbol("-");
  const Token& amount = next();
  if (amount.kind != TokenKind::kNumber && amount.kind != TokenKind::kString) {
    fail(amount.position, "expected the interval's amount, such as '3' or 3");
  }
  node->text = (negative ? "-" : "") + amount.text;
  std::string unit = name("an interval unit (YEAR, MONTH, WEEK, DAY)");
  if (unit.size() > 1 && unit.back() == 's') {
    unit.pop_back();
  }
  node->name = unit;
  return seal(node);
}

NodePtr Parser::typed_literal(const Token& start, Node::LiteralKind kind) {
  auto node = make(Node::Kind::kLiteral, start.position);
  node->literal_kind = kind;
  node->text = next().text;
  return seal(node);
}

}  // namespace setl::sql::detail
