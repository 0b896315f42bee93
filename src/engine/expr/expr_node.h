// The node behind an Expr (private to the engine).
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "setl/engine/expr.h"

namespace setl::engine::detail {

struct ExprNode {
  ExprKind kind = ExprKind::kLiteral;
  std::string name;
  Scalar literal;
  std::vector<Expr> args;
  DataType cast_type;
  bool try_cast = false;
  std::string alias;
  std::shared_ptr<const WindowSpec> window;
  // Levels below and including this node; set when the node is wrapped in an Expr.
  int depth = 1;
};

/// A column, call, aggregate or window node with its name and arguments.
inline Expr make_expr(ExprKind kind, std::string name, std::vector<Expr> args) {
  auto node = std::make_shared<ExprNode>();
  node->kind = kind;
  node->name = std::move(name);
  node->args = std::move(args);
  return Expr(std::move(node));
}

}  // namespace setl::engine::detail

namespace setl::engine::detail {

/// `name`, double-quoted unless it is a plain identifier that is not a keyword.
std::string quote_identifier(const std::string& name);
/// " OVER (PARTITION BY ... ORDER BY ... ROWS BETWEEN ...)": text parse_expr reads back.
std::string window_text(const WindowSpec& window);
bool same_window(const WindowSpec& a, const WindowSpec& b);
/// Throws ParseError unless `function` (a window function or aggregate name) can take
/// `window`'s frame.
void check_window_frame(const std::string& function, const WindowSpec& window);

}  // namespace setl::engine::detail
