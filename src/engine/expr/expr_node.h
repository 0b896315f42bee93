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
