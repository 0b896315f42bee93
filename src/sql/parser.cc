// Statements and queries. Set operations: INTERSECT binds tighter than UNION and EXCEPT
// (MINUS), which group from the left.
#include "sql/parser.h"

#include <algorithm>
#include <array>
#include <charconv>

#include "setl/core/error.h"

namespace setl::sql::detail {

bool reserved(std::string_view word) {
  static constexpr std::array<std::string_view, 44> kReserved = {
      "all",     "and",       "anti",   "as",     "between", "by",    "case",  "cross",  "distinct",
      "else",    "end",       "except", "exists", "from",    "full",  "group", "having", "in",
      "inner",   "intersect", "is",     "join",   "lateral", "left",  "like",  "limit",  "minus",
      "natural", "not",       "null",   "offset", "on",      "or",    "order", "outer",  "right",
      "rlike",   "select",    "semi",   "then",   "union",   "using", "when",  "where"};
  return std::find(kReserved.begin(), kReserved.end(), word) != kReserved.end() || word == "with" ||
         word == "window" || word == "over";
}

Parser::Parser(std::string_view text) : text_(text), tokens_(tokenize(text)) {}

Parser::Depth::Depth(Parser& parser) : parser_(parser) {
  if (++parser_.depth_ > kMaxDepth) {
    parser_.fail(parser_.peek().position,
                 "the statement nests more than " + std::to_string(kMaxDepth) + " levels deep");
  }
}

Statement Parser::statement() {
  Statement statement;
  if (accept_keyword("explain")) {
    statement.kind = Statement::Kind::kExplain;
    statement.analyze = accept_keyword("analyze");
    statement.query = query();
  } else if (accept_keyword("create")) {
    statement.kind = Statement::Kind::kCreateView;
    if (accept_keyword("or")) {
      expect_keyword("replace");
      statement.or_replace = true;
    }
    if (!accept_keyword("temporary")) {
      accept_keyword("temp");
    }
    expect_keyword("view");
    statement.view = name("a view name");
    if (accept_symbol("(")) {
      do {
        statement.view_columns.push_back(name("a column name"));
      } while (accept_symbol(","));
      expect_symbol(")");
    }
    expect_keyword("as");
    statement.query = query();
  } else if (accept_keyword("drop")) {
    statement.kind = Statement::Kind::kDropView;
    expect_keyword("view");
    if (accept_keyword("if")) {
      expect_keyword("exists");
      statement.if_exists = true;
    }
    statement.view = name("a view name");
  } else if (at_keyword("select") || at_keyword("with") || at_symbol("(")) {
    statement.query = query();
  } else {
    fail_expected("SELECT, WITH, EXPLAIN, CREATE TEMP VIEW or DROP VIEW");
  }
  accept_symbol(";");
  if (peek().kind != TokenKind::kEnd) {
    fail_expected(statement.kind == Statement::Kind::kDropView ? "the end of the statement"
                                                               : "an operator, a clause or the "
                                                                 "end of the statement");
  }
  return statement;
}

QueryPtr Parser::query() {
  Depth depth(*this);
  size_t position = peek().position;
  std::vector<std::pair<std::string, QueryPtr>> with;
  if (accept_keyword("with")) {
    do {
      std::string cte = name("a name for the WITH query");
      expect_keyword("as");
      expect_symbol("(");
      with.emplace_back(cte, query());
      expect_symbol(")");
    } while (accept_symbol(","));
  }
  QueryPtr body = set_expression();
  auto result = std::make_shared<Query>(*body);
  result->position = position;
  result->with = std::move(with);
  if (!body->with.empty()) {
    result->with.insert(result->with.end(), body->with.begin(), body->with.end());
  }
  // ORDER BY and LIMIT apply to the whole set operation; a parenthesized part keeps its own.
  bool has_own = !body->order_by.empty() || body->limit || body->offset != 0;
  if ((at_keyword("order") || at_keyword("limit") || at_keyword("offset")) && has_own) {
    auto wrapper = std::make_shared<Query>();
    wrapper->kind = Query::Kind::kSetOperation;
    wrapper->set_operation = "";  // a parenthesized query with more ORDER BY / LIMIT
    wrapper->left = result;
    wrapper->position = position;
    result = wrapper;
  }
  if (accept_keyword("order")) {
    expect_keyword("by");
    result->order_by = order_items();
  }
  if (accept_keyword("limit")) {
    if (!accept_keyword("all")) {
      result->limit = count_value("LIMIT");
    }
  }
  if (accept_keyword("offset")) {
    result->offset = count_value("OFFSET");
  }
  return result;
}

QueryPtr Parser::set_expression() {
  QueryPtr left = set_term();
  while (at_keyword("union") || at_keyword("except") || at_keyword("minus")) {
    size_t position = peek().position;
    std::string operation = next().lower == "union" ? "union" : "except";
    bool all = accept_keyword("all");
    if (!all) {
      accept_keyword("distinct");
    }
    auto node = std::make_shared<Query>();
    node->kind = Query::Kind::kSetOperation;
    node->position = position;
    node->set_operation = operation;
    node->all = all;
    node->left = left;
    node->right = set_term();
    left = node;
  }
  return left;
}

QueryPtr Parser::set_term() {
  QueryPtr left = set_primary();
  while (at_keyword("intersect")) {
    size_t position = next().position;
    bool all = accept_keyword("all");
    if (!all) {
      accept_keyword("distinct");
    }
    auto node = std::make_shared<Query>();
    node->kind = Query::Kind::kSetOperation;
    node->position = position;
    node->set_operation = "intersect";
    node->all = all;
    node->left = left;
    node->right = set_primary();
    left = node;
  }
  return left;
}

QueryPtr Parser::set_primary() {
  if (accept_symbol("(")) {
    QueryPtr inner = query();
    expect_symbol(")");
    return inner;
  }
  if (!at_keyword("select")) {
    fail_expected("SELECT or a parenthesized query");
  }
  auto result = std::make_shared<Query>();
  result->position = peek().position;
  result->select = select();
  return result;
}

std::shared_ptr<const Select> Parser::select() {
  expect_keyword("select");
  auto select = std::make_shared<Select>();
  if (accept_keyword("distinct")) {
    select->distinct = true;
  } else {
    accept_keyword("all");
  }
  do {
    select->items.push_back(select_item());
  } while (accept_symbol(","));
  if (accept_keyword("from")) {
    do {
      select->from.push_back(table_reference());
    } while (accept_symbol(","));
  }
  if (accept_keyword("where")) {
    select->where = expression();
  }
  if (at_keyword("group")) {
    size_t position = next().position;
    expect_keyword("by");
    select->group_by = group_by();
    select->group_by->position = position;
  }
  if (accept_keyword("having")) {
    select->having = expression();
  }
  return select;
}

SelectItem Parser::select_item() {
  SelectItem item;
  item.position = peek().position;
  if (accept_symbol("*")) {
    item.star = true;
    return item;
  }
  if ((peek().kind == TokenKind::kWord || peek().kind == TokenKind::kQuotedName) &&
      at_symbol(".", 1) && at_symbol("*", 2)) {
    item.star = true;
    item.star_of = peek().kind == TokenKind::kWord ? peek().lower : peek().text;
    index_ += 3;
    return item;
  }
  item.expr = expression();
  item.alias = alias_if_any();
  return item;
}

std::string Parser::alias_if_any() {
  if (accept_keyword("as")) {
    return name("an alias");
  }
  if ((peek().kind == TokenKind::kWord && !reserved(peek().lower)) ||
      peek().kind == TokenKind::kQuotedName) {
    return name("an alias");
  }
  return {};
}

TableRefPtr Parser::table_reference() {
  Depth depth(*this);
  TableRefPtr left = table_primary();
  while (true) {
    size_t position = peek().position;
    bool natural = false;
    std::optional<TableRef::JoinKind> kind = join_kind(natural);
    if (!kind) {
      return left;
    }
    auto join = std::make_shared<TableRef>();
    join->kind = TableRef::Kind::kJoin;
    join->position = position;
    join->join = *kind;
    join->natural = natural;
    join->left = left;
    join->right = table_primary();
    if (*kind != TableRef::JoinKind::kCross && !natural) {
      if (accept_keyword("on")) {
        join->on = expression();
      } else if (accept_keyword("using")) {
        expect_symbol("(");
        do {
          join->using_columns.push_back(name("a column name"));
        } while (accept_symbol(","));
        expect_symbol(")");
      } else if (*kind != TableRef::JoinKind::kInner) {
        fail_expected("ON or USING after the joined table");
      }
    }
    left = join;
  }
}

std::optional<TableRef::JoinKind> Parser::join_kind(bool& natural) {
  using JoinKind = TableRef::JoinKind;
  size_t start = index_;
  natural = accept_keyword("natural");
  std::optional<JoinKind> kind;
  if (accept_keyword("join")) {
    return JoinKind::kInner;
  }
  if (accept_keyword("inner")) {
    kind = JoinKind::kInner;
  } else if (accept_keyword("cross")) {
    kind = JoinKind::kCross;
  } else if (accept_keyword("left")) {
    kind = accept_keyword("semi")   ? JoinKind::kSemi
           : accept_keyword("anti") ? JoinKind::kAnti
                                    : JoinKind::kLeft;
    if (kind == JoinKind::kLeft) {
      accept_keyword("outer");
    }
  } else if (accept_keyword("right")) {
    accept_keyword("outer");
    kind = JoinKind::kRight;
  } else if (accept_keyword("full")) {
    accept_keyword("outer");
    kind = JoinKind::kFull;
  } else if (accept_keyword("semi")) {
    kind = JoinKind::kSemi;
  } else if (accept_keyword("anti")) {
    kind = JoinKind::kAnti;
  }
  if (!kind) {
    if (natural) {
      fail_expected("JOIN after NATURAL");
    }
    index_ = start;
    return std::nullopt;
  }
  expect_keyword("join");
  return kind;
}

TableRefPtr Parser::table_primary() {
  auto ref = std::make_shared<TableRef>();
  ref->position = peek().position;
  if (accept_symbol("(")) {
    if (at_keyword("select") || at_keyword("with") || at_symbol("(")) {
      ref->kind = TableRef::Kind::kSubquery;
      ref->query = query();
      expect_symbol(")");
      ref->alias = alias_if_any();
      if (!ref->alias.empty() && accept_symbol("(")) {
        do {
          ref->column_aliases.push_back(name("a column alias"));
        } while (accept_symbol(","));
        expect_symbol(")");
      }
      return ref;
    }
    TableRefPtr inner = table_reference();
    expect_symbol(")");
    return inner;
  }
  ref->name = name("a table name or a parenthesized query");
  while (accept_symbol(".")) {  // db.table: the last part names the view
    ref->name = name("a table name");
  }
  ref->alias = alias_if_any();
  return ref;
}

GroupBy Parser::group_by() {
  GroupBy group;
  auto list_in_parentheses = [&] { return expression_list_in_parentheses(); };
  if (accept_keyword("rollup")) {
    group.kind = GroupBy::Kind::kRollup;
    group.exprs = list_in_parentheses();
    return group;
  }
  if (accept_keyword("cube")) {
    group.kind = GroupBy::Kind::kCube;
    group.exprs = list_in_parentheses();
    return group;
  }
  if (accept_keyword("grouping")) {
    expect_keyword("sets");
    group.kind = GroupBy::Kind::kSets;
    expect_symbol("(");
    do {
      if (at_symbol("(")) {
        group.sets.push_back(list_in_parentheses());
      } else {
        group.sets.push_back({expression()});
      }
    } while (accept_symbol(","));
    expect_symbol(")");
    return group;
  }
  do {
    group.exprs.push_back(expression());
  } while (accept_symbol(","));
  if (accept_keyword("with")) {  // GROUP BY a, b WITH ROLLUP | WITH CUBE
    if (accept_keyword("rollup")) {
      group.kind = GroupBy::Kind::kRollup;
    } else {
      expect_keyword("cube");
      group.kind = GroupBy::Kind::kCube;
    }
  }
  return group;
}

std::vector<NodePtr> Parser::expression_list_in_parentheses() {
  expect_symbol("(");
  std::vector<NodePtr> list;
  if (accept_symbol(")")) {
    return list;
  }
  do {
    list.push_back(expression());
  } while (accept_symbol(","));
  expect_symbol(")");
  return list;
}

std::vector<OrderItem> Parser::order_items() {
  std::vector<OrderItem> items;
  do {
    OrderItem item;
    item.expr = expression();
    if (accept_keyword("desc")) {
      item.descending = true;
    } else {
      accept_keyword("asc");
    }
    if (accept_keyword("nulls")) {
      if (accept_keyword("first")) {
        item.nulls_first = true;
      } else {
        expect_keyword("last");
        item.nulls_first = false;
      }
    }
    items.push_back(std::move(item));
  } while (accept_symbol(","));
  return items;
}

int64_t Parser::count_value(const char* what) {
  const Token& token = next();
  int64_t value = -1;
  if (token.kind == TokenKind::kNumber) {
    auto [end, error] =
        std::from_chars(token.text.data(), token.text.data() + token.text.size(), value);
    if (error != std::errc() || end != token.text.data() + token.text.size()) {
      value = -1;
    }
  }
  if (value < 0) {
    fail(token.position,
         std::string(what) + " takes a non-negative integer, found '" + token.text + "'");
  }
  return value;
}

// ---- tokens ----------------------------------------------------------------------------

const Token& Parser::peek(size_t ahead) const {
  return tokens_[std::min(index_ + ahead, tokens_.size() - 1)];
}

const Token& Parser::next() {
  const Token& token = peek();
  if (index_ + 1 < tokens_.size()) {
    ++index_;
  }
  return token;
}

bool Parser::at_keyword(std::string_view word, size_t ahead) const {
  const Token& token = peek(ahead);
  return token.kind == TokenKind::kWord && token.lower == word;
}

bool Parser::accept_keyword(std::string_view word) {
  if (at_keyword(word)) {
    next();
    return true;
  }
  return false;
}

void Parser::expect_keyword(std::string_view word) {
  if (!accept_keyword(word)) {
    std::string upper(word);
    std::transform(upper.begin(), upper.end(), upper.begin(),
                   [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
    fail_expected(upper);
  }
}

bool Parser::at_symbol(std::string_view symbol, size_t ahead) const {
  const Token& token = peek(ahead);
  return token.kind == TokenKind::kSymbol && token.text == symbol;
}

bool Parser::accept_symbol(std::string_view symbol) {
  if (at_symbol(symbol)) {
    next();
    return true;
  }
  return false;
}

void Parser::expect_symbol(std::string_view symbol) {
  if (!accept_symbol(symbol)) {
    fail_expected("'" + std::string(symbol) + "'");
  }
}

std::string Parser::name(const char* what) {
  const Token& token = peek();
  if (token.kind == TokenKind::kQuotedName) {
    next();
    return token.text;
  }
  if (token.kind != TokenKind::kWord || reserved(token.lower)) {
    fail_expected(what);
  }
  next();
  return token.lower;
}

void Parser::fail(size_t position, const std::string& message) const {
  throw ParseError(located(text_, position, message));
}

void Parser::fail_expected(const std::string& expected) const {
  const Token& token = peek();
  std::string found = token.kind == TokenKind::kEnd      ? "the end of the statement"
                      : token.kind == TokenKind::kString ? "the string '" + token.text + "'"
                                                         : "'" + token.text + "'";
  fail(token.position, "expected " + expected + ", found " + found);
}

namespace {

// The whole statement's depth (expressions, queries and FROM clauses together), walked
// without recursion, since every later walk over the tree is recursive.
constexpr size_t kMaxTreeDepth = 800;

void check_depth(const Statement& statement, std::string_view text) {
  struct Item {
    const Node* node = nullptr;
    const Query* query = nullptr;
    const TableRef* table = nullptr;
    size_t depth = 0;
  };
  std::vector<Item> stack;
  if (statement.query) {
    stack.push_back({nullptr, statement.query.get(), nullptr, 1});
  }
  while (!stack.empty()) {
    Item item = stack.back();
    stack.pop_back();
    if (item.depth > kMaxTreeDepth) {
      size_t position = item.node    ? item.node->position
                        : item.query ? item.query->position
                                     : item.table->position;
      throw ParseError(located(text, position,
                               "the statement nests more than " + std::to_string(kMaxTreeDepth) +
                                   " levels deep (a long chain of operators nests as deep as it "
                                   "is long; write x IN (...) for long OR chains)"));
    }
    size_t next = item.depth + 1;
    auto node = [&](const NodePtr& child) {
      if (child) {
        stack.push_back({child.get(), nullptr, nullptr, next});
      }
    };
    auto query = [&](const QueryPtr& child) {
      if (child) {
        stack.push_back({nullptr, child.get(), nullptr, next});
      }
    };
    if (item.node != nullptr) {
      for (const NodePtr& arg : item.node->args) {
        node(arg);
      }
      query(item.node->query);
      if (item.node->window) {
        for (const NodePtr& key : item.node->window->partition_by) {
          node(key);
        }
        for (const WindowClause::Order& key : item.node->window->order_by) {
          node(key.expr);
        }
      }
    } else if (item.query != nullptr) {
      const Query& q = *item.query;
      for (const auto& [name, cte] : q.with) {
        query(cte);
      }
      query(q.left);
      query(q.right);
      for (const OrderItem& order : q.order_by) {
        node(order.expr);
      }
      if (q.select) {
        const Select& select = *q.select;
        for (const SelectItem& select_item : select.items) {
          node(select_item.expr);
        }
        for (const TableRefPtr& table : select.from) {
          stack.push_back({nullptr, nullptr, table.get(), next});
        }
        node(select.where);
        node(select.having);
        if (select.group_by) {
          for (const NodePtr& expr : select.group_by->exprs) {
            node(expr);
          }
          for (const std::vector<NodePtr>& set : select.group_by->sets) {
            for (const NodePtr& expr : set) {
              node(expr);
            }
          }
        }
      }
    } else {
      const TableRef& table = *item.table;
      query(table.query);
      node(table.on);
      for (const TableRefPtr& side : {table.left, table.right}) {
        if (side) {
          stack.push_back({nullptr, nullptr, side.get(), next});
        }
      }
    }
  }
}

}  // namespace

Statement parse_statement(std::string_view text) {
  Statement statement = Parser(text).statement();
  check_depth(statement, text);
  return statement;
}

}  // namespace setl::sql::detail
