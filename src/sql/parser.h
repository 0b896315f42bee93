// The recursive-descent SQL parser's state (private): tokens, position, depth, and the
// helpers both halves of the grammar use. Queries and statements: parser.cc; expressions:
// parse_expression.cc.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "sql/ast.h"
#include "sql/lexer.h"

namespace setl::sql::detail {

class Parser {
 public:
  explicit Parser(std::string_view text);

  Statement statement();

 private:
  // Queries (parser.cc).
  QueryPtr query();
  QueryPtr set_expression();
  QueryPtr set_term();
  QueryPtr set_primary();
  std::shared_ptr<const Select> select();
  SelectItem select_item();
  TableRefPtr table_reference();
  TableRefPtr table_primary();
  std::optional<TableRef::JoinKind> join_kind(bool& natural);
  GroupBy group_by();
  std::vector<NodePtr> expression_list_in_parentheses();
  std::vector<OrderItem> order_items();
  int64_t count_value(const char* what);
  std::string alias_if_any();

  // Expressions (parse_expression.cc).
 public:
  NodePtr expression();

 private:
  NodePtr or_expression();
  NodePtr and_expression();
  NodePtr not_expression();
  NodePtr comparison();
  NodePtr additive();
  NodePtr multiplicative();
  NodePtr unary();
  NodePtr primary();
  NodePtr word_expression(const Token& word);
  NodePtr function_call(const Token& name);
  NodePtr case_expression(const Token& start);
  NodePtr cast_expression(const Token& start, bool try_cast);
  NodePtr interval(const Token& start);
  NodePtr typed_literal(const Token& start, Node::LiteralKind kind);
  std::shared_ptr<const WindowClause> window_clause();
  engine::WindowFrame window_frame();
  engine::FrameBound frame_bound();
  std::string type_name();
  /// Records the node's depth; fails past kMaxTreeDepth.
  NodePtr seal(const std::shared_ptr<Node>& node) const;

  // Tokens.
  const Token& peek(size_t ahead = 0) const;
  const Token& next();
  bool at_keyword(std::string_view word, size_t ahead = 0) const;
  bool accept_keyword(std::string_view word);
  void expect_keyword(std::string_view word);
  bool at_symbol(std::string_view symbol, size_t ahead = 0) const;
  bool accept_symbol(std::string_view symbol);
  void expect_symbol(std::string_view symbol);
  std::string name(const char* what);
  [[noreturn]] void fail(size_t position, const std::string& message) const;
  [[noreturn]] void fail_expected(const std::string& expected) const;

  // Nesting deeper than this is refused: every later walk over the tree is recursive.
  // Counted where the grammar recurses: expressions (each parenthesis, argument and
  // operand list), queries and FROM clauses, and chains of NOT and unary minus.
  static constexpr int kMaxDepth = 200;
  static constexpr size_t kMaxTreeDepth = 400;
  class Depth {
   public:
    explicit Depth(Parser& parser);
    ~Depth() { --parser_.depth_; }
    Depth(const Depth&) = delete;
    Depth& operator=(const Depth&) = delete;

   private:
    Parser& parser_;
  };

  std::string_view text_;
  std::vector<Token> tokens_;
  size_t index_ = 0;
  int depth_ = 0;
};

/// True for words that end an expression or a clause and so cannot be a bare alias.
bool reserved(std::string_view lower_word);

}  // namespace setl::sql::detail
